"""What the responder and delivery jobs share, built once per worker in ``on_startup``
and kept in ``ctx["ai"]``: the engine, the tuning, SDK clients per LLM endpoint, one
HTTP client for provider sends, and media storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from app.ai.config import AiJobConfig, load_ai_config
from app.ai.llm import LlmClients
from app.config import Settings
from app.media.storage import LocalMediaStorage, MediaStorage
from providers import http as provider_http


@dataclass
class AiDeps:
    settings: Settings
    engine: AsyncEngine
    config: AiJobConfig
    llm: LlmClients
    http: httpx.AsyncClient
    storage: MediaStorage
    # The same pool without a transaction per checkout, for reads and one-statement
    # writes: SQLAlchemy's asyncpg dialect wraps every connect() in BEGIN … ROLLBACK,
    # two round trips around each read, and under READ COMMITTED every statement takes
    # its own snapshot anyway.
    autocommit: AsyncEngine = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")

    async def aclose(self) -> None:
        await self.llm.aclose()
        await self.http.aclose()


def build_ai_deps(
    settings: Settings, engine: AsyncEngine, config: AiJobConfig | None = None
) -> AiDeps:
    return AiDeps(
        settings=settings,
        engine=engine,
        config=config or load_ai_config(),
        llm=LlmClients(),
        http=httpx.AsyncClient(timeout=provider_http.DEFAULT_TIMEOUT),
        storage=LocalMediaStorage(settings.media_dir),
    )


def ai_deps(ctx: dict[str, Any]) -> AiDeps:
    deps = ctx.get("ai")
    if not isinstance(deps, AiDeps):
        raise RuntimeError("ctx['ai'] is missing: on_startup builds it with build_ai_deps")
    return deps
