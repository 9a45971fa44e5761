"""The organization's OpenAI-compatible endpoint, for every job that calls a model
(media understanding here, the AI responder next).

An organization's ``ai_settings`` row wins; without one (or without an endpoint in it)
the platform defaults ``BALCAO_LLM_*`` apply. Clients are cached per (endpoint, key):
an ``AsyncOpenAI`` holds a connection pool, so building one per job would open a new
TLS connection for every transcription. API keys never reach a log line or a repr.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import openai
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import models as m

# Where the named providers of API.md's AI settings serve their OpenAI-compatible API,
# used when an organization picks a provider without typing a base URL.
PROVIDER_BASE_URLS = {
    "OPENAI": "https://api.openai.com/v1",
    "GROQ": "https://api.groq.com/openai/v1",
    "OPENROUTER": "https://openrouter.ai/api/v1",
    "DEEPSEEK": "https://api.deepseek.com/v1",
    "MISTRAL": "https://api.mistral.ai/v1",
    "QWEN": "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
    "OLLAMA": "http://127.0.0.1:11434/v1",
    "GEMINI": "https://generativelanguage.googleapis.com/v1beta/openai/",
}
# Local servers (Ollama, llama.cpp) take any key; the SDK refuses an empty one.
NO_KEY = "not-needed"


@dataclass(frozen=True)
class OrgLLM:
    client: openai.AsyncOpenAI = field(repr=False)
    base_url: str
    chat_model: str | None
    vision_model: str | None
    transcription_model: str | None
    temperature: float = 0.3


@dataclass
class LLMClients:
    """One ``AsyncOpenAI`` per (base_url, api_key), built on first use, closed at
    worker shutdown."""

    _clients: dict[tuple[str, str], openai.AsyncOpenAI] = field(default_factory=dict)

    def get(self, base_url: str, api_key: str | None) -> openai.AsyncOpenAI:
        key = (base_url, api_key or NO_KEY)
        client = self._clients.get(key)
        if client is None:
            # Retries are ours (app.media.llm.with_retries): explicit and bounded.
            client = openai.AsyncOpenAI(base_url=base_url, api_key=key[1], max_retries=0)
            self._clients[key] = client
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.close()


async def load_org_llm(
    db: AsyncSession, clients: LLMClients, settings: Settings, organization_id: uuid.UUID
) -> OrgLLM | None:
    """The organization's endpoint and models, or None when no endpoint is configured
    at all (the platform then runs as a plain helpdesk)."""
    row = await db.scalar(
        sa.select(m.AiSettings)
        .where(m.AiSettings.organization_id == organization_id)
        .execution_options(all_tenants=True)
    )
    own_url = row and (row.base_url or PROVIDER_BASE_URLS.get(row.provider.upper()))
    if row is not None and own_url:
        return OrgLLM(
            client=clients.get(own_url, row.api_key),
            base_url=own_url,
            chat_model=row.chat_model,
            vision_model=row.vision_model,
            transcription_model=row.transcription_model,
            temperature=row.temperature,
        )
    if not settings.llm_base_url:
        return None
    # Model names only make sense on their own endpoint, so a row without an endpoint
    # overrides the defaults' model names but nothing else.
    return OrgLLM(
        client=clients.get(settings.llm_base_url, settings.llm_api_key),
        base_url=settings.llm_base_url,
        chat_model=(row and row.chat_model) or settings.llm_model,
        vision_model=(row and row.vision_model) or settings.llm_vision_model,
        transcription_model=(row and row.transcription_model) or settings.llm_transcription_model,
        temperature=row.temperature if row is not None else 0.3,
    )
