"""How a mirror post becomes an outbound group message: a NEW message (never a
forward) in the destination group's chat, stored PENDING with its ``deliver_message``
outbox row in the caller's transaction, so the normal delivery path sends it (rate
limits, typing, retries, failover, the stored outcome).

The group is a contact of its own, known by its chat id (contact_identity kind
'group', as ingest records groups); delivery addresses it by that id. Its chat is
opened PAUSED: a destination group is not a customer conversation, so it never waits
in the agents' queue nor wakes the AI."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.media.sniff import mimetype_of_key
from app.outbox import OutboxJob, outbox_row, write_outbox

_GROUP_CONTACT = sa.text(
    """
    SELECT contact_id FROM contact_identity
    WHERE connection_id = :conn AND kind = 'group' AND value = :group
    """
)
_NEW_CONTACT = sa.text(
    """
    INSERT INTO contact (organization_id, name, source) VALUES (:org, :group, 'whatsapp')
    RETURNING id
    """
)
_LINK = sa.text(
    """
    INSERT INTO contact_identity (connection_id, contact_id, kind, value)
    VALUES (:conn, :contact, 'group', :group)
    ON CONFLICT (connection_id, kind, value) DO NOTHING
    """
)
_OPEN_SESSION = sa.text(
    """
    SELECT id FROM session
    WHERE contact_id = :contact AND connection_id = :conn AND status <> 'CLOSED'
    """
)
_NEW_SESSION = sa.text(
    """
    INSERT INTO session (organization_id, contact_id, connection_id, status, started_by,
                         status_reason)
    VALUES (:org, :contact, :conn, 'PAUSED', 'BUSINESS', 'group mirror destination')
    ON CONFLICT (contact_id, connection_id) WHERE status <> 'CLOSED' DO NOTHING
    RETURNING id
    """
)
_INSERT = sa.text(
    """
    INSERT INTO message (organization_id, session_id, contact_id, connection_id, direction,
                         author, type, content, status, media_key)
    VALUES (:org, :session, :contact, :conn, 'OUT', :author, :type,
            CAST(:content AS jsonb), 'PENDING', :media_key)
    RETURNING id
    """
)
_TOUCH = sa.text("UPDATE session SET last_message_at = now(), updated_at = now() WHERE id = :id")


async def _group_contact(
    db: AsyncSession, org_id: uuid.UUID, connection_id: uuid.UUID, group_id: str
) -> uuid.UUID:
    params = {"org": org_id, "conn": connection_id, "group": group_id}
    found: uuid.UUID | None = await db.scalar(_GROUP_CONTACT, params)
    if found is not None:
        return found
    contact_id: uuid.UUID = (await db.execute(_NEW_CONTACT, params)).scalar_one()
    await db.execute(_LINK, {**params, "contact": contact_id})
    winner: uuid.UUID = (await db.execute(_GROUP_CONTACT, params)).scalar_one()
    return winner


async def _group_session(
    db: AsyncSession, org_id: uuid.UUID, connection_id: uuid.UUID, contact_id: uuid.UUID
) -> uuid.UUID:
    params = {"org": org_id, "conn": connection_id, "contact": contact_id}
    found: uuid.UUID | None = await db.scalar(_OPEN_SESSION, params)
    if found is None:
        found = await db.scalar(_NEW_SESSION, params)
    if found is None:  # opened concurrently
        found = (await db.execute(_OPEN_SESSION, params)).scalar_one()
    return found


def _content(text: str, media_key: str | None) -> tuple[str, dict[str, Any]]:
    content: dict[str, Any] = {"text": text} if text else {}
    if media_key is None:
        return "TEXT", content
    mime = mimetype_of_key(media_key) or ""
    head = mime.partition("/")[0]
    kind = head if head in ("image", "video", "audio") else "document"
    content["media"] = {k: v for k, v in {"type": kind, "mimeType": mime or None}.items() if v}
    return "MEDIA", content


async def queue_group_message(
    db: AsyncSession,
    *,
    org_id: uuid.UUID,
    connection_id: uuid.UUID,
    group_id: str,
    text: str,
    media_key: str | None = None,
    author: str = "BUSINESS",
) -> tuple[uuid.UUID, list[OutboxJob]]:
    """The message's id and its written outbox jobs (enqueue them after the commit)."""
    contact_id = await _group_contact(db, org_id, connection_id, group_id)
    session_id = await _group_session(db, org_id, connection_id, contact_id)
    kind, content = _content(text, media_key)
    message_id: uuid.UUID = (
        await db.execute(
            _INSERT,
            {
                "org": org_id,
                "session": session_id,
                "contact": contact_id,
                "conn": connection_id,
                "author": author,
                "type": kind,
                "content": msgspec.json.encode(content).decode(),
                "media_key": media_key,
            },
        )
    ).scalar_one()
    await db.execute(_TOUCH, {"id": session_id})
    jobs = await write_outbox(
        await db.connection(), [outbox_row("deliver_message", str(message_id))]
    )
    return message_id, jobs
