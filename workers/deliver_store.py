"""Delivery's reads and writes. The success write is one transaction: our message
becomes SENT with the provider's id; an echo of the same send that the provider's
webhook stored first as a separate BUSINESS message is removed; acks that arrived
before we knew the provider's id are applied (app/ingest/sql.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app import events
from app.ingest import sql as ingest_sql
from app.outbox import OutboxJob, write_outbox

_LOAD = sa.text(
    """
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
    WHERE m.id = :id
    """
)
# Parts of one reply are created together; an older part still PENDING goes first. The
# window keeps a message that was never meant to be sent from holding the chat forever.
# The message's status, whether an older part of the chat must go first, and — when
# neither stops it — the send claim, all in one round trip. The claim is what makes a
# send start once even when Redis lost the chat lock while a send was in flight: the
# reconciler then re-enqueues the message, and the second job finds it claimed.
_CLAIM = sa.text(
    """
    WITH waiting AS (
      SELECT EXISTS (
        SELECT 1 FROM message p
        WHERE p.session_id = :session_id AND p.direction = 'OUT' AND p.status = 'PENDING'
          AND p.created_at < :created_at AND p.created_at > :created_at - interval '1 minute'
      ) AS w
    ), held AS (
      -- A campaign's send starts only while its campaign is RUNNING, read FOR SHARE: a
      -- pause (an UPDATE of that row) waits for this statement, and once it has
      -- committed no claim succeeds. A contact who opted out meanwhile gets nothing.
      SELECT CASE
        WHEN CAST(:campaign_id AS uuid) IS NULL THEN NULL
        WHEN EXISTS (SELECT 1 FROM message hm JOIN contact hc ON hc.id = hm.contact_id
                     WHERE hm.id = :id AND hc.opted_out_at IS NOT NULL) THEN 'opted_out'
        WHEN NOT EXISTS (SELECT 1 FROM campaign c
                         WHERE c.id = CAST(:campaign_id AS uuid) AND c.status = 'RUNNING'
                         FOR SHARE) THEN 'campaign_stopped'
      END AS h
    ), claimed AS (
      UPDATE message SET send_claimed_until = now() + make_interval(secs => :lease)
      WHERE id = :id AND status = 'PENDING' AND NOT (SELECT w FROM waiting)
        AND (SELECT h FROM held) IS NULL
        AND (send_claimed_until IS NULL OR send_claimed_until <= now())
      RETURNING id
    )
    SELECT m.status, (SELECT w FROM waiting) AS waiting, (SELECT h FROM held) AS held,
      EXISTS (SELECT 1 FROM claimed) AS claimed,
      GREATEST(EXTRACT(EPOCH FROM m.send_claimed_until - now()), 0) AS claim_left
    FROM message m WHERE m.id = :id
    """
)
_UNCLAIM = sa.text("UPDATE message SET send_claimed_until = NULL WHERE id = :id")


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


async def load_message(engine: AsyncEngine, message_id: uuid.UUID) -> DeliveryRow | None:
    async with engine.connect() as conn:
        row = (await conn.execute(_LOAD, {"id": message_id})).first()
    return None if row is None else DeliveryRow(**row._mapping)


async def claim_send(engine: AsyncEngine, row: DeliveryRow, lease: float) -> ChatState:
    """Read the chat's state and, when the message may go now, claim its send for
    ``lease`` seconds (in one statement)."""
    params = {
        "id": row.id,
        "session_id": row.session_id,
        "created_at": row.created_at,
        "lease": lease,
        "campaign_id": row.campaign_id,
    }
    async with engine.connect() as conn:
        found = (await conn.execute(_CLAIM, params)).first()
    if found is None:
        return ChatState(None, False, False, 0.0)
    return ChatState(
        found.status,
        bool(found.waiting),
        bool(found.claimed),
        float(found.claim_left or 0),
        found.held,
    )


async def release_claim(engine: AsyncEngine, row: DeliveryRow) -> None:
    """The send did not happen (it waits for a retry): the next job may claim at once."""
    async with engine.connect() as conn:
        await conn.execute(_UNCLAIM, {"id": row.id})


async def record_sent(
    engine: AsyncEngine,
    row: DeliveryRow,
    connection_id: uuid.UUID,
    provider_message_id: str | None,
) -> list[OutboxJob] | None:
    async with engine.begin() as conn:
        status = await conn.scalar(
            sa.text("SELECT status FROM message WHERE id = :id FOR UPDATE"), {"id": row.id}
        )
        if status != "PENDING":
            return None
        echo = None
        if provider_message_id:
            echo = (
                await conn.execute(
                    sa.text(
                        "DELETE FROM message WHERE connection_id = :conn AND"
                        " provider_message_id = :pmid AND id <> :id AND direction = 'OUT'"
                        " AND author = 'BUSINESS' RETURNING id, status, created_at"
                    ),
                    {"conn": connection_id, "pmid": provider_message_id, "id": row.id},
                )
            ).first()
        await conn.execute(
            sa.text(
                "UPDATE message SET status = 'SENT', provider_message_id = :pmid,"
                " connection_id = :conn, sent_at = COALESCE(sent_at, now()), error = NULL,"
                " updated_at = now() WHERE id = :id"
            ),
            {"id": row.id, "pmid": provider_message_id, "conn": connection_id},
        )
        if provider_message_id:
            raw = await conn.get_raw_connection()
            apg: Any = raw.driver_connection
            if echo is not None:
                await _forget_echo(conn, row, echo.created_at)
                if echo.status in ("DELIVERED", "READ"):
                    await apg.fetchrow(
                        ingest_sql.APPLY_ACK, connection_id, provider_message_id, echo.status, None
                    )
            ack = await apg.fetchrow(
                ingest_sql.TAKE_PENDING_ACK, connection_id, provider_message_id
            )
            if ack is not None:
                await apg.fetchrow(
                    ingest_sql.APPLY_ACK,
                    connection_id,
                    provider_message_id,
                    ack["status"],
                    ack["error"],
                )
        event = events.event_row(row.organization_id, events.MESSAGE_UPDATED, row.id)
        return await write_outbox(conn, [event])


async def _forget_echo(conn: AsyncConnection, row: DeliveryRow, echo_at: datetime) -> None:
    """Ingest took the echo for a reply typed on the phone and silenced the AI for the
    connection's TTL. It was our own AI or SYSTEM message, so that block is undone —
    only when it is exactly the one the echo set (same start, reason business_reply).
    A campaign's message is ours too: the contact's reply must reach the AI."""
    if row.author not in ("AI", "SYSTEM") and row.campaign_id is None:
        return
    await conn.execute(
        sa.text(
            "UPDATE session s SET ai_blocked_until = NULL, ai_block_reason = NULL"
            " FROM connection k WHERE s.id = :sid AND k.id = s.connection_id"
            " AND s.ai_block_reason = 'business_reply'"
            " AND s.ai_blocked_until = CAST(:at AS timestamptz)"
            "   + make_interval(mins => k.ai_block_ttl_minutes)"
        ),
        {"sid": row.session_id, "at": echo_at},
    )


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
