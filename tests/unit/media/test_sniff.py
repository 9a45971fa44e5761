from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from app.media.sniff import (
    DOCX,
    XLSX,
    extension_for,
    mimetype_of_key,
    resolve_mimetype,
    sniff_mimetype,
)


@pytest.mark.parametrize(
    ("name", "mimetype"),
    [
        ("nota-de-voz.ogg", "audio/ogg; codecs=opus"),
        ("audio-encaminhado.mp3", "audio/mpeg"),
        ("video-pedido.mp4", "video/mp4"),
        ("comprovante-pix.jpg", "image/jpeg"),
        ("cobranca-pedido-48213.pdf", "application/pdf"),
        ("contrato-fibra.docx", DOCX),
    ],
)
def test_fixtures_sniff_as_expected_json_says(
    fixtures: Path, expected: dict[str, Any], name: str, mimetype: str
) -> None:
    assert sniff_mimetype((fixtures / name).read_bytes()) == mimetype
    assert expected[name]["mimetype"] == mimetype


@pytest.mark.parametrize(
    ("head", "mimetype"),
    [
        (b"\xff\xfb\x90\x64" + bytes(60), "audio/mpeg"),  # mp3 frame without ID3
        (b"\xff\xf1\x50\x80" + bytes(60), "audio/aac"),  # ADTS
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "audio/mp4"),
        (b"\x00\x00\x00\x20ftyp3gp4\x00\x00\x00\x00", "video/3gpp"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "video/webm"),
        (b"\x89PNG\r\n\x1a\n" + bytes(8), "image/png"),
        (b"GIF89a" + bytes(8), "image/gif"),
        ("Olá, tudo bem?\n".encode(), "text/plain"),
        (b"\x00\x01\x02\x03binary", None),
        (b"", None),
    ],
)
def test_magic_bytes(head: bytes, mimetype: str | None) -> None:
    assert sniff_mimetype(head) == mimetype


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, b"<xml/>")
    return buffer.getvalue()


def test_zip_is_told_apart_by_its_members() -> None:
    assert sniff_mimetype(_zip("[Content_Types].xml", "word/document.xml")) == DOCX
    assert sniff_mimetype(_zip("[Content_Types].xml", "xl/workbook.xml")) == XLSX
    assert sniff_mimetype(_zip("notas.txt")) == "application/zip"


def test_bytes_win_over_a_wrong_declared_type(fixtures: Path) -> None:
    pdf = (fixtures / "cobranca-pedido-48213.pdf").read_bytes()
    assert resolve_mimetype(pdf, "text/plain") == "application/pdf"
    voice = (fixtures / "nota-de-voz.ogg").read_bytes()
    assert resolve_mimetype(voice, "application/octet-stream") == "audio/ogg; codecs=opus"


def test_declared_type_refines_what_bytes_cannot_tell() -> None:
    assert resolve_mimetype(b"a;b\n1;2\n", "text/csv") == "text/csv"
    m4a = b"\x00\x00\x00\x20ftypisom" + bytes(20)
    assert resolve_mimetype(m4a, "audio/mp4") == "audio/mp4"
    assert resolve_mimetype(b"\x00\x01\x02", "image/heic") == "image/heic"
    assert resolve_mimetype(b"\x00\x01\x02", None) == "application/octet-stream"


@pytest.mark.parametrize(
    ("mimetype", "extension"),
    [
        ("audio/ogg; codecs=opus", "ogg"),
        ("audio/mpeg", "mp3"),
        ("image/jpeg", "jpg"),
        (DOCX, "docx"),
        ("application/pdf", "pdf"),
        ("application/x-unknown-thing", "bin"),
        (None, "bin"),
    ],
)
def test_extension_for(mimetype: str | None, extension: str) -> None:
    assert extension_for(mimetype) == extension


@pytest.mark.parametrize(
    "mimetype", ["image/jpeg", "audio/ogg", "video/mp4", "application/pdf", DOCX, "image/png"]
)
def test_a_stored_key_tells_the_type_it_was_stored_as(mimetype: str) -> None:
    key = f"org/2026/12/0123abcd.{extension_for(mimetype)}"
    assert mimetype_of_key(key) == mimetype


@pytest.mark.parametrize("key", ["org/2026/12/0123abcd", "org/v1.2/0123abcd"])
def test_a_key_without_an_extension_tells_nothing(key: str) -> None:
    assert mimetype_of_key(key) is None
