"""Image dimensions from the file header, without decoding a pixel.

We never decode images ourselves (the vision model gets the file), but a 40 KB PNG can
declare 100,000 x 100,000 pixels: whoever decodes it needs 40 GB. Such a file is refused
as a bomb before it is sent anywhere.
"""

from __future__ import annotations

import struct

from app.media.errors import ExtractError

# Far above any camera (a 200 MP phone photo is 16,320 x 12,240), far below a bomb.
MAX_PIXELS = 250_000_000
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # SOFn, not DHT/JPG/DAC


def check_image(data: bytes, *, max_pixels: int = MAX_PIXELS) -> None:
    """ExtractError("bomb") when the header declares more than ``max_pixels``."""
    size = image_size(data)
    if size is not None and size[0] * size[1] > max_pixels:
        raise ExtractError("bomb", f"the image declares {size[0]} x {size[1]} pixels")


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, GIF, JPEG or WebP; None when the header does not say."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return _unpack(">II", data, 16)
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return _unpack("<HH", data, 6)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    return None


def _unpack(layout: str, data: bytes, offset: int) -> tuple[int, int] | None:
    try:
        width, height = struct.unpack_from(layout, data, offset)
    except struct.error:
        return None
    return int(width), int(height)


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 <= len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            index += 2
            continue
        if marker in _JPEG_FRAMES:
            size = _unpack(">HH", data, index + 5)
            return (size[1], size[0]) if size else None
        (length,) = struct.unpack_from(">H", data, index + 2)
        index += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and len(data) >= 30:
        size = _unpack("<HH", data, 26)
        return (size[0] & 0x3FFF, size[1] & 0x3FFF) if size else None
    return None
