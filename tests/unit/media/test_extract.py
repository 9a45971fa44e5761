from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import docx
import pytest
from media_samples import (
    docx_bomb,
    encrypted_pdf,
    long_pdf,
    many_members_zip,
    silent_video,
    wav_format,
)

from app.media.errors import ExtractError
from app.media.extract import (
    ZipLimits,
    audio_to_wav16k,
    docx_text,
    pdf_text,
    video_audio_and_frames,
)

SPOKEN_SECONDS = 8.6


@pytest.mark.parametrize("name", ["nota-de-voz.ogg", "audio-encaminhado.mp3"])
async def test_audio_becomes_16k_mono_wav(fixtures: Path, name: str) -> None:
    wav = await audio_to_wav16k((fixtures / name).read_bytes())
    rate, channels, width, seconds = wav_format(wav.data)
    assert (rate, channels, width) == (16_000, 1, 2)
    assert seconds == pytest.approx(SPOKEN_SECONDS, abs=0.2)
    assert wav.duration == pytest.approx(seconds)
    assert not wav.truncated


async def test_audio_from_a_path(fixtures: Path) -> None:
    wav = await audio_to_wav16k(fixtures / "nota-de-voz.ogg")
    assert wav.duration == pytest.approx(SPOKEN_SECONDS, abs=0.2)


async def test_duration_cap_truncates_and_says_so(fixtures: Path) -> None:
    wav = await audio_to_wav16k((fixtures / "audio-encaminhado.mp3").read_bytes(), max_seconds=2)
    assert wav.duration == pytest.approx(2.0, abs=0.05)
    assert wav.truncated


@pytest.mark.parametrize("data", [b"", b"OggS" + b"\x00garbage" * 500, bytes(range(256)) * 40])
async def test_corrupt_audio(data: bytes) -> None:
    with pytest.raises(ExtractError) as caught:
        await audio_to_wav16k(data)
    assert caught.value.code == "corrupt"


async def test_ffmpeg_runs_under_a_deadline(fixtures: Path) -> None:
    with pytest.raises(ExtractError) as caught:
        await audio_to_wav16k((fixtures / "audio-encaminhado.mp3").read_bytes(), timeout=0.001)
    assert caught.value.code == "timeout"


@pytest.mark.parametrize(
    "template",
    [
        "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{path}\n#EXT-X-ENDLIST\n",
        "ffconcat version 1.0\nfile '{path}'\n",
    ],
)
async def test_a_playlist_posing_as_audio_is_not_followed(
    fixtures: Path, tmp_path: Path, template: str
) -> None:
    other = tmp_path / "someone-elses.mp3"
    other.write_bytes((fixtures / "audio-encaminhado.mp3").read_bytes())
    with pytest.raises(ExtractError) as caught:
        await audio_to_wav16k(template.format(path=other).encode())
    assert caught.value.code == "corrupt"


def _jpeg_size(jpeg: bytes) -> tuple[int, int]:
    index = 2
    while index < len(jpeg):
        marker, length = jpeg[index + 1], struct.unpack(">H", jpeg[index + 2 : index + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", jpeg[index + 5 : index + 9])
            return width, height
        index += 2 + length
    raise AssertionError("no SOF marker")


async def test_video_gives_audio_and_spread_frames(fixtures: Path) -> None:
    parts = await video_audio_and_frames((fixtures / "video-pedido.mp4").read_bytes())
    assert parts.audio is not None
    assert wav_format(parts.audio.data)[:2] == (16_000, 1)
    assert parts.audio.duration == pytest.approx(SPOKEN_SECONDS, abs=0.2)
    assert len(parts.frames) == 3
    assert all(frame.startswith(b"\xff\xd8\xff") for frame in parts.frames)
    assert _jpeg_size(parts.frames[0]) == (640, 400)  # already under 768: not upscaled


async def test_video_without_audio_is_scaled_down(tmp_path: Path) -> None:
    parts = await video_audio_and_frames(silent_video(tmp_path / "silent.mp4"), n_frames=2)
    assert parts.audio is None
    assert len(parts.frames) == 2
    assert _jpeg_size(parts.frames[0]) == (768, 432)


async def test_pdf_text_matches_expected(fixtures: Path, expected: dict[str, Any]) -> None:
    document = await pdf_text((fixtures / "cobranca-pedido-48213.pdf").read_bytes())
    for needle in expected["cobranca-pedido-48213.pdf"]["must_contain"]:
        assert needle in document.text
    assert (document.pages, document.pages_read, document.truncated) == (2, 2, False)


async def test_long_pdf_reads_only_max_pages(fixtures: Path) -> None:
    data = long_pdf((fixtures / "cobranca-pedido-48213.pdf").read_bytes(), pages=300)
    document = await pdf_text(data, max_pages=50)
    assert (document.pages, document.pages_read, document.truncated) == (300, 50, True)
    assert document.text.count("Pedido 48213") == 25


async def test_encrypted_pdf(fixtures: Path) -> None:
    source = (fixtures / "cobranca-pedido-48213.pdf").read_bytes()
    with pytest.raises(ExtractError) as caught:
        await pdf_text(encrypted_pdf(source, "senha-do-cliente"))
    assert caught.value.code == "encrypted"
    # Protected only against editing/printing: the empty user password opens it.
    document = await pdf_text(encrypted_pdf(source, ""))
    assert "Pedido 48213" in document.text


@pytest.mark.parametrize("data", [b"%PDF-1.7\n garbage", b"", b"%PDF-1.4\n1 0 obj <<"])
async def test_corrupt_pdf(data: bytes) -> None:
    with pytest.raises(ExtractError) as caught:
        await pdf_text(data)
    assert caught.value.code == "corrupt"


async def test_docx_text_matches_expected(fixtures: Path, expected: dict[str, Any]) -> None:
    document = await docx_text((fixtures / "contrato-fibra.docx").read_bytes())
    for needle in expected["contrato-fibra.docx"]["must_contain"]:
        assert needle in document.text


async def test_docx_keeps_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    made = docx.Document()
    made.add_paragraph("Antes da tabela")
    table = made.add_table(rows=2, cols=3)
    for row, values in zip(
        table.rows, [("Plano", "Preço", "Prazo"), ("Fibra", "R$ 99,90", "12")], strict=True
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    table.rows[0].cells[1].merge(table.rows[0].cells[2])
    made.add_paragraph("Depois da tabela")
    made.save(str(tmp_path / "ordem.docx"))
    document = await docx_text((tmp_path / "ordem.docx").read_bytes())
    assert document.text.splitlines() == [
        "Antes da tabela",
        "Plano | Preço Prazo",
        "Fibra | R$ 99,90 | 12",
        "Depois da tabela",
    ]


async def test_docx_bomb_is_refused_before_python_docx_opens_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def must_not_open(*_: object) -> None:
        raise AssertionError("python-docx opened a zip bomb")

    monkeypatch.setattr(docx, "Document", must_not_open)
    with pytest.raises(ExtractError) as caught:
        await docx_text(docx_bomb(40 << 20))
    assert caught.value.code == "bomb"
    with pytest.raises(ExtractError) as caught:
        await docx_text(many_members_zip(2000))
    assert caught.value.code == "bomb"


async def test_docx_total_size_cap(fixtures: Path) -> None:
    with pytest.raises(ExtractError) as caught:
        await docx_text(
            (fixtures / "contrato-fibra.docx").read_bytes(),
            limits=ZipLimits(max_total_bytes=10_000),
        )
    assert caught.value.code == "too_large"


@pytest.mark.parametrize("data", [b"PK\x03\x04 broken", b"plain text", b""])
async def test_corrupt_docx(data: bytes) -> None:
    with pytest.raises(ExtractError) as caught:
        await docx_text(data)
    assert caught.value.code == "corrupt"
