from __future__ import annotations

from typing import Annotated

import msgspec

from app.ai.llm import AiProvider
from app.schemas import Camel

Url = Annotated[str, msgspec.Meta(max_length=2000, pattern=r"^https?://[^\s/]+")]
Model = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
# Sent as an HTTP header (Authorization: Bearer ...): visible ASCII only, or the request
# to the model fails before it leaves (a 500 in the settings test, found by schemathesis).
Secret = Annotated[str, msgspec.Meta(max_length=2000, pattern=r"^[\x21-\x7e]*$")]
Temperature = Annotated[float, msgspec.Meta(ge=0, le=2)]


class AiSettings(Camel):
    """The effective endpoint. ``configured`` is false when neither the organization
    nor the platform (BALCAO_LLM_*) names an endpoint and a chat model: the AI then
    stays silent and humans work as usual. The key itself is never returned."""

    configured: bool
    source: str | None  # "organization" | "environment" | None
    provider: AiProvider
    base_url: str | None
    default_base_url: str | None
    chat_model: str | None
    vision_model: str | None
    transcription_model: str | None
    temperature: float
    api_key_set: bool


class AiSettingsUpdate(Camel):
    """PUT replaces the organization's settings. ``apiKey`` is write-only: omit it to
    keep the stored key, send null or "" to remove it."""

    provider: AiProvider = AiProvider.CUSTOM
    base_url: Url | None = None
    api_key: Secret | msgspec.UnsetType | None = msgspec.UNSET
    chat_model: Model | None = None
    vision_model: Model | None = None
    transcription_model: Model | None = None
    temperature: Temperature = 0.3


class ModelCheck(Camel):
    """The live test's verdict on one model. ``kind``: chat, vision, transcription;
    ``status``: ok, failed, skipped (no model of that kind is configured, or the chat
    stage failed first); ``code`` as in :class:`AiSettingsTest`."""

    kind: str
    model: str | None
    status: str
    code: str
    detail: str
    latency_ms: int


class AiSettingsTest(Camel):
    """What the live check found. ``code``: ok, not_configured, unreachable, timeout,
    unauthorized, model_not_found, rate_limited, server_error, bad_response. ``ok`` and
    ``code`` are the chat model's (the AI cannot answer without it); ``checks`` has a
    verdict per model: chat, vision (images) and transcription (voice notes)."""

    ok: bool
    code: str
    detail: str
    stage: str | None  # "models" | "chat": the call that failed
    base_url: str | None
    chat_model: str | None
    models: list[str] | None
    latency_ms: int
    checks: list[ModelCheck] = msgspec.field(default_factory=list)


class AiPreset(Camel):
    """One entry of the provider picker: what choosing it pre-fills."""

    provider: AiProvider
    name: str
    base_url: str | None
    chat_models: list[str]
    vision_models: list[str]
    transcription_models: list[str]
    key_required: bool
    docs_url: str | None
