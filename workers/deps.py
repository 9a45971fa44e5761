"""What the merge and media jobs share, built once per worker process in ``on_startup``
and handed to every job as ``ctx["deps"]``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.ai.llm import LlmClients
from app.config import Settings
from app.db.engine import make_engine, make_sessionmaker
from app.media import LocalMediaStorage, MediaStorage
from workers.config import JobConfig


@dataclass
class Deps:
    settings: Settings
    config: JobConfig
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    storage: MediaStorage
    llm_clients: LlmClients

    async def aclose(self) -> None:
        await self.llm_clients.aclose()
        await self.http.aclose()
        await self.engine.dispose()


def build_deps(
    settings: Settings, config: JobConfig, *, storage: MediaStorage | None = None
) -> Deps:
    if not settings.database_url:
        raise RuntimeError("DATABASE_URL is not set (balcao run sets it)")
    engine = make_engine(settings.database_url)
    return Deps(
        settings=settings,
        config=config,
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        # Timeouts are set per request by the media download; redirects are followed by
        # hand there, so every hop goes through the SSRF check.
        http=httpx.AsyncClient(follow_redirects=False),
        storage=storage or LocalMediaStorage(settings.media_dir),
        llm_clients=LlmClients(),
    )


def deps_of(ctx: dict[str, Any]) -> Deps:
    deps: Deps = ctx["deps"]
    return deps


def redis_of(ctx: dict[str, Any]) -> ArqRedis:
    redis: ArqRedis = ctx["redis"]
    return redis
