"""Reading and writing the organization's endpoint, and the live check of it."""

from __future__ import annotations

import time
import uuid

import httpx
import msgspec
import openai
from sqlalchemy.ext.asyncio import AsyncSession

from app.ai.llm import AiProvider, LlmClients, LlmEndpoint, default_base_url, endpoint_from_row
from app.ai.schemas import AiSettings, AiSettingsTest, AiSettingsUpdate
from app.config import Settings
from app.db import models as m
from app.errors import ValidationFailed

TEST_TIMEOUT = 15.0


async def get_row(db: AsyncSession, organization_id: uuid.UUID) -> m.AiSettings | None:
    return await db.get(m.AiSettings, organization_id)


def settings_out(endpoint: LlmEndpoint) -> AiSettings:
    return AiSettings(
        configured=endpoint.configured,
        source=endpoint.source if endpoint.configured else None,
        provider=endpoint.provider,
        base_url=endpoint.base_url,
        default_base_url=default_base_url(endpoint.provider),
        chat_model=endpoint.chat_model,
        vision_model=endpoint.vision_model,
        transcription_model=endpoint.transcription_model,
        temperature=endpoint.temperature,
        api_key_set=bool(endpoint.api_key),
    )


def check_update(data: AiSettingsUpdate) -> None:
    if data.provider == AiProvider.CUSTOM and not data.base_url:
        raise ValidationFailed("A CUSTOM provider needs `baseUrl`.", field="baseUrl")
    if data.base_url and not valid_base_url(data.base_url):
        raise ValidationFailed("`baseUrl` is not a valid http(s) URL.", field="baseUrl")


def valid_base_url(url: str) -> bool:
    """Whether an HTTP client can use this URL (the pattern alone lets through hosts
    that are not valid names, such as control characters)."""
    try:
        parsed = httpx.URL(url)
        parsed.host.encode("idna")
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.host)


async def record_settings(
    db: AsyncSession, organization_id: uuid.UUID, data: AiSettingsUpdate
) -> m.AiSettings:
    check_update(data)
    row = await get_row(db, organization_id)
    if row is None:
        row = m.AiSettings(organization_id=organization_id)
        db.add(row)
    row.provider = data.provider.value
    row.base_url = data.base_url
    row.chat_model = data.chat_model
    row.vision_model = data.vision_model
    row.transcription_model = data.transcription_model
    row.temperature = data.temperature
    if data.api_key is not msgspec.UNSET:
        row.api_key = data.api_key or None
    await db.flush()
    return row


def candidate(
    row: m.AiSettings | None, data: AiSettingsUpdate | None, settings: Settings
) -> LlmEndpoint:
    """The endpoint to test: the stored one, or the stored one changed by ``data``
    (so settings can be checked before they are saved)."""
    if data is None:
        return endpoint_from_row(row, settings)
    check_update(data)
    key = (row.api_key if row else None) if data.api_key is msgspec.UNSET else data.api_key
    draft = m.AiSettings(
        provider=data.provider.value,
        base_url=data.base_url,
        api_key=key,
        chat_model=data.chat_model,
        vision_model=data.vision_model,
        transcription_model=data.transcription_model,
        temperature=data.temperature,
    )
    return endpoint_from_row(draft, settings)


async def test_endpoint(endpoint: LlmEndpoint, timeout: float = TEST_TIMEOUT) -> AiSettingsTest:
    started = time.monotonic()

    def result(
        ok: bool, code: str, detail: str, stage: str | None, models: list[str] | None
    ) -> AiSettingsTest:
        return AiSettingsTest(
            ok=ok,
            code=code,
            detail=detail,
            stage=stage,
            base_url=endpoint.base_url,
            chat_model=endpoint.chat_model,
            models=models,
            latency_ms=int((time.monotonic() - started) * 1000),
        )

    if not endpoint.configured or endpoint.base_url is None or endpoint.chat_model is None:
        return result(
            False, "not_configured", "No endpoint or chat model is configured.", None, None
        )
    if not valid_base_url(endpoint.base_url):
        return result(False, "invalid_url", "The base URL is not a valid http(s) URL.", None, None)
    # The api process keeps no clients between requests: a pool just for this check.
    async with LlmClients() as clients:
        client = clients.get(endpoint).with_options(timeout=timeout)
        models: list[str] | None = None
        try:
            models = [model.id async for model in client.models.list()]
        except openai.NotFoundError:
            models = None  # some compatible servers have no /models; the chat call decides
        except openai.OpenAIError as exc:
            code, detail = explain(exc, endpoint)
            return result(False, code, detail, "models", None)
        if models and not _listed(endpoint.chat_model, models):
            detail = f"The model `{endpoint.chat_model}` is not offered by {endpoint.base_url}."
            return result(False, "model_not_found", detail, "models", models)
        try:
            await client.chat.completions.create(
                model=endpoint.chat_model,
                messages=[{"role": "user", "content": "Responda apenas: ok"}],
                max_tokens=5,
            )
        except openai.OpenAIError as exc:
            code, detail = explain(exc, endpoint)
            return result(False, code, detail, "chat", models)
    return result(True, "ok", f"{endpoint.chat_model} answered.", None, models)


def _listed(model: str, models: list[str]) -> bool:
    # Gemini lists "models/gemini-2.0-flash"; OpenRouter ids carry a vendor prefix.
    return any(m == model or m.endswith("/" + model) for m in models)


def explain(exc: openai.OpenAIError, endpoint: LlmEndpoint) -> tuple[str, str]:
    where = endpoint.base_url
    if isinstance(exc, openai.APITimeoutError):
        return "timeout", f"{where} did not answer within {TEST_TIMEOUT:g} s."
    if isinstance(exc, openai.APIConnectionError):
        return "unreachable", f"Cannot connect to {where}: {exc.__cause__ or exc}."
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return "unauthorized", f"{where} refused the API key (HTTP {exc.status_code})."
    if isinstance(exc, openai.NotFoundError):
        return "model_not_found", f"{where} does not know the model `{endpoint.chat_model}`."
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
