"""The dispatcher's reads and writes (workers/campaigns.py), Core SQL throughout: a
campaign sends thousands of messages and each claim is a handful of statements over
arrays, never an ORM loop.

A claim is one transaction: the due PENDING recipients ``FOR UPDATE SKIP LOCKED`` (two
dispatchers never take the same row), the checks that need the database (opted out, in
a conversation with an agent, cooldown across campaigns), the sessions found or opened,
the messages inserted PENDING with their campaign, the recipients moved to SENDING with
their message. Whatever happens afterwards, the recipient points at exactly one message,
and that message's delivery (workers/deliver.py, claimed once) is its only send.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app import events
from app.outbox import OutboxRow

_json = msgspec.json.Encoder().encode

LOAD_CAMPAIGN = sa.text(
    """
    SELECT c.id, c.organization_id, c.status, c.connection_ids, c.active_connection_id,
           c.messages, c.schedule, c.pacing, c.reply_gate, c.skip_agent_conversations,
           c.contact_cooldown_hours, c.sends_since_pause, c.failure_streak, c.next_run_at,
           c.started_at, o.timezone AS org_timezone, o.holiday_subdivision
    FROM campaign c JOIN organization o ON o.id = c.organization_id
    WHERE c.id = :id
    """
)
CONNECTIONS = sa.text(
    """
    SELECT id, provider, status::text AS status, deleted_at, first_connected_at, created_at
    FROM connection WHERE id = ANY(:ids) AND organization_id = :org
    """
)
# Sends counted against a number's daily cap: attempts started since the local
# midnight (sent_at is stamped at the claim and cleared again by a failure).
SENT_TODAY = sa.text(
    """
    SELECT count(*) FROM campaign_recipient
    WHERE connection_id = :conn AND sent_at >= :since
    """
)
PROMOTE = sa.text(
    """
    UPDATE campaign SET status = 'RUNNING', started_at = COALESCE(started_at, now()),
           updated_at = now()
    WHERE id = :id AND status = 'SCHEDULED'
    RETURNING id
    """
)
EXPIRE = sa.text(
    """
    WITH c AS (
      UPDATE campaign SET status = 'EXPIRED', status_reason = :reason, finished_at = now(),
             next_run_at = NULL, updated_at = now()
      WHERE id = :id AND status IN ('SCHEDULED', 'RUNNING')
      RETURNING id
    )
    UPDATE campaign_recipient SET status = 'SKIPPED', reason = 'expired', updated_at = now()
    WHERE campaign_id = (SELECT id FROM c) AND status = 'PENDING'
    """
)
PAUSE = sa.text(
    """
    UPDATE campaign SET status = 'PAUSED', status_reason = :reason, paused_at = now(),
           next_run_at = NULL, updated_at = now()
    WHERE id = :id AND status IN ('SCHEDULED', 'RUNNING')
    RETURNING id
    """
)
# The last condition of each: asked the reply-gate question and not answered yet,
# within GATE_HOURS (an answer may still come, and is only taken while it runs).
COMPLETE = sa.text(
    """
    UPDATE campaign SET status = 'COMPLETED', finished_at = now(), next_run_at = NULL,
           updated_at = now()
    WHERE id = :id AND status = 'RUNNING'
      AND NOT EXISTS (SELECT 1 FROM campaign_recipient r
                      WHERE r.campaign_id = :id AND r.status IN ('PENDING', 'SENDING'))
      AND NOT EXISTS (SELECT 1 FROM campaign_recipient r
                      WHERE r.campaign_id = :id
                        AND r.gate_message_id IS NOT NULL AND r.message_id IS NULL
                        AND r.status IN ('SENT', 'DELIVERED', 'READ')
                        AND r.sent_at > now() - make_interval(hours => :gate_hours))
    RETURNING id
    """
)
GATE_LEFT = sa.text(
    """
    SELECT min(r.sent_at) FROM campaign_recipient r
    WHERE r.campaign_id = :id
                        AND r.gate_message_id IS NOT NULL AND r.message_id IS NULL
                        AND r.status IN ('SENT', 'DELIVERED', 'READ')
                        AND r.sent_at > now() - make_interval(hours => :gate_hours)
    """
)
# The dispatcher's lease: while it runs, next_run_at stays a little ahead; a
# dispatcher that died leaves it in the past and the reconciler starts another.
HEARTBEAT = sa.text(
    """
    UPDATE campaign SET next_run_at = now() + make_interval(secs => :lease),
           sends_since_pause = :sends, failure_streak = :streak, updated_at = now()
    WHERE id = :id AND status = 'RUNNING'
    """
)
RESCHEDULE = sa.text(
    """
    UPDATE campaign SET next_run_at = :at, sends_since_pause = :sends, updated_at = now()
    WHERE id = :id AND status IN ('SCHEDULED', 'RUNNING')
    RETURNING id
    """
)
FAIL_OVER = sa.text(
    """
    UPDATE campaign SET active_connection_id = :conn, failure_streak = 0,
           status_reason = :reason, updated_at = now()
    WHERE id = :id AND status = 'RUNNING'
    """
)
PENDING_LEFT = sa.text(
    """
    SELECT count(*) FILTER (WHERE status = 'PENDING') AS pending,
           min(next_attempt_at) FILTER (WHERE status = 'PENDING') AS next_at,
           count(*) FILTER (WHERE status = 'SENDING') AS sending
    FROM campaign_recipient WHERE campaign_id = :id AND status IN ('PENDING', 'SENDING')
    """
)
# Sends that were claimed but never handed to delivery, or whose delivery stopped at a
# pause: their message is PENDING and nobody holds its send.
ORPHANS = sa.text(
    """
    SELECT m.id FROM campaign_recipient r
    JOIN message m ON m.id = COALESCE(r.message_id, r.gate_message_id)
    WHERE r.campaign_id = :id AND r.status = 'SENDING' AND m.status = 'PENDING'
      AND (m.send_claimed_until IS NULL OR m.send_claimed_until < now())
      AND m.updated_at < now() - make_interval(secs => :settled)
    LIMIT 1000
    """
)
CLAIM = sa.text(
    """
    SELECT r.id, r.contact_id, r.variant, r.gate_message_id, r.attempts,
           k.name, k.phone_number, k.fields, k.opted_out_at
    FROM campaign_recipient r JOIN contact k ON k.id = r.contact_id
    WHERE r.campaign_id = :id AND r.status = 'PENDING'
      AND (r.next_attempt_at IS NULL OR r.next_attempt_at <= now())
    ORDER BY r.next_attempt_at NULLS FIRST, r.created_at, r.id
    LIMIT :n
    FOR UPDATE OF r SKIP LOCKED
    """
)
# Two campaigns sending to one contact at once would each see no recent send by the
# other; a lock per contact, in a fixed order, makes the second wait for the first.
LOCK_CONTACTS = sa.text(
    """
    SELECT count(pg_advisory_xact_lock(k)) FROM (
      SELECT DISTINCT hashtextextended('campaign-contact:' || c::text, 0) AS k
      FROM unnest(CAST(:ids AS uuid[])) AS c ORDER BY 1
    ) s
    """
)
COOLING = sa.text(
    """
    SELECT DISTINCT contact_id FROM campaign_recipient
    WHERE contact_id = ANY(:ids) AND campaign_id <> :id
      AND sent_at > now() - make_interval(hours => :hours)
    """
)
WITH_AGENT = sa.text(
    """
    SELECT DISTINCT contact_id FROM session
    WHERE contact_id = ANY(:ids) AND status <> 'CLOSED' AND assigned_agent_id IS NOT NULL
    """
)
OPEN_SESSIONS = sa.text(
    """
    WITH opened AS (
      INSERT INTO session (organization_id, contact_id, connection_id, status, started_by,
                           status_reason)
      SELECT :org, c, :conn, 'ACTIVE', 'BUSINESS', 'campaign'
      FROM unnest(CAST(:ids AS uuid[])) AS c ORDER BY c
      ON CONFLICT (contact_id, connection_id) WHERE status <> 'CLOSED' DO NOTHING
      RETURNING id, contact_id
    )
    SELECT id, contact_id, true AS opened FROM opened
    UNION ALL
    SELECT s.id, s.contact_id, false FROM session s
    WHERE s.contact_id = ANY(:ids) AND s.connection_id = :conn AND s.status <> 'CLOSED'
    """
)
INSERT_MESSAGES = sa.text(
    """
    WITH t AS (
      SELECT * FROM unnest(CAST(:sessions AS uuid[]), CAST(:contacts AS uuid[]),
                           CAST(:types AS text[]), CAST(:contents AS text[]),
                           CAST(:media_keys AS text[]))
        WITH ORDINALITY AS t(session_id, contact_id, type, content, media_key, i)
    ), m AS (
      INSERT INTO message (organization_id, session_id, contact_id, connection_id, direction,
                           author, type, content, status, campaign_id, media_key, created_at)
      SELECT :org, t.session_id, t.contact_id, :conn, 'OUT', 'BUSINESS',
             t.type, t.content::jsonb, 'PENDING', :campaign, t.media_key,
             clock_timestamp()
      FROM t ORDER BY t.i
      RETURNING id, session_id, contact_id
    ), touched AS (
      UPDATE session SET last_message_at = now(), updated_at = now()
      WHERE id IN (SELECT session_id FROM m)
    )
    SELECT id, session_id, contact_id FROM m
    """
)
MARK_SENDING = sa.text(
    """
    UPDATE campaign_recipient r SET
      status = 'SENDING', connection_id = :conn, sent_at = now(),
      attempts = r.attempts + 1, updated_at = now(),
      message_id = CASE WHEN t.gate THEN r.message_id ELSE t.message_id END,
      gate_message_id = CASE WHEN t.gate THEN t.message_id ELSE r.gate_message_id END
    FROM unnest(CAST(:ids AS uuid[]), CAST(:messages AS uuid[]), CAST(:gates AS bool[]))
      AS t(id, message_id, gate)
    WHERE r.id = t.id
    """
)
MARK_SETTLED = sa.text(
    """
    UPDATE campaign_recipient r SET status = t.status, reason = t.reason,
           error = t.error, updated_at = now()
    FROM unnest(CAST(:ids AS uuid[]), CAST(:statuses AS text[]), CAST(:reasons AS text[]),
                CAST(:errors AS text[])) AS t(id, status, reason, error)
    WHERE r.id = t.id
    """
)


@dataclass(frozen=True, slots=True)
class Claimed:
    recipient_id: uuid.UUID
    contact_id: uuid.UUID
    variant: int | None
    gate_message_id: uuid.UUID | None
    name: str | None
    phone_number: str | None
    fields: dict[str, Any]
    opted_out: bool


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A recipient that passed every check, with what it is sent."""

    recipient_id: uuid.UUID
    contact_id: uuid.UUID
    type: str  # TEXT | MEDIA
    content: dict[str, Any]
    gate: bool  # the reply gate's question rather than the campaign message
    media_key: str | None = None  # the variant's uploaded file, stored once, sent per row


@dataclass(slots=True)
class Settled:
    """Recipients that end without a send: (recipient, status, reason, error)."""

    rows: list[tuple[uuid.UUID, str, str | None, str | None]] = field(default_factory=list)

    def add(
        self, rid: uuid.UUID, status: str, reason: str | None, error: str | None = None
    ) -> None:
        self.rows.append((rid, status, reason, error))


async def claim(conn: AsyncConnection, campaign_id: uuid.UUID, n: int) -> list[Claimed]:
    rows = (await conn.execute(CLAIM, {"id": campaign_id, "n": n})).all()
    return [
        Claimed(
            r.id,
            r.contact_id,
            r.variant,
            r.gate_message_id,
            r.name,
            r.phone_number,
            dict(r.fields or {}),
            r.opted_out_at is not None,
        )
        for r in rows
    ]


async def busy_contacts(
    conn: AsyncConnection,
    campaign_id: uuid.UUID,
    contact_ids: list[uuid.UUID],
    *,
    cooldown_hours: int,
    skip_agent: bool,
) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """(contacts sent another campaign within the cooldown, contacts with an agent)."""
    cooling: set[uuid.UUID] = set()
    with_agent: set[uuid.UUID] = set()
    if not contact_ids:
        return cooling, with_agent
    if cooldown_hours > 0:
        await conn.execute(LOCK_CONTACTS, {"ids": contact_ids})
        params = {"ids": contact_ids, "id": campaign_id, "hours": cooldown_hours}
        cooling = set((await conn.scalars(COOLING, params)).all())
    if skip_agent:
        with_agent = set((await conn.scalars(WITH_AGENT, {"ids": contact_ids})).all())
    return cooling, with_agent


async def stage_sends(
    conn: AsyncConnection,
    *,
    organization_id: uuid.UUID,
    campaign_id: uuid.UUID,
    connection_id: uuid.UUID,
    outgoing: list[Outgoing],
) -> tuple[list[uuid.UUID], list[OutboxRow]]:
    """Sessions, messages and SENDING recipients for ``outgoing``; the new messages'
    ids (in order) and the events to publish."""
    if not outgoing:
        return [], []
    contacts = [o.contact_id for o in outgoing]
    found = (
        await conn.execute(
            OPEN_SESSIONS, {"org": organization_id, "conn": connection_id, "ids": contacts}
        )
    ).all()
    session_of = {r.contact_id: r.id for r in found}
    rows: list[OutboxRow] = [
        events.event_row(organization_id, events.SESSION_CREATED, r.id) for r in found if r.opened
    ]
    params = {
        "org": organization_id,
        "conn": connection_id,
        "campaign": campaign_id,
        "sessions": [session_of[c] for c in contacts],
        "contacts": contacts,
        "types": [o.type for o in outgoing],
        "contents": [_json(o.content).decode() for o in outgoing],
        "media_keys": [o.media_key for o in outgoing],
    }
    inserted = (await conn.execute(INSERT_MESSAGES, params)).all()
    by_contact = {r.contact_id: r for r in inserted}
    message_ids = [by_contact[c].id for c in contacts]
    await conn.execute(
        MARK_SENDING,
        {
            "conn": connection_id,
            "ids": [o.recipient_id for o in outgoing],
            "messages": message_ids,
            "gates": [o.gate for o in outgoing],
        },
    )
    rows += [
        events.event_row(organization_id, events.MESSAGE_CREATED, r.id, session_id=r.session_id)
        for r in inserted
    ]
    return message_ids, rows


async def settle(conn: AsyncConnection, settled: Settled) -> None:
    if not settled.rows:
        return
    ids, statuses, reasons, errors = (list(c) for c in zip(*settled.rows, strict=True))
    await conn.execute(
        MARK_SETTLED, {"ids": ids, "statuses": statuses, "reasons": reasons, "errors": errors}
    )
