"""Hostile media, made in the test: decompression bombs that are a few KB on disk, a PDF
of thousands of pages, hours of audio. Nothing big is stored or held in memory whole."""

from __future__ import annotations

import io
import struct
import subprocess
import zlib
from pathlib import Path

import imageio_ffmpeg
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, StreamObject


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG header for ``width`` x ``height`` 8-bit RGB with a token IDAT."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def jpeg_declaring(width: int, height: int) -> bytes:
    """SOI, an APP0 and a baseline SOF0 frame header of ``width`` x ``height``."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def webp_declaring(width: int, height: int) -> bytes:
    """An extended (VP8X) WebP header: 24-bit dimensions, so up to 16M x 16M."""
    vp8x = (
        b"\x00\x00\x00\x00" + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    )
    body = b"WEBP" + b"VP8X" + struct.pack("<I", len(vp8x)) + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


def gif_declaring(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00" + b";"


def pdf_inflating(source: bytes, per_page: int, pages: int) -> bytes:
    """``pages`` copies of ``source``'s first page whose text stream inflates to
    ``per_page`` bytes (a line of text, then spaces), compressed as it is written."""
    compressor = zlib.compressobj(9)
    stream = compressor.compress(b"BT /F1 12 Tf 72 720 Td (bomba) Tj ET\n")
    block = b" " * (1 << 16)
    for _ in range(per_page >> 16):
        stream += compressor.compress(block)
    stream += compressor.flush()
    template = PdfReader(io.BytesIO(source)).pages[0]
    writer = PdfWriter()
    for _ in range(pages):
        page = writer.add_page(template)
        contents = StreamObject()
        contents.set_data(stream)
        contents[NameObject("/Filter")] = NameObject("/FlateDecode")
        page[NameObject("/Contents")] = writer._add_object(contents)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def long_mp3(tmp: Path, hours: float) -> bytes:
    """Hours of an 8 kbit/s tone: one minute encoded once, its frames repeated (an MP3 is
    a plain sequence of frames), so a 3-hour file is 11 MB made in a fraction of a second."""
    minute = tmp / "minute.mp3"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=60:sample_rate=8000",
         "-ac", "1", "-c:a", "libmp3lame", "-b:a", "8k", "-write_xing", "0",
         "-id3v2_version", "0", "-y", str(minute)],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return minute.read_bytes() * round(hours * 60)
