"""Store one webhook delivery: every event it carries, in ONE transaction, exactly
once. The caller answers 2xx only after this returns (the commit), then enqueues the
outbox rows it returns.

Repeats are no-ops keyed by (connection, provider message id): provider retries,
concurrent duplicates and replays all count as duplicates. Acks only move a message
forward; an ack for a message we have not seen yet waits in pending_ack."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import msgspec

from app import events
from app.db.enums import (
    Author,
    ConnectionStatus,
    Direction,
    MessageStatus,
    SessionStatus,
    StartedBy,
)
from app.ingest import sql
from app.ingest.connection import ConnectionInfo
from app.ingest.contacts import resolve_contact
from app.ingest.customers import Stored, is_customer_message, store_customer_messages
from app.ingest.mapping import content_of, inline_bytes, media_source, message_type
from app.mirrors import intake as mirrors
from app.outbox import OutboxJob, OutboxRow, outbox_row, write_outbox_pg
from providers.base import (
    InboundConnection,
    InboundEdit,
    InboundEvent,
    InboundMessage,
    InboundPreference,
    InboundQr,
    InboundRevoke,
    InboundStatus,
)

_ACK_STATUS = {
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.READ,
    "played": MessageStatus.READ,
    "failed": MessageStatus.FAILED,
}
_CONNECTION_STATUS = {
    "connecting": ConnectionStatus.CONNECTING,
    "connected": ConnectionStatus.CONNECTED,
    "disconnected": ConnectionStatus.DISCONNECTED,
    "qr_pending": ConnectionStatus.QR_PENDING,
    "failed": ConnectionStatus.FAILED,
}
_encode = msgspec.json.Encoder().encode


@dataclass(slots=True)
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    jobs: list[OutboxJob] = field(default_factory=list)


class _Delivery:
    """The state of one delivery's transaction."""

    def __init__(self, db: asyncpg.Connection, conn: ConnectionInfo) -> None:
        self.db = db
        self.conn = conn
        self.result = IngestResult()
        self.outbox: list[OutboxRow] = []

    def emit(self, event: str, entity_id: uuid.UUID, session_id: uuid.UUID | None = None) -> None:
        self.outbox.append(
            events.event_row(self.conn.organization_id, event, entity_id, session_id=session_id)
        )

    async def message(self, event: InboundMessage) -> None:
        if is_customer_message(event):
            (stored,) = await store_customer_messages(self.db, [(self.conn, event)])
            self.stored(event, stored)
            return
        if event.type == "reaction":
            await self._reaction(event)
            return
        db, conn = self.db, self.conn
        # Our own send echoed back: the OUT message is already stored under this id.
        if event.from_api and await db.fetchval(sql.MESSAGE_EXISTS, conn.id, event.message_id):
            self.result.duplicates += 1
            return
        # A mirror's source group is offers, not a customer conversation: its chat is
        # kept PAUSED, out of the agents' queue, and never starts an AI turn.
        mirrored = (
            event.is_group
            and not event.from_me
            and await mirrors.is_source(db, conn.id, event.chat_id)
        )
        contact_id, session_id = await resolve_contact(db, conn, event)
        opened = session_id is None
        if session_id is None:
            started_by = StartedBy.BUSINESS if event.from_me else StartedBy.CUSTOMER
            session_id = await self._open_session(contact_id, started_by, paused=mirrored)
        message_id = await self._insert_message(event, session_id, contact_id)
        if message_id is None and opened:  # e.g. a retry of a message whose session closed
            await db.execute(sql.DROP_EMPTY_SESSION, session_id)
        if message_id is not None and event.from_me:
            await self._take_pending_ack(event.message_id)
        if message_id is not None and mirrored:
            self.outbox += await mirrors.record_posts(
                db, conn.id, event.chat_id, event.message_id, message_id, event.text
            )
        self.stored(event, Stored(message_id, session_id, opened), answerable=not mirrored)

    def stored(self, event: InboundMessage, stored: Stored, *, answerable: bool = True) -> None:
        """Count a stored message (or a repeat) and queue what follows it."""
        if stored.message_id is None:  # a repeat (retry, concurrent duplicate, replay)
            self.result.duplicates += 1
            return
        self.result.accepted += 1
        if stored.opened:
            self.emit(events.SESSION_CREATED, stored.session_id)
        self.emit(events.MESSAGE_CREATED, stored.message_id, stored.session_id)
        self._follow_up(event, stored.session_id, stored.message_id, answerable)

    def _follow_up(
        self,
        event: InboundMessage,
        session_id: uuid.UUID,
        message_id: uuid.UUID,
        answerable: bool,
    ) -> None:
        if event.media is not None:
            self.outbox.append(outbox_row("process_media", str(message_id)))
        answerable = answerable and (not event.is_group or self.conn.allow_groups)
        if not event.from_me and answerable:
            self.outbox.append(outbox_row("merge_burst", str(session_id), str(message_id)))

    async def _open_session(
        self, contact_id: uuid.UUID, started_by: StartedBy, *, paused: bool = False
    ) -> uuid.UUID:
        db, conn = self.db, self.conn
        status = SessionStatus.ACTIVE if conn.ai_enabled else SessionStatus.QUEUED
        if paused:
            status = SessionStatus.PAUSED
        session_id: uuid.UUID | None = await db.fetchval(
            sql.INSERT_SESSION,
            conn.organization_id,
            contact_id,
            conn.id,
            status.value,
            started_by.value,
            mirrors.MIRROR_SOURCE_REASON if paused else None,
        )
        if session_id is None:  # opened by a concurrent delivery
            session_id = await db.fetchval(sql.OPEN_SESSION, contact_id, conn.id)
        assert session_id is not None
        return session_id

    async def _insert_message(
        self, event: InboundMessage, session_id: uuid.UUID, contact_id: uuid.UUID
    ) -> uuid.UUID | None:
        conn = self.conn
        direction, author = (
            (Direction.OUT, Author.BUSINESS) if event.from_me else (Direction.IN, Author.CUSTOMER)
        )
        status = MessageStatus.SENT if event.from_me else MessageStatus.DELIVERED
        source = media_source(event.media)
        typed_on_phone = event.from_me and not event.from_api
        message_id: uuid.UUID | None = await self.db.fetchval(
            sql.INSERT_MESSAGE,
            conn.organization_id,
            session_id,
            contact_id,
            conn.id,
            direction.value,
            author.value,
            message_type(event).value,
            _encode(content_of(event)).decode(),
            status.value,
            event.message_id,
            event.quoted_message_id,
            event.participant,
            _encode(source).decode() if source else None,
            event.timestamp,
            event.from_me,
            typed_on_phone,
            conn.ai_block_ttl_minutes,
        )
        if message_id is not None and event.media is not None and event.media.base64:
            await self.db.execute(
                sql.INSERT_INBOUND_MEDIA, message_id, inline_bytes(event.media.base64)
            )
        return message_id

    async def _take_pending_ack(self, provider_message_id: str) -> None:
        row = await self.db.fetchrow(sql.TAKE_PENDING_ACK, self.conn.id, provider_message_id)
        if row is not None:
            await self.db.execute(
                sql.APPLY_ACK, self.conn.id, provider_message_id, row["status"], row["error"]
            )

    async def _reaction(self, event: InboundMessage) -> None:
        if not event.quoted_message_id:
            return
        by = "business" if event.from_me else "customer"
        row = await self.db.fetchrow(
            sql.REACT, self.conn.id, event.quoted_message_id, by, event.text or ""
        )
        self._counted_update(row)

    def _counted_update(self, row: asyncpg.Record | None) -> None:
        if row is None:
            self.result.duplicates += 1
            return
        self.result.accepted += 1
        self.emit(events.MESSAGE_UPDATED, row["id"])

    async def status(self, event: InboundStatus) -> None:
        status = _ACK_STATUS.get(event.status)
        if status is None:  # "pending" says nothing we did not know
            self.result.duplicates += 1
            return
        row = await self.db.fetchrow(
            sql.APPLY_ACK, self.conn.id, event.message_id, status.value, event.error
        )
        if row is not None:
            self._counted_update(row)
            return
        if await self.db.fetchval(sql.MESSAGE_EXISTS, self.conn.id, event.message_id):
            self.result.duplicates += 1  # an old or repeated ack: status moves forward only
            return
        await self.db.execute(
            sql.KEEP_PENDING_ACK, self.conn.id, event.message_id, status.value, event.error
        )
        self.result.accepted += 1

    async def edit(self, event: InboundEdit) -> None:
        if event.text is None:
            self.result.duplicates += 1
            return
        self._counted_update(
            await self.db.fetchrow(sql.EDIT_MESSAGE, self.conn.id, event.message_id, event.text)
        )
        self.outbox += await mirrors.source_edited(
            self.db, self.conn.id, event.message_id, event.text
        )

    async def revoke(self, event: InboundRevoke) -> None:
        self._counted_update(
            await self.db.fetchrow(sql.REVOKE_MESSAGE, self.conn.id, event.message_id)
        )
        await mirrors.source_deleted(self.db, self.conn.id, event.message_id)

    async def preference(self, event: InboundPreference) -> None:
        """The provider's own opt-out signal (LGPD): a stop opts the contact out of
        campaigns, recorded with its source; a resume undoes only the provider's own."""
        org, phone = self.conn.organization_id, event.phone
        if event.opted_out:
            reason = (event.detail or event.category)[:500]
            contact_id = await self.db.fetchval(sql.PROVIDER_OPT_OUT, org, phone, reason)
        else:
            contact_id = await self.db.fetchval(sql.PROVIDER_OPT_IN, org, phone)
        if contact_id is None:
            self.result.duplicates += 1  # unknown contact, or nothing to change
            return
        self.result.accepted += 1
        self.emit(events.CONTACT_UPDATED, contact_id)

    async def connection(self, event: InboundConnection) -> None:
        status = _CONNECTION_STATUS[event.state]
        clear_qr = status == ConnectionStatus.CONNECTED
        await self._update_connection(status, event.reason, event.phone, clear_qr, None)

    async def qr(self, event: InboundQr) -> None:
        await self._update_connection(ConnectionStatus.QR_PENDING, None, None, True, event.qr_code)

    async def _update_connection(
        self,
        status: ConnectionStatus,
        reason: str | None,
        phone: str | None,
        set_qr: bool,
        qr: str | None,
    ) -> None:
        row = await self.db.fetchrow(
            sql.UPDATE_CONNECTION, self.conn.id, status.value, reason, phone, set_qr, qr
        )
        self.result.accepted += 1
        if row is not None and row["previous"] != row["current"]:
            self.emit(events.CONNECTION_STATUS_CHANGED, self.conn.id)


_Pair = tuple[_Delivery, Sequence[InboundEvent]]
_HANDLERS: dict[type[Any], Callable[[_Delivery, Any], Awaitable[None]]] = {
    InboundMessage: _Delivery.message,
    InboundStatus: _Delivery.status,
    InboundEdit: _Delivery.edit,
    InboundRevoke: _Delivery.revoke,
    InboundConnection: _Delivery.connection,
    InboundQr: _Delivery.qr,
    InboundPreference: _Delivery.preference,
}


async def ingest(
    pool: asyncpg.Pool, conn: ConnectionInfo, inbound: Sequence[InboundEvent]
) -> IngestResult:
    """Store one delivery in its own transaction."""
    (result,) = await ingest_many(pool, [(conn, inbound)])
    return result


async def ingest_many(
    pool: asyncpg.Pool, deliveries: Sequence[tuple[ConnectionInfo, Sequence[InboundEvent]]]
) -> list[IngestResult]:
    """Store several deliveries in ONE transaction (group commit): one BEGIN, one
    outbox insert and one COMMIT for all of them. All or nothing: the caller retries
    the deliveries one by one if it fails.

    Deliveries made only of customer messages (nearly all) are stored together in a
    few statements; the others event by event, in order, after them. Concurrent
    deliveries have no order of their own, so either may go first."""
    async with pool.acquire() as db, db.transaction():
        done = [_Delivery(db, conn) for conn, _ in deliveries]
        together: list[_Pair] = []
        apart: list[_Pair] = []
        for delivery, (_, inbound) in zip(done, deliveries, strict=True):
            plain = all(is_customer_message(event) for event in inbound)
            (together if plain else apart).append((delivery, inbound))
        await _store_together(db, together)
        for delivery, inbound in apart:
            for event in inbound:
                await _HANDLERS[type(event)](delivery, event)
        rows = [row for d in done for row in d.outbox]
        if rows:
            jobs = await write_outbox_pg(db, rows)
            start = 0
            for d in done:
                d.result.jobs = jobs[start : start + len(d.outbox)]
                start += len(d.outbox)
    return [d.result for d in done]


async def _store_together(db: asyncpg.Connection, deliveries: Sequence[_Pair]) -> None:
    messages = [
        (delivery, event)
        for delivery, inbound in deliveries
        for event in inbound
        if is_customer_message(event)
    ]
    if messages:
        items = [(delivery.conn, event) for delivery, event in messages]
        stored = await store_customer_messages(db, items)
        for (delivery, event), outcome in zip(messages, stored, strict=True):
            delivery.stored(event, outcome)
