"""Delivery's reads and writes. The success write is one transaction: our message
becomes SENT with the provider's id; an echo of the same send that the provider's
webhook stored first as a separate BUSINESS message is removed; acks that arrived
before we knew the provider's id are applied (app/ingest/sql.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from app import events
from app.ingest import sql as ingest_sql
from app.outbox import OutboxJob, write_outbox, write_outbox_pg

_SELECT = """
    SELECT m.id, m.organization_id, m.session_id, m.direction, m.author, m.status, m.content,
           m.media_key, m.created_at, m.campaign_id, cp.pacing AS campaign_pacing,
           q.provider_message_id AS quoted_pmid, c.phone_number,
           (SELECT ci.kind || ':' || ci.value FROM contact_identity ci
             WHERE ci.contact_id = c.id AND ci.connection_id = s.connection_id
             ORDER BY ci.kind = 'group' DESC, ci.kind = 'lid' DESC LIMIT 1) AS identity,
           k.id AS conn_id, k.provider, k.config, k.status AS conn_status,
           f.id AS fo_id, f.provider AS fo_provider, f.config AS fo_config,
           f.status AS fo_status, f.deleted_at AS fo_deleted,
           (SELECT i.provider_message_id FROM message i
             WHERE i.session_id = m.session_id AND i.direction = 'IN'
               AND i.provider_message_id IS NOT NULL
             ORDER BY i.created_at DESC LIMIT 1) AS last_inbound_pmid
    FROM message m
    JOIN session s ON s.id = m.session_id
    JOIN contact c ON c.id = m.contact_id
    JOIN connection k ON k.id = m.connection_id
    LEFT JOIN connection f
      ON f.id = k.failover_connection_id AND f.organization_id = k.organization_id
    LEFT JOIN message q ON q.id = m.quoted_message_id
    LEFT JOIN campaign cp ON cp.id = m.campaign_id
"""
# Through the driver (no SQLAlchemy statement layers): one prepared statement for any
# number of messages — one for a job, a claim batch's for a campaign.
_LOAD = _SELECT + "WHERE m.id = ANY($1::uuid[])"
# Parts of one reply are created together; an older part still PENDING goes first. The
# window keeps a message that was never meant to be sent from holding the chat forever.
# The message's status, whether an older part of the chat must go first, and — when
# neither stops it — the send claim, all in one round trip. The claim is what makes a
# send start once even when Redis lost the chat lock while a send was in flight: the
# reconciler then re-enqueues the message, and the second job finds it claimed.
_CLAIM = """
    WITH waiting AS (
      SELECT EXISTS (
        SELECT 1 FROM message p
        WHERE p.session_id = $2 AND p.direction = 'OUT' AND p.status = 'PENDING'
          AND p.created_at < $3 AND p.created_at > $3 - interval '1 minute'
      ) AS w
    ), held AS (
      -- A campaign's send starts only while its campaign is RUNNING, read FOR SHARE: a
      -- pause (an UPDATE of that row) waits for this statement, and once it has
      -- committed no claim succeeds. A contact who opted out meanwhile gets nothing.
      SELECT CASE
        WHEN CAST($5 AS uuid) IS NULL THEN NULL
        WHEN EXISTS (SELECT 1 FROM message hm JOIN contact hc ON hc.id = hm.contact_id
                     WHERE hm.id = $1 AND hc.opted_out_at IS NOT NULL) THEN 'opted_out'
        WHEN NOT EXISTS (SELECT 1 FROM campaign c
                         WHERE c.id = CAST($5 AS uuid) AND c.status = 'RUNNING'
                         FOR SHARE) THEN 'campaign_stopped'
      END AS h
    ), claimed AS (
      UPDATE message SET send_claimed_until = now() + make_interval(secs => $4)
      WHERE id = $1 AND status = 'PENDING' AND NOT (SELECT w FROM waiting)
        AND (SELECT h FROM held) IS NULL
        AND (send_claimed_until IS NULL OR send_claimed_until <= now())
      RETURNING id
    )
    SELECT m.status, (SELECT w FROM waiting) AS waiting, (SELECT h FROM held) AS held,
      EXISTS (SELECT 1 FROM claimed) AS claimed,
      GREATEST(EXTRACT(EPOCH FROM m.send_claimed_until - now()), 0) AS claim_left
    FROM message m WHERE m.id = $1
"""
_UNCLAIM = "UPDATE message SET send_claimed_until = NULL WHERE id = $1"


@dataclass(frozen=True, slots=True)
class ChatState:
    status: str | None  # None: the message is gone
    waiting: bool  # an older part of the same reply goes first
    claimed: bool  # this job may send it now
    claim_left: float  # seconds another job's claim still holds (0 when claimed here)
    # Why a campaign's send may not start: "campaign_stopped" (paused, cancelled...),
    # "opted_out" (the contact left the campaigns); None for every other message.
    held: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryRow:
    """A message to send with its chat, its connection and that connection's failover
    (``fo_*``, all None without one), as loaded in one query (``_LOAD``)."""

    id: uuid.UUID
    organization_id: uuid.UUID
    session_id: uuid.UUID
    direction: str
    author: str
    status: str
    content: dict[str, Any] | None
    media_key: str | None
    created_at: datetime
    campaign_id: uuid.UUID | None
    campaign_pacing: dict[str, Any] | None
    quoted_pmid: str | None
    phone_number: str | None
    identity: str | None  # "kind:value" of the chat's best contact identity
    conn_id: uuid.UUID
    provider: str
    config: dict[str, Any] | None
    conn_status: str
    fo_id: uuid.UUID | None
    fo_provider: str | None
    fo_config: dict[str, Any] | None
    fo_status: str | None
    fo_deleted: datetime | None
    last_inbound_pmid: str | None


@asynccontextmanager
async def driver(engine: AsyncEngine) -> AsyncIterator[Any]:
    """asyncpg's own connection, checked out of ``engine``'s pool (asyncpg ships no
    types); on the autocommit engine every statement is its own transaction."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        yield raw.driver_connection


async def load_message(engine: AsyncEngine, message_id: uuid.UUID) -> DeliveryRow | None:
    found = await load_messages(engine, [message_id])
    return found[0] if found else None


async def load_messages(engine: AsyncEngine, ids: Sequence[uuid.UUID]) -> list[DeliveryRow]:
    """The messages of ``ids`` that exist, in no particular order (one query)."""
    async with driver(engine) as pg:
        rows = await pg.fetch(_LOAD, list(ids))
    return [DeliveryRow(**dict(r)) for r in rows]


async def claim_send(engine: AsyncEngine, row: DeliveryRow, lease: float) -> ChatState:
    """Read the chat's state and, when the message may go now, claim its send for
    ``lease`` seconds (in one statement)."""
    async with driver(engine) as pg:
        found = await pg.fetchrow(
            _CLAIM, row.id, row.session_id, row.created_at, float(lease), row.campaign_id
        )
    if found is None:
        return ChatState(None, False, False, 0.0)
    return ChatState(
        found["status"],
        bool(found["waiting"]),
        bool(found["claimed"]),
        float(found["claim_left"] or 0),
        found["held"],
    )


async def release_claim(engine: AsyncEngine, row: DeliveryRow) -> None:
    """The send did not happen (it waits for a retry): the next job may claim at once."""
    async with driver(engine) as pg:
        await pg.execute(_UNCLAIM, row.id)


# Sends the providers accepted, recorded together (``record_sent_many``): $1 message ids,
# $2 the connections they went through, $3 the providers' ids (NULL when none came).
_LOCK_PENDING = (
    "SELECT id FROM message WHERE id = ANY($1::uuid[]) AND status = 'PENDING' FOR UPDATE"
)
# The echo of a send that the provider's webhook stored first, as a BUSINESS message.
_DELETE_ECHOES = """
DELETE FROM message e
USING unnest($1::uuid[], $2::uuid[], $3::text[]) AS s(id, conn, pmid)
WHERE s.pmid IS NOT NULL AND e.connection_id = s.conn AND e.provider_message_id = s.pmid
  AND e.id <> s.id AND e.direction = 'OUT' AND e.author = 'BUSINESS'
RETURNING s.id, e.status, e.created_at
"""
_MARK_SENT = """
UPDATE message m SET status = 'SENT', provider_message_id = s.pmid, connection_id = s.conn,
       sent_at = COALESCE(m.sent_at, now()), error = NULL, updated_at = now()
FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS s(id, conn, pmid)
WHERE m.id = s.id
"""
_TAKE_PENDING_ACKS = """
DELETE FROM pending_ack p
USING unnest($1::uuid[], $2::text[]) AS s(conn, pmid)
WHERE p.connection_id = s.conn AND p.provider_message_id = s.pmid
RETURNING p.connection_id, p.provider_message_id, p.status, p.error
"""
_FORGET_ECHO = """
UPDATE session s SET ai_blocked_until = NULL, ai_block_reason = NULL
FROM connection k WHERE s.id = $1 AND k.id = s.connection_id
  AND s.ai_block_reason = 'business_reply'
  AND s.ai_blocked_until = $2::timestamptz + make_interval(mins => k.ai_block_ttl_minutes)
"""


@dataclass(frozen=True, slots=True)
class Sent:
    """A send the provider accepted, to record."""

    row: DeliveryRow
    connection_id: uuid.UUID
    provider_message_id: str | None


async def record_sent(
    engine: AsyncEngine,
    row: DeliveryRow,
    connection_id: uuid.UUID,
    provider_message_id: str | None,
) -> list[OutboxJob] | None:
    """One send recorded; None: the message was no longer PENDING."""
    done, jobs = await record_sent_many(engine, [Sent(row, connection_id, provider_message_id)])
    return jobs if done else None


async def record_sent_many(
    engine: AsyncEngine, sent: Sequence[Sent]
) -> tuple[set[uuid.UUID], list[OutboxJob]]:
    """Record accepted sends in one transaction, a few statements for any number: each
    message still PENDING becomes SENT with the provider's id; an echo of the same send
    that the webhook stored first is removed; acks that arrived before we knew the
    provider's id are applied. Returns the ids recorded (the others had left PENDING
    meanwhile) and the jobs to flush."""
    if not sent:
        return set(), []
    async with engine.begin() as conn:
        raw = await conn.get_raw_connection()
        pg: Any = raw.driver_connection
        pending = {r["id"] for r in await pg.fetch(_LOCK_PENDING, [s.row.id for s in sent])}
        todo = [s for s in sent if s.row.id in pending]
        if not todo:
            return set(), []
        ids = [s.row.id for s in todo]
        conns = [s.connection_id for s in todo]
        pmids = [s.provider_message_id for s in todo]
        known = [s for s in todo if s.provider_message_id]
        echoes = {}
        if known:
            echoes = {r["id"]: r for r in await pg.fetch(_DELETE_ECHOES, ids, conns, pmids)}
        await pg.execute(_MARK_SENT, ids, conns, pmids)
        if known:
            for s in known:
                echo = echoes.get(s.row.id)
                if echo is None:
                    continue
                await _forget_echo(pg, s.row, echo["created_at"])
                if echo["status"] in ("DELIVERED", "READ"):
                    await pg.fetchrow(
                        ingest_sql.APPLY_ACK,
                        s.connection_id,
                        s.provider_message_id,
                        echo["status"],
                        None,
                    )
            acks = await pg.fetch(
                _TAKE_PENDING_ACKS,
                [s.connection_id for s in known],
                [s.provider_message_id for s in known],
            )
            for ack in acks:
                await pg.fetchrow(
                    ingest_sql.APPLY_ACK,
                    ack["connection_id"],
                    ack["provider_message_id"],
                    ack["status"],
                    ack["error"],
                )
        rows = [
            events.event_row(s.row.organization_id, events.MESSAGE_UPDATED, s.row.id) for s in todo
        ]
        jobs = await write_outbox_pg(pg, rows)
    return pending, jobs


async def _forget_echo(pg: Any, row: DeliveryRow, echo_at: datetime) -> None:
    """Ingest took the echo for a reply typed on the phone and silenced the AI for the
    connection's TTL. It was our own AI or SYSTEM message, so that block is undone —
    only when it is exactly the one the echo set (same start, reason business_reply).
    A campaign's message is ours too: the contact's reply must reach the AI."""
    if row.author not in ("AI", "SYSTEM") and row.campaign_id is None:
        return
    await pg.execute(_FORGET_ECHO, row.session_id, echo_at)


async def record_opted_out(engine: AsyncEngine, row: DeliveryRow) -> list[OutboxJob] | None:
    """A campaign's send to a contact who opted out after it was claimed: the message
    fails with that reason and its recipient is OPTED_OUT, not FAILED."""
    async with engine.begin() as conn:
        changed = await conn.scalar(
            sa.text(
                "UPDATE message SET status = 'FAILED', error = 'opted_out', updated_at = now()"
                " WHERE id = :id AND status = 'PENDING' RETURNING id"
            ),
            {"id": row.id},
        )
        if changed is None:
            return None
        await conn.execute(
            sa.text(
                "UPDATE campaign_recipient SET status = 'OPTED_OUT', reason = 'opted_out',"
                " updated_at = now() WHERE message_id = :id OR gate_message_id = :id"
            ),
            {"id": row.id},
        )
        event = events.event_row(row.organization_id, events.MESSAGE_UPDATED, row.id)
        return await write_outbox(conn, [event])


async def record_failed(
    engine: AsyncEngine, row: DeliveryRow, error: str
) -> list[OutboxJob] | None:
    async with engine.begin() as conn:
        changed = await conn.scalar(
            sa.text(
                "UPDATE message SET status = 'FAILED', error = :error, updated_at = now()"
                " WHERE id = :id AND status = 'PENDING' RETURNING id"
            ),
            {"id": row.id, "error": error[:2000]},
        )
        if changed is None:
            return None
        event = events.event_row(row.organization_id, events.MESSAGE_UPDATED, row.id)
        return await write_outbox(conn, [event])
