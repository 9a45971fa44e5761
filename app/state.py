"""The api's shared objects, typed: built once in the lifespan (app.asgi) and handed to
handlers as the ``app_state`` dependency (app.deps.Shared), or read with
``state_of(request.app.state)`` where injection costs too much (the webhook route) or
is not offered (middleware)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from litestar.datastructures import State

# Types only: the features these come from import app.deps, which imports this module.
if TYPE_CHECKING:
    from arq.connections import ArqRedis
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from app.config import Settings
    from app.inbox.live import Broker
    from app.ingest.group_commit import GroupCommit
    from app.media.storage import LocalMediaStorage
    from app.outbox import OutboxFlusher
    from app.webhooks.services import ConnectionCache

_KEY = "app_state"


@dataclass(frozen=True, slots=True, kw_only=True)
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    # One client for both: an ArqRedis is a Redis client that also enqueues jobs.
    redis: ArqRedis
    # The asyncpg pool of the ingest hot path (app.ingest), beside the SQLAlchemy
    # engine; Any because asyncpg ships no types.
    ingest_pool: Any
    connections: ConnectionCache
    group_commit: GroupCommit
    outbox: OutboxFlusher
    inbox_broker: Broker
    media_storage: LocalMediaStorage

    async def close(self) -> None:
        """In the reverse order of app.asgi's ``open_app_state`` (the broker first: it
        holds a Redis subscription of its own)."""
        await self.inbox_broker.close()
        await self.redis.aclose(close_connection_pool=True)
        await self.ingest_pool.close()
        await self.engine.dispose()


def install(state: State, app_state: AppState) -> None:
    state[_KEY] = app_state


def state_of(state: State) -> AppState:
    """The AppState the lifespan installed in Litestar's ``app.state``."""
    found = state.get(_KEY)
    if not isinstance(found, AppState):
        raise RuntimeError("no AppState: the api's lifespan has not started")
    return found
