from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import openai
import pytest
from media_samples import wav_format
from openai_server import OpenAIStandin, Reply

from app.ai.llm import RetryPolicy
from app.media.download import Fetched
from app.media.sniff import resolve_mimetype
from app.media.understand import Understanding, understand
from providers.base import MediaKind

PIX = "Comprovante Pix: R$ 189,90 para Loja Exemplo LTDA em 22/11/2026 às 10:42."
SPOKEN = "Oi, boa tarde. Meu pedido 48213 ainda não chegou."


def fetched(data: bytes, declared: str | None = None) -> Fetched:
    return Fetched(
        data=data, mimetype=resolve_mimetype(data, declared), filename=None, size=len(data)
    )


async def run(
    llm: openai.AsyncOpenAI, media: Fetched, kind: MediaKind, retry: RetryPolicy
) -> Understanding:
    return await understand(
        media,
        kind,
        llm=llm,
        transcription_model="whisper-test",
        vision_model="vision-test",
        language="pt",
        retry=retry,
    )


def image_urls(request_json: dict[str, Any]) -> list[str]:
    parts = request_json["messages"][0]["content"]
    return [part["image_url"]["url"] for part in parts if part["type"] == "image_url"]


def prompt_text(request_json: dict[str, Any]) -> str:
    parts = request_json["messages"][0]["content"]
    return "".join(part["text"] for part in parts if part["type"] == "text")


@pytest.mark.parametrize(
    ("name", "kind"), [("nota-de-voz.ogg", "voice"), ("audio-encaminhado.mp3", "audio")]
)
async def test_audio_is_sent_as_16k_mono_wav(
    standin: OpenAIStandin,
    llm: openai.AsyncOpenAI,
    fast_retry: RetryPolicy,
    fixtures: Path,
    name: str,
    kind: MediaKind,
) -> None:
    standin.queue("transcription", Reply(text=SPOKEN))
    result = await run(llm, fetched((fixtures / name).read_bytes()), kind, fast_retry)
    assert (result.text, result.error, result.route) == (SPOKEN, None, "audio")
    assert result.duration == pytest.approx(8.6, abs=0.2)
    request = standin.last("transcription")
    assert request.form == {"model": "whisper-test", "language": "pt"}
    upload = request.files["file"]
    assert (upload.filename, upload.content_type) == ("audio.wav", "audio/wav")
    rate, channels, width, seconds = wav_format(upload.data)
    assert (rate, channels, width) == (16_000, 1, 2)
    assert seconds == pytest.approx(8.6, abs=0.2)  # the whole note, not a fragment


async def test_image_is_sent_as_a_data_url_and_described(
    standin: OpenAIStandin, llm: openai.AsyncOpenAI, fast_retry: RetryPolicy, fixtures: Path
) -> None:
    jpeg = (fixtures / "comprovante-pix.jpg").read_bytes()
    standin.queue("chat", Reply(text=PIX))
    result = await run(llm, fetched(jpeg), "image", fast_retry)
    assert (result.text, result.error, result.route) == (PIX, None, "image")
    request = standin.last("chat").json
    assert request["model"] == "vision-test"
    assert image_urls(request) == ["data:image/jpeg;base64," + base64.b64encode(jpeg).decode()]
    prompt = prompt_text(request)
    assert "literalmente" in prompt and "valor" in prompt and "português" in prompt


async def test_video_sends_its_audio_and_frames(
    standin: OpenAIStandin, llm: openai.AsyncOpenAI, fast_retry: RetryPolicy, fixtures: Path
) -> None:
    standin.queue("transcription", Reply(text=SPOKEN))
    standin.queue("chat", Reply(text=PIX))
    media = fetched((fixtures / "video-pedido.mp4").read_bytes())
    result = await run(llm, media, "video", fast_retry)
    assert result.error is None and result.route == "video"
    assert result.text == f"Áudio do vídeo: {SPOKEN}\n\nImagens do vídeo: {PIX}"
    assert wav_format(standin.last("transcription").files["file"].data)[:2] == (16_000, 1)
    assert len(standin.requests("chat")) == 1
    urls = image_urls(standin.last("chat").json)
    assert len(urls) == 3 and all(url.startswith("data:image/jpeg;base64,/9j/") for url in urls)


async def test_video_keeps_the_half_that_worked(
    standin: OpenAIStandin, llm: openai.AsyncOpenAI, fast_retry: RetryPolicy, fixtures: Path
) -> None:
    standin.queue("transcription", *[Reply.failure(500)] * 3)
    standin.queue("chat", Reply(text=PIX))
    result = await run(
        llm, fetched((fixtures / "video-pedido.mp4").read_bytes()), "video", fast_retry
    )
    assert result.text == f"Imagens do vídeo: {PIX}"
    assert result.error is None
    assert result.detail is not None and "llm_unavailable" in result.detail


@pytest.mark.parametrize(
    ("name", "route"), [("cobranca-pedido-48213.pdf", "pdf"), ("contrato-fibra.docx", "docx")]
)
async def test_documents_are_read_without_the_model(
    standin: OpenAIStandin,
    llm: openai.AsyncOpenAI,
    fast_retry: RetryPolicy,
    fixtures: Path,
    expected: dict[str, Any],
    name: str,
    route: str,
) -> None:
    result = await run(llm, fetched((fixtures / name).read_bytes()), "document", fast_retry)
    assert (result.error, result.route) == (None, route)
    assert result.text is not None
    for needle in expected[name]["must_contain"]:
        assert needle in result.text
    assert standin.requests() == []


@pytest.mark.parametrize(
    ("data", "declared", "kind", "error"),
    [
        (b"", "audio/ogg", "voice", "empty"),
        (b"OggS\x00\x02" + b"\x00" * 4000, None, "voice", "corrupt"),
        (b"\x00\x01\x02\x03" * 100, "application/octet-stream", "document", "unsupported_type"),
        (b"\x00\x00\x00\x18ftypheic" + bytes(100), None, "image", "unsupported_type"),
        (b"%PDF-1.4\n1 0 obj <<", None, "document", "corrupt"),
    ],
)
async def test_bad_media_fails_softly(
    standin: OpenAIStandin,
    llm: openai.AsyncOpenAI,
    fast_retry: RetryPolicy,
    data: bytes,
    declared: str | None,
    kind: MediaKind,
    error: str,
) -> None:
    media = Fetched(
        data=data, mimetype=resolve_mimetype(data, declared), filename=None, size=len(data)
    )
    result = await run(llm, media, kind, fast_retry)
    assert (result.text, result.error) == (None, error)
    assert not result.retryable
    assert standin.requests() == []


async def test_a_long_pdf_says_it_was_cut(
    llm: openai.AsyncOpenAI, fast_retry: RetryPolicy, fixtures: Path
) -> None:
    from media_samples import long_pdf

    data = long_pdf((fixtures / "cobranca-pedido-48213.pdf").read_bytes(), pages=300)
    result = await run(llm, fetched(data), "document", fast_retry)
    assert result.truncated and result.detail == "read 50 of 300 pages"


async def test_model_500_then_success_is_retried(
    standin: OpenAIStandin, llm: openai.AsyncOpenAI, fast_retry: RetryPolicy, fixtures: Path
) -> None:
    standin.queue("chat", Reply.failure(500), Reply.failure(429), Reply(text=PIX))
    result = await run(
        llm, fetched((fixtures / "comprovante-pix.jpg").read_bytes()), "image", fast_retry
    )
    assert (result.text, result.error) == (PIX, None)
    assert len(standin.requests("chat")) == 3


async def test_model_always_500_gives_a_retryable_failure(
    standin: OpenAIStandin, llm: openai.AsyncOpenAI, fast_retry: RetryPolicy, fixtures: Path
) -> None:
    standin.queue("transcription", *[Reply.failure(503)] * 3)
    result = await run(
        llm, fetched((fixtures / "nota-de-voz.ogg").read_bytes()), "voice", fast_retry
    )
    assert (result.text, result.error, result.retryable) == (None, "llm_unavailable", True)
    assert len(standin.requests("transcription")) == 3
    assert standin.pending("transcription") == 0


async def test_model_timeout_gives_a_failure(
    standin: OpenAIStandin, llm: openai.AsyncOpenAI, fixtures: Path
) -> None:
    standin.queue("chat", Reply.stall(30), Reply.stall(30))
    policy = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.01, timeout=0.3)
    result = await run(
        llm, fetched((fixtures / "comprovante-pix.jpg").read_bytes()), "image", policy
    )
    assert (result.text, result.error, result.retryable) == (None, "llm_timeout", True)
    assert len(standin.requests("chat")) == 2


async def test_model_rejection_is_not_retried(
    standin: OpenAIStandin, llm: openai.AsyncOpenAI, fast_retry: RetryPolicy, fixtures: Path
) -> None:
    standin.queue("chat", Reply.failure(400, "image too large"))
    result = await run(
        llm, fetched((fixtures / "comprovante-pix.jpg").read_bytes()), "image", fast_retry
    )
    assert (result.error, result.retryable) == ("llm_rejected", False)
    assert result.detail is not None and "image too large" in result.detail
    assert len(standin.requests("chat")) == 1


async def test_unreachable_model(fast_retry: RetryPolicy, fixtures: Path) -> None:
    async with openai.AsyncOpenAI(
        base_url="http://127.0.0.1:9/v1", api_key="x", max_retries=0
    ) as llm:
        result = await run(
            llm, fetched((fixtures / "comprovante-pix.jpg").read_bytes()), "image", fast_retry
        )
    assert (result.error, result.retryable) == ("llm_unavailable", True)
