"""Media types from the bytes themselves. Providers mislabel files (voice notes as
``application/octet-stream``, PDFs forwarded as ``text/plain``), so the magic bytes win
over any declared type; the declared type only refines what the bytes cannot tell
(``text/csv`` vs ``text/plain``, an ``.xlsx`` vs a bare zip)."""

from __future__ import annotations

import codecs
import io
import mimetypes
import zipfile

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
OCTET = "application/octet-stream"

_EXTENSIONS = {
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/aac": "aac",
    "audio/wav": "wav",
    "audio/flac": "flac",
    "audio/amr": "amr",
    "audio/webm": "weba",
    "video/mp4": "mp4",
    "video/3gpp": "3gp",
    "video/quicktime": "mov",
    "video/webm": "webm",
    "video/x-matroska": "mkv",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "application/pdf": "pdf",
    DOCX: "docx",
    XLSX: "xlsx",
    PPTX: "pptx",
    "application/zip": "zip",
    "text/plain": "txt",
}
_ZIP_MARKERS = (
    ("word/document.xml", DOCX),
    ("xl/workbook.xml", XLSX),
    ("ppt/presentation.xml", PPTX),
)
# Containers whose declared subtype is more precise than what the magic bytes can tell.
_REFINABLE = {
    "text/plain": ("text/", "application/json", "application/xml", "application/csv"),
    "application/zip": ("application/vnd.", "application/zip", "application/epub+zip"),
    "video/mp4": ("audio/mp4", "audio/x-m4a", "audio/m4a", "video/mp4"),
    "video/webm": ("audio/webm", "video/webm"),
}


def base_type(mimetype: str | None) -> str:
    return (mimetype or "").split(";", 1)[0].strip().lower()


def extension_for(mimetype: str | None) -> str:
    base = base_type(mimetype)
    if base in _EXTENSIONS:
        return _EXTENSIONS[base]
    guessed = mimetypes.guess_extension(base) if base else None
    return guessed.lstrip(".") if guessed else "bin"


def mimetype_of_key(key: str) -> str | None:
    """The type a stored file was sniffed as, from its key's extension (``put`` names
    keys by ``extension_for``); None when the extension says nothing."""
    name = key.rpartition("/")[2]
    if "." not in name:
        return None
    extension = name.rpartition(".")[2].lower()
    for mimetype, known in _EXTENSIONS.items():
        if known == extension:
            return mimetype
    return mimetypes.guess_type(name)[0]


def resolve_mimetype(data: bytes, declared: str | None) -> str:
    """The type to trust: the bytes', refined by ``declared`` only when compatible."""
    sniffed = sniff_mimetype(data)
    if sniffed is None:
        return declared or OCTET
    if declared and base_type(declared).startswith(_REFINABLE.get(base_type(sniffed), ())):
        return declared
    return sniffed


def sniff_mimetype(data: bytes) -> str | None:
    """The mimetype the leading bytes prove, or None when they prove nothing."""
    head = data[:64]
    return (
        _sniff_audio(head)
        or _sniff_container(head)
        or _sniff_image(head)
        or _sniff_document(data)
        or _sniff_text(data)
    )


def _sniff_audio(head: bytes) -> str | None:
    if head.startswith(b"OggS"):
        if b"OpusHead" in head:
            return "audio/ogg; codecs=opus"
        return "video/ogg" if b"theora" in head else "audio/ogg"
    if head.startswith(b"ID3"):
        return "audio/mpeg"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        # Layer bits 00 mean ADTS AAC; any other layer is an MPEG audio frame (mp3).
        return "audio/aac" if head[1] & 0x06 == 0 else "audio/mpeg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"#!AMR"):
        return "audio/amr"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    return None


def _sniff_container(head: bytes) -> str | None:
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B ", b"M4P "):
            return "audio/mp4"
        if brand.startswith(b"3g"):
            return "video/3gpp"
        if brand == b"qt  ":
            return "video/quicktime"
        if brand in (b"heic", b"heix", b"mif1"):
            return "image/heic"
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head else "video/x-matroska"
    return None


def _sniff_image(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    return None


def _sniff_document(data: bytes) -> str | None:
    # PDF readers accept junk before the header, and so do real-world PDFs.
    if b"%PDF-" in data[:1024]:
        return "application/pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return "application/zip"
        return next((kind for marker, kind in _ZIP_MARKERS if marker in names), "application/zip")
    return None


def _sniff_text(data: bytes) -> str | None:
    sample = data[:4096]
    if not sample:
        return None
    try:
        # Not final: the sample may end in the middle of a multi-byte character.
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(sample, final=False)
    except UnicodeDecodeError:
        return None
    if any(ord(ch) < 32 and ch not in "\t\n\r\f" for ch in text):
        return None
    return "text/plain"
