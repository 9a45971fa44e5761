"""Media the tests generate: big, encrypted or hostile files are made, not stored."""

from __future__ import annotations

import io
import subprocess
import wave
import zipfile
from pathlib import Path

import imageio_ffmpeg
from pypdf import PdfReader, PdfWriter


def wav_format(data: bytes) -> tuple[int, int, int, float]:
    """(sample rate, channels, bytes per sample, seconds) from a WAV file's header."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    with wave.open(io.BytesIO(data), "rb") as reader:
        rate = reader.getframerate()
        return rate, reader.getnchannels(), reader.getsampwidth(), reader.getnframes() / rate


def long_pdf(source: bytes, pages: int) -> bytes:
    reader = PdfReader(io.BytesIO(source))
    writer = PdfWriter()
    for index in range(pages):
        writer.add_page(reader.pages[index % len(reader.pages)])
    return _written(writer)


def encrypted_pdf(source: bytes, password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(source)))
    writer.encrypt(user_password=password, owner_password="dono-do-arquivo", algorithm="AES-256")
    return _written(writer)


def _written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def docx_bomb(inflated_bytes: int) -> bytes:
    """A DOCX whose document.xml is ``inflated_bytes`` of one repeated byte."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            block = b" " * (1 << 20)
            for _ in range(inflated_bytes >> 20):
                member.write(block)
    return buffer.getvalue()


def many_members_zip(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(count):
            archive.writestr(f"word/media/{index}.xml", b"")
    return buffer.getvalue()


def silent_video(path: Path, seconds: float = 2.0) -> Path:
    """A video with no audio track, made by the same ffmpeg binary the code uses."""
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"color=c=blue:s=1280x720:d={seconds}",
            "-c:v",
            "mpeg4",
            "-y",
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return path
