"""The settings' live test: the models list, then one tiny call per configured model —
a chat completion, an image to the vision model, a short WAV to the transcription
model — each with its own verdict, in words an administrator can act on.

The probes are made here, not copied from the callers: a small PNG and half a second
of silence, so a test costs a few tokens. A transcription of silence may be empty;
any 2xx answer means the model is there and takes our audio."""

from __future__ import annotations

import asyncio
import base64
import io
import struct
import time
import wave
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

import openai

from app.ai.llm import LlmClients, LlmEndpoint
from app.ai.schemas import AiSettingsTest, ModelCheck
from app.ai.services import valid_base_url

TEST_TIMEOUT = 15.0


def _png(size: int = 16, rgb: tuple[int, int, int] = (37, 211, 102)) -> bytes:
    """A solid-colour PNG (some vision endpoints refuse a 1x1 image)."""
    row = b"\x00" + bytes(rgb) * size
    raw = zlib.compress(row * size)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def _wav(seconds: float = 0.5, rate: int = 16_000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(seconds * rate))
    return buffer.getvalue()


PROBE_IMAGE = "data:image/png;base64," + base64.b64encode(_png()).decode("ascii")
PROBE_AUDIO = _wav()


def _listed(model: str, models: list[str]) -> bool:
    # Gemini lists "models/gemini-2.0-flash"; OpenRouter ids carry a vendor prefix.
    return any(m == model or m.endswith("/" + model) for m in models)


def explain(exc: openai.OpenAIError, where: str | None, model: str | None) -> tuple[str, str]:
    if isinstance(exc, openai.APITimeoutError):
        return "timeout", f"{where} did not answer within {TEST_TIMEOUT:g} s."
    if isinstance(exc, openai.APIConnectionError):
        return "unreachable", f"Cannot connect to {where}: {exc.__cause__ or exc}."
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return "unauthorized", f"{where} refused the API key (HTTP {exc.status_code})."
    if isinstance(exc, openai.NotFoundError):
        return "model_not_found", f"{where} does not know the model `{model}`."
    if isinstance(exc, openai.RateLimitError):
        return "rate_limited", f"{where} is rate limiting this key (HTTP 429)."
    if isinstance(exc, openai.APIStatusError):
        text = f"{where} answered HTTP {exc.status_code}: {exc.message}"[:300]
        if exc.status_code >= 500:
            return "server_error", text
        if "model" in str(exc.message).lower():
            return "model_not_found", text
        return "bad_response", text
    return "bad_response", f"{where} answered something unexpected: {exc}"[:300]


def _skipped(kind: str, model: str | None, code: str, detail: str) -> ModelCheck:
    return ModelCheck(
        kind=kind, model=model, status="skipped", code=code, detail=detail, latency_ms=0
    )


async def _check(
    kind: str,
    model: str | None,
    endpoint: LlmEndpoint,
    models: list[str] | None,
    call: Callable[[str], Awaitable[Any]],
) -> ModelCheck:
    if not model:
        return _skipped(kind, None, "not_configured", f"No {kind} model is configured.")
    started = time.monotonic()

    def verdict(status: str, code: str, detail: str) -> ModelCheck:
        elapsed = int((time.monotonic() - started) * 1000)
        return ModelCheck(
            kind=kind, model=model, status=status, code=code, detail=detail, latency_ms=elapsed
        )

    if models and not _listed(model, models):
        detail = f"The model `{model}` is not offered by {endpoint.base_url}."
        return verdict("failed", "model_not_found", detail)
    try:
        await call(model)
    except openai.OpenAIError as exc:
        code, detail = explain(exc, endpoint.base_url, model)
        return verdict("failed", code, detail)
    return verdict("ok", "ok", f"{model} answered.")


async def test_endpoint(endpoint: LlmEndpoint, timeout: float = TEST_TIMEOUT) -> AiSettingsTest:
    started = time.monotonic()

    def result(
        code: str,
        detail: str,
        stage: str | None,
        models: list[str] | None,
        checks: list[ModelCheck],
    ) -> AiSettingsTest:
        return AiSettingsTest(
            ok=code == "ok",
            code=code,
            detail=detail,
            stage=stage,
            base_url=endpoint.base_url,
            chat_model=endpoint.chat_model,
            models=models,
            latency_ms=int((time.monotonic() - started) * 1000),
            checks=checks,
        )

    def all_skipped(code: str, detail: str) -> list[ModelCheck]:
        return [
            _skipped("chat", endpoint.chat_model, code, detail),
            _skipped("vision", endpoint.vision_model, code, detail),
            _skipped("transcription", endpoint.transcription_model, code, detail),
        ]

    if not endpoint.configured or endpoint.base_url is None or endpoint.chat_model is None:
        detail = "No endpoint or chat model is configured."
        return result("not_configured", detail, None, None, all_skipped("not_configured", detail))
    if not valid_base_url(endpoint.base_url):
        detail = "The base URL is not a valid http(s) URL."
        return result("invalid_url", detail, None, None, all_skipped("invalid_url", detail))
    # The api process keeps no clients between requests: a pool just for this check.
    async with LlmClients() as clients:
        client = clients.get(endpoint).with_options(timeout=timeout, max_retries=0)
        models: list[str] | None = None
        try:
            models = [model.id async for model in client.models.list()]
        except openai.NotFoundError:
            models = None  # some compatible servers have no /models; the calls decide
        except openai.OpenAIError as exc:
            code, detail = explain(exc, endpoint.base_url, endpoint.chat_model)
            return result(code, detail, "models", None, all_skipped(code, detail))

        async def chat(model: str) -> Any:
            return await client.chat.completions.create(
                model=model,
                messages=[{"role": "user", "content": "Responda apenas: ok"}],
                max_tokens=5,
            )

        async def vision(model: str) -> Any:
            parts: list[Any] = [
                {"type": "text", "text": "Qual é a cor desta imagem? Uma palavra."},
                {"type": "image_url", "image_url": {"url": PROBE_IMAGE}},
            ]
            return await client.chat.completions.create(
                model=model, messages=[{"role": "user", "content": parts}], max_tokens=5
            )

        async def transcription(model: str) -> Any:
            return await client.audio.transcriptions.create(
                model=model, file=("teste.wav", PROBE_AUDIO, "audio/wav")
            )

        probes = (
            ("chat", endpoint.chat_model, chat),
            ("vision", endpoint.vision_model, vision),
            ("transcription", endpoint.transcription_model, transcription),
        )
        checks = list(
            await asyncio.gather(
                *(_check(kind, model, endpoint, models, call) for kind, model, call in probes)
            )
        )
    first = checks[0]
    if first.status != "ok":
        unlisted = bool(models) and not _listed(endpoint.chat_model, models or [])
        stage = "models" if unlisted else "chat"
        return result(first.code, first.detail, stage, models, checks)
    return result("ok", first.detail, None, models, checks)
