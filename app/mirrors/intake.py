"""Ingest's side of the mirrors: inside the webhook's transaction (asyncpg), a group
message from a source group of an active mirror becomes one ``mirror_post`` per
mirror — once: the unique (mirror, provider message id) makes a re-delivered webhook,
a replay or a retried job add nothing — and an ``intake_mirror_post`` job.

An edit or a delete of the source message within ``CHANGE_WINDOW`` reaches what was
not posted yet: queued destinations are dropped, an edit runs intake again on the new
text, a delete leaves the post FILTERED (``deleted_in_source``)."""

from __future__ import annotations

import uuid

import asyncpg  # type: ignore[import-untyped]

from app.outbox import OutboxRow, outbox_row

CHANGE_WINDOW_MINUTES = 15
INTAKE_JOB = "intake_mirror_post"
# The status_reason of a source group's session: offers, never the agents' (app.inbox.queue).
MIRROR_SOURCE_REASON = "mirror"

_IS_SOURCE = """
SELECT EXISTS (SELECT 1 FROM mirror
               WHERE connection_id = $1 AND is_active AND $2::varchar = ANY(source_group_ids))
"""
_RECORD = """
INSERT INTO mirror_post (organization_id, mirror_id, connection_id, source_group_id,
                         source_message_id, message_id, original_text)
SELECT organization_id, id, connection_id, $2::varchar, $3, $4, $5 FROM mirror
WHERE connection_id = $1 AND is_active AND $2::varchar = ANY(source_group_ids)
ON CONFLICT (mirror_id, source_message_id) DO NOTHING
RETURNING id
"""
# Nothing of a post changes once one of its destinations is on its way or posted. The
# last parameter of each is CHANGE_WINDOW_MINUTES.
_DROP_QUEUED = """
DELETE FROM mirror_delivery d USING mirror_post p
WHERE d.post_id = p.id AND p.connection_id = $1 AND p.source_message_id = $2
  AND p.created_at > now() - make_interval(mins => $3)
  AND NOT EXISTS (SELECT 1 FROM mirror_delivery s WHERE s.post_id = p.id
                  AND s.status IN ('SENDING', 'POSTED'))
"""
_CANCEL_QUEUED = """
UPDATE mirror_delivery d SET status = 'CANCELLED', updated_at = now()
FROM mirror_post p
WHERE d.post_id = p.id AND d.status = 'QUEUED' AND p.connection_id = $1
  AND p.source_message_id = $2
  AND p.created_at > now() - make_interval(mins => $3)
"""
_EDITED = """
UPDATE mirror_post p SET status = 'RECEIVED', reason = NULL, original_text = $3,
       text = NULL, links = '[]'::jsonb, offer_key = NULL, store = NULL,
       price_cents = NULL, updated_at = now()
WHERE p.connection_id = $1 AND p.source_message_id = $2
  AND p.created_at > now() - make_interval(mins => $4)
  AND NOT EXISTS (SELECT 1 FROM mirror_delivery s WHERE s.post_id = p.id
                  AND s.status IN ('SENDING', 'POSTED'))
  AND p.reason IS DISTINCT FROM 'deleted_in_source'
RETURNING p.id
"""
_DELETED = """
UPDATE mirror_post p SET status = 'FILTERED', reason = 'deleted_in_source', updated_at = now()
WHERE p.connection_id = $1 AND p.source_message_id = $2
  AND p.created_at > now() - make_interval(mins => $3)
  AND NOT EXISTS (SELECT 1 FROM mirror_delivery s WHERE s.post_id = p.id
                  AND s.status IN ('SENDING', 'POSTED'))
RETURNING p.id
"""


async def is_source(db: asyncpg.Connection, connection_id: uuid.UUID, chat_id: str) -> bool:
    return bool(await db.fetchval(_IS_SOURCE, connection_id, chat_id))


async def record_posts(
    db: asyncpg.Connection,
    connection_id: uuid.UUID,
    chat_id: str,
    provider_message_id: str,
    message_id: uuid.UUID,
    text: str | None,
) -> list[OutboxRow]:
    rows = await db.fetch(
        _RECORD, connection_id, chat_id, provider_message_id, message_id, text or ""
    )
    return [outbox_row(INTAKE_JOB, str(r["id"])) for r in rows]


async def source_edited(
    db: asyncpg.Connection, connection_id: uuid.UUID, provider_message_id: str, text: str
) -> list[OutboxRow]:
    await db.execute(_DROP_QUEUED, connection_id, provider_message_id, CHANGE_WINDOW_MINUTES)
    rows = await db.fetch(_EDITED, connection_id, provider_message_id, text, CHANGE_WINDOW_MINUTES)
    # A version per edit: a second edit re-runs intake even while the first's job is kept.
    return [
        outbox_row(INTAKE_JOB, str(r["id"]), job_id=f"{INTAKE_JOB}:{r['id']}:{uuid.uuid4().hex}")
        for r in rows
    ]


async def source_deleted(
    db: asyncpg.Connection, connection_id: uuid.UUID, provider_message_id: str
) -> None:
    await db.execute(_CANCEL_QUEUED, connection_id, provider_message_id, CHANGE_WINDOW_MINUTES)
    await db.execute(_DELETED, connection_id, provider_message_id, CHANGE_WINDOW_MINUTES)
