from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from app.db.tenancy import TenantSession

__all__ = ["DbSession", "make_engine", "make_sessionmaker"]


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        # Statement timeouts keep one slow query from holding a request forever.
        connect_args={
            "server_settings": {"statement_timeout": "30000", "application_name": "balcao"}
        },
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[DbSession]:
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=TenantSession)


async def create_ingest_pool(url: str, *, max_size: int = 20) -> asyncpg.Pool:
    """A bare asyncpg pool for the webhook hot path (prepared statements, no ORM)."""
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    return await asyncpg.create_pool(
        dsn,
        min_size=1,
        max_size=max_size,
        server_settings={
            "statement_timeout": "30000",
            "application_name": "balcao-ingest",
            # PostgreSQL keeps re-planning STORE_CUSTOMER_MESSAGES (its custom plans for
            # small arrays look cheaper than the generic one), about 0.3 ms each time;
            # every statement here is keyed by unique indexes, so one plan fits all. A
            # plan lives until autovacuum re-analyzes a table it reads: on a database
            # created minutes ago that means plans made on empty tables, for a minute.
            "plan_cache_mode": "force_generic_plan",
        },
        reset=_keep_session,
    )


async def _keep_session(db: asyncpg.Connection) -> None:
    """Nothing to undo on release: users of this pool never LISTEN, SET, open cursors
    or take session advisory locks, so asyncpg's default reset query (one more round
    trip per acquire, as costly as a statement) would undo nothing. asyncpg still rolls
    back a transaction left open before calling this."""
