"""The runner's side of the database: which connections it drives, and everything a
session reports stored through the ONE ingest path webhooks use, so nothing downstream
knows a message came from a browser.

Events of one connection are stored one at a time, in the order the page reported
them, and each callback returns only after its commit: the session marks a row seen
before calling back, so the shorter that window, the less a crash can lose. The jobs
and domain events ingest writes to the outbox are enqueued after the commit in the
background, as the webhook endpoint does after its answer.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine

from app import events
from app.groups.store import STORE_GROUPS, store_params
from app.ingest import sql
from app.ingest.connection import ConnectionInfo
from app.ingest.service import IngestResult, ingest
from app.outbox import OutboxJob, flush_outbox, write_outbox_pg
from app.webhooks.services import ConnectionCache
from providers.base import (
    ConnectionState,
    GroupInfo,
    InboundConnection,
    InboundEvent,
    InboundMessage,
    InboundQr,
    InboundStatus,
)
from providers.whatsapp_web.adapter import KIND
from providers.whatsapp_web.events import group_id, group_name

log = logging.getLogger("balcao.runner")

_LIVE_CONNECTIONS = """
SELECT id FROM connection
WHERE provider = $1 AND deleted_at IS NULL
ORDER BY created_at
"""
_CONNECTION_OF_MESSAGE = "SELECT connection_id FROM message WHERE id = $1"
# The send is made: the message carries the bubble's id from now on, so acks the page
# shows later find it. FAILED moves to SENT too: a late success beats an earlier error.
_RECORD_SENT = """
UPDATE message SET
    provider_message_id = $3,
    status = CASE WHEN status IN ('PENDING', 'FAILED') THEN 'SENT' ELSE status END,
    error = CASE WHEN status = 'FAILED' THEN NULL ELSE error END,
    sent_at = COALESCE(sent_at, now()),
    updated_at = now()
WHERE id = $1 AND connection_id = $2
  AND (provider_message_id IS NULL OR provider_message_id = $3)
RETURNING id
"""


_NOTE_GROUP = """
INSERT INTO connection_group (organization_id, connection_id, group_id, name)
VALUES ($1, $2, $3, $4)
ON CONFLICT (connection_id, group_id) DO NOTHING
"""
_STORE_ATTEMPTS = 6  # about 6 s of back-off
_UNREACHABLE = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError)


class PlatformStore:
    """What the runner reads and writes of the platform (PostgreSQL + the arq queue)."""

    def __init__(self, pool: asyncpg.Pool, engine: AsyncEngine, arq: ArqRedis) -> None:
        self.pool = pool
        self.engine = engine
        self.arq = arq
        self.connections = ConnectionCache(pool)
        self._flushes: set[asyncio.Task[Any]] = set()

    async def live_connections(self) -> list[uuid.UUID]:
        return [row["id"] for row in await self.pool.fetch(_LIVE_CONNECTIONS, KIND)]

    async def web_connection(self, connection_id: uuid.UUID) -> ConnectionInfo | None:
        """The connection if it exists, is not deleted and is a WHATSAPP_WEB one."""
        info = await self.connections.get(connection_id)
        if info is None or info.provider != KIND:
            return None
        return info

    async def connection_of_message(self, message_id: str) -> uuid.UUID | None:
        try:
            key = uuid.UUID(message_id)
        except ValueError:
            return None
        found: uuid.UUID | None = await self.pool.fetchval(_CONNECTION_OF_MESSAGE, key)
        return found

    async def store(self, conn: ConnectionInfo, inbound: list[InboundEvent]) -> IngestResult:
        result = await ingest(self.pool, conn, inbound)
        self.flush_later(result.jobs)
        return result

    async def record_sent(self, conn: ConnectionInfo, message_id: str, provider_id: str) -> None:
        """Put the bubble's id on our message row and apply an ack that beat it here."""
        try:
            key = uuid.UUID(message_id)
        except ValueError:
            return
        async with self.pool.acquire() as db, db.transaction():
            row_id = await db.fetchval(_RECORD_SENT, key, conn.id, provider_id)
            if row_id is None:
                return
            early = await db.fetchrow(sql.TAKE_PENDING_ACK, conn.id, provider_id)
            if early is not None:
                await db.execute(sql.APPLY_ACK, conn.id, provider_id, early["status"], None)
            event = events.event_row(conn.organization_id, events.MESSAGE_UPDATED, row_id)
            jobs = await write_outbox_pg(db, [event])
        self.flush_later(jobs)

    async def store_groups(self, conn: ConnectionInfo, names: list[str]) -> None:
        """The page's group chats as the connection's groups (the page shows no member
        counts in its list, so none are stored)."""
        groups = [GroupInfo(id=group_id(name), name=name) for name in names]
        await self.pool.execute(STORE_GROUPS, *store_params(conn.organization_id, conn.id, groups))

    async def note_group(self, conn: ConnectionInfo, chat_id: str) -> None:
        """A group seen in a message joins the connection's list at once (the next
        full listing corrects it); a name already listed is left as it is."""
        name = group_name(chat_id)
        if name is not None:
            await self.pool.execute(_NOTE_GROUP, conn.organization_id, conn.id, chat_id, name)

    def flush_later(self, jobs: list[OutboxJob]) -> None:
        if jobs:
            self._track(flush_outbox(self.engine, self.arq, jobs))

    def _track(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def drain(self) -> None:
        """Wait for the enqueues still running (at shutdown)."""
        if self._flushes:
            await asyncio.gather(*self._flushes, return_exceptions=True)


class ConnectionSink:
    """The session callbacks of one connection, storing through ingest in order."""

    def __init__(self, store: PlatformStore, info: ConnectionInfo) -> None:
        self.store = store
        self.info = info
        self.state: ConnectionState = "disconnected"
        self.failed = asyncio.Event()
        self._lock = asyncio.Lock()
        self._instance = str(info.id)
        self._groups_seen: set[str] = set()

    async def _current(self) -> ConnectionInfo:
        # AI settings may change while the browser runs; the cache rereads them every
        # few seconds. A deleted connection keeps its last known settings until stopped.
        fresh = await self.store.connections.get(self.info.id)
        if fresh is not None:
            self.info = fresh
        return self.info

    async def _store(self, event: InboundEvent) -> None:
        async with self._lock:
            delay = 0.2
            for attempt in range(_STORE_ATTEMPTS):
                try:
                    await self.store.store(await self._current(), [event])
                    return
                except _UNREACHABLE:
                    # PostgreSQL restarting: the page will not show this row again.
                    if attempt + 1 == _STORE_ATTEMPTS:
                        break
                    await asyncio.sleep(delay)
                    delay *= 2
                except asyncpg.PostgresError:
                    break
            log.exception("storing %s of %s failed", type(event).__name__, self.info.id)

    async def on_qr(self, data_url: str) -> None:
        await self._store(InboundQr(instance=self._instance, qr_code=data_url))

    async def on_status(
        self, state: ConnectionState, phone: str | None, reason: str | None
    ) -> None:
        self.state = state
        if state == "failed":
            self.failed.set()
        event = InboundConnection(instance=self._instance, state=state, phone=phone, reason=reason)
        await self._store(event)

    async def on_message(self, message: InboundMessage) -> None:
        await self._store(message)
        if message.is_group and message.chat_id not in self._groups_seen:
            try:
                await self.store.note_group(self.info, message.chat_id)
            except (*_UNREACHABLE, asyncpg.PostgresError):
                log.warning("noting group %s of %s failed", message.chat_id, self.info.id)
                return
            self._groups_seen.add(message.chat_id)

    async def on_ack(self, status: InboundStatus) -> None:
        await self._store(status)
