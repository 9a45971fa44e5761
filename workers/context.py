"""What every job shares, built once per worker process in ``on_startup`` and kept in
arq's ``ctx``: jobs reach it through :func:`context` (and arq's Redis through
:func:`redis_of`), nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.ai.llm import LlmClients
from app.config import Settings
from app.db.engine import make_engine, make_sessionmaker
from app.media.storage import LocalMediaStorage, MediaStorage
from providers import http as provider_http
from workers.config import JobConfig

CONTEXT_KEY = "context"


@dataclass
class WorkerContext:
    settings: Settings
    config: JobConfig
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    # One client for provider sends and media downloads. Its timeout is the senders'
    # default; the media download sets its own per request and follows redirects by
    # hand (every hop through the SSRF check), so redirects stay off here.
    http: httpx.AsyncClient
    storage: MediaStorage
    llm: LlmClients
    # Whether aclose() disposes the engine (a harness may lend its own).
    owns_engine: bool = True
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
        if self.owns_engine:
            await self.engine.dispose()


def build_context(
    settings: Settings,
    config: JobConfig,
    *,
    engine: AsyncEngine | None = None,
    storage: MediaStorage | None = None,
) -> WorkerContext:
    """The worker's context; with ``engine`` it uses (and leaves open) that one."""
    owns_engine = engine is None
    if engine is None:
        if not settings.database_url:
            raise RuntimeError("DATABASE_URL is not set (balcao run sets it)")
        engine = make_engine(settings.database_url)
    return WorkerContext(
        settings=settings,
        config=config,
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        http=httpx.AsyncClient(timeout=provider_http.DEFAULT_TIMEOUT, follow_redirects=False),
        storage=storage or LocalMediaStorage(settings.media_dir),
        llm=LlmClients(),
        owns_engine=owns_engine,
    )


def context(ctx: dict[str, Any]) -> WorkerContext:
    found = ctx.get(CONTEXT_KEY)
    if not isinstance(found, WorkerContext):
        raise RuntimeError("ctx has no WorkerContext: on_startup builds it with build_context")
    return found


def redis_of(ctx: dict[str, Any]) -> ArqRedis:
    redis: ArqRedis = ctx["redis"]
    return redis
