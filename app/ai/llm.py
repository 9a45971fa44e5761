"""Which OpenAI-compatible endpoint an organization's AI talks to, and the SDK clients
for it.

The organization's ``ai_settings`` row wins; without one the platform defaults
(``BALCAO_LLM_*``) apply; with neither the AI is "not configured" and the platform runs
as a plain helpdesk. The platform key is only ever sent to the platform's own URL."""

from __future__ import annotations

import enum
import uuid
from typing import Any

import msgspec
import openai
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.config import Settings


class AiProvider(enum.StrEnum):
    OPENAI = "OPENAI"
    GROQ = "GROQ"
    OPENROUTER = "OPENROUTER"
    DEEPSEEK = "DEEPSEEK"
    MISTRAL = "MISTRAL"
    QWEN = "QWEN"
    OLLAMA = "OLLAMA"
    GEMINI = "GEMINI"
    CUSTOM = "CUSTOM"


# Each vendor's documented OpenAI-compatible base URL; CUSTOM has none (baseUrl required).
DEFAULT_BASE_URLS: dict[AiProvider, str] = {
    AiProvider.OPENAI: "https://api.openai.com/v1",
    AiProvider.GROQ: "https://api.groq.com/openai/v1",
    AiProvider.OPENROUTER: "https://openrouter.ai/api/v1",
    AiProvider.DEEPSEEK: "https://api.deepseek.com/v1",
    AiProvider.MISTRAL: "https://api.mistral.ai/v1",
    AiProvider.QWEN: "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
    AiProvider.OLLAMA: "http://127.0.0.1:11434/v1",
    AiProvider.GEMINI: "https://generativelanguage.googleapis.com/v1beta/openai",
}
# A cheap, capable chat model per vendor, used when chatModel is left empty.
DEFAULT_CHAT_MODELS: dict[AiProvider, str] = {
    AiProvider.OPENAI: "gpt-4o-mini",
    AiProvider.GROQ: "llama-3.3-70b-versatile",
    AiProvider.OPENROUTER: "openai/gpt-4o-mini",
    AiProvider.DEEPSEEK: "deepseek-chat",
    AiProvider.MISTRAL: "mistral-small-latest",
    AiProvider.QWEN: "qwen-plus",
    AiProvider.OLLAMA: "llama3.1",
    AiProvider.GEMINI: "gemini-2.0-flash",
}


class LlmEndpoint(msgspec.Struct, frozen=True, kw_only=True):
    source: str  # "organization" | "environment"
    provider: AiProvider
    base_url: str | None
    api_key: str | None
    chat_model: str | None
    vision_model: str | None = None
    transcription_model: str | None = None
    temperature: float = 0.3

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.chat_model)


def _provider(value: str | None) -> AiProvider:
    try:
        return AiProvider(value or "CUSTOM")
    except ValueError:
        return AiProvider.CUSTOM


def environment_endpoint(settings: Settings) -> LlmEndpoint:
    return LlmEndpoint(
        source="environment",
        provider=AiProvider.CUSTOM,
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key,
        chat_model=settings.llm_model,
        vision_model=settings.llm_vision_model,
        transcription_model=settings.llm_transcription_model,
    )


def endpoint_from_row(row: Any | None, settings: Settings) -> LlmEndpoint:
    """``row`` has the ai_settings columns (an ORM row or a result row), or is None."""
    env = environment_endpoint(settings)
    if row is None:
        return env
    provider = _provider(row.provider)
    base_url = (row.base_url or DEFAULT_BASE_URLS.get(provider) or "").rstrip("/") or None
    if base_url is None:
        return env  # a CUSTOM row without a URL configures nothing of its own
    same_server = env.base_url is not None and base_url == env.base_url.rstrip("/")
    return LlmEndpoint(
        source="organization",
        provider=provider,
        base_url=base_url,
        api_key=row.api_key or (env.api_key if same_server else None),
        chat_model=row.chat_model
        or DEFAULT_CHAT_MODELS.get(provider)
        or (env.chat_model if same_server else None),
        vision_model=row.vision_model or (env.vision_model if same_server else None),
        transcription_model=row.transcription_model
        or (env.transcription_model if same_server else None),
        temperature=row.temperature if row.temperature is not None else 0.3,
    )


async def load_endpoint(
    conn: AsyncConnection, organization_id: uuid.UUID, settings: Settings
) -> LlmEndpoint:
    row = (
        await conn.execute(
            sa.text(
                "SELECT provider, base_url, api_key, chat_model, vision_model,"
                " transcription_model, temperature FROM ai_settings"
                " WHERE organization_id = :org"
            ),
            {"org": organization_id},
        )
    ).first()
    return endpoint_from_row(row, settings)


class LlmClients:
    """One SDK client per (base URL, key), over one shared HTTP connection pool, so a
    turn never pays for a new client or a new TLS handshake."""

    def __init__(self) -> None:
        # The SDK's own client type (it ships its own httpx fork), with its defaults.
        self._http = openai.DefaultAsyncHttpxClient()
        self._clients: dict[tuple[str, str], openai.AsyncOpenAI] = {}

    def get(self, endpoint: LlmEndpoint) -> openai.AsyncOpenAI:
        if not endpoint.base_url:
            raise ValueError("the endpoint has no base URL")
        # Local servers (Ollama) take no key, but the SDK insists on one.
        key = endpoint.api_key or "not-needed"
        client = self._clients.get((endpoint.base_url, key))
        if client is None:
            client = openai.AsyncOpenAI(
                base_url=endpoint.base_url, api_key=key, http_client=self._http, max_retries=0
            )
            self._clients[(endpoint.base_url, key)] = client
        return client

    async def aclose(self) -> None:
        self._clients.clear()
        await self._http.aclose()
