"""Reading and writing the organization's endpoint (the live check is app.ai.live_test)."""

from __future__ import annotations

import uuid

import httpx
import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from app.ai.llm import AiProvider, LlmEndpoint, default_base_url, endpoint_from_row
from app.ai.presets import PRESETS
from app.ai.schemas import AiPreset, AiSettings, AiSettingsUpdate
from app.config import Settings
from app.db import models as m
from app.errors import ValidationFailed


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


def presets_out() -> list[AiPreset]:
    return [
        AiPreset(
            provider=AiProvider(p.provider),
            name=p.name,
            base_url=p.base_url,
            chat_models=list(p.chat_models),
            vision_models=list(p.vision_models),
            transcription_models=list(p.transcription_models),
            key_required=p.key_required,
            docs_url=p.docs_url,
        )
        for p in PRESETS
    ]
