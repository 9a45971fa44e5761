"""Messages through the API: record, send (through the outbox), list."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app import events
from app.auth.principal import Principal
from app.db import models as m
from app.db.enums import HUMAN_AUTHORS, Author, Direction, MessageStatus, MessageType, SessionStatus
from app.errors import Conflict, ValidationFailed
from app.messages.schemas import ContentIn, Message, MessageCreate
from app.outbox import OutboxRow, outbox_row
from app.sessions import lifecycle

RESPONDERS = HUMAN_AUTHORS | {Author.AI}


def message_out(row: m.Message) -> Message:
    return Message(
        id=row.id,
        session_id=row.session_id,
        contact_id=row.contact_id,
        connection_id=row.connection_id,
        direction=row.direction,
        author=row.author,
        type=row.type,
        content=row.content,
        status=row.status,
        external_id=row.external_id,
        provider_message_id=row.provider_message_id,
        quoted_message_id=row.quoted_message_id,
        quoted_provider_message_id=row.quoted_provider_message_id,
        transcription=row.transcription,
        error=row.error,
        reactions=row.reactions,
        created_at=row.created_at,
        updated_at=row.updated_at,
        sent_at=row.sent_at,
        delivered_at=row.delivered_at,
        read_at=row.read_at,
        edited_at=row.edited_at,
        deleted_at=row.deleted_at,
    )


def stored_content(content: ContentIn) -> dict[str, Any]:
    """The API shape, without the keys the caller left out."""
    stored: dict[str, Any] = {}
    if content.text is not None:
        stored["text"] = content.text
    if content.media is not None:
        media = msgspec.to_builtins(content.media)
        stored["media"] = {k: v for k, v in media.items() if v is not None}
    return stored


def check_message(data: MessageCreate) -> Direction:
    """The direction the message travels in, once the body is consistent."""
    direction = data.direction or (
        Direction.IN if data.author == Author.CUSTOMER else Direction.OUT
    )
    if data.author == Author.CUSTOMER and direction == Direction.OUT:
        raise ValidationFailed("A customer's message travels IN.", field="direction")
    if data.author != Author.CUSTOMER and direction == Direction.IN:
        raise ValidationFailed("Only a customer's message travels IN.", field="direction")
    if data.type == MessageType.TEXT and not (data.content.text or "").strip():
        raise ValidationFailed("A TEXT message needs content.text.", field="content.text")
    if data.type in (MessageType.MEDIA, MessageType.RECORDING) and data.content.media is None:
        raise ValidationFailed(f"A {data.type} message needs content.media.", field="content.media")
    if data.type == MessageType.CHAT_COMMAND and not data.content.text:
        raise ValidationFailed("A CHAT_COMMAND needs content.text.", field="content.text")
    sends = data.send_external_message and direction == Direction.OUT
    if sends and data.status not in (None, MessageStatus.PENDING):
        raise ValidationFailed(
            "The status of a message being sent is set by its delivery.", field="status"
        )
    return direction


def _initial_status(data: MessageCreate, direction: Direction, sends: bool) -> MessageStatus:
    if sends:
        return MessageStatus.PENDING
    if data.status is not None:
        return data.status
    return MessageStatus.DELIVERED if direction == Direction.IN else MessageStatus.SENT


async def _check_quoted(db: AsyncSession, quoted_id: uuid.UUID | None, session: m.Session) -> None:
    if quoted_id is None:
        return
    found = await db.scalar(
        sa.select(m.Message.id).where(
            m.Message.id == quoted_id, m.Message.contact_id == session.contact_id
        )
    )
    if found is None:
        raise ValidationFailed("Unknown quoted message.", field="quotedMessageId")


async def record_message(
    db: AsyncSession, principal: Principal, session: m.Session, data: MessageCreate
) -> tuple[m.Message, list[OutboxRow]]:
    """Insert the message and update its session; the outbox rows to stage with it."""
    if session.status == SessionStatus.CLOSED:
        raise Conflict(
            "The session is closed; a new message opens a new session.", code="session_closed"
        )
    direction = check_message(data)
    await _check_quoted(db, data.quoted_message_id, session)
    sends = data.send_external_message and direction == Direction.OUT
    now = datetime.now(UTC)
    row = m.Message(
        organization_id=session.organization_id,
        session_id=session.id,
        contact_id=session.contact_id,
        connection_id=session.connection_id,
        direction=direction,
        author=data.author,
        type=data.type,
        content=stored_content(data.content),
        status=_initial_status(data, direction, sends),
        external_id=data.external_id,
        quoted_message_id=data.quoted_message_id,
        sender_user_id=principal.user_id if data.author == Author.AGENT else None,
        sent_at=now if not sends and direction == Direction.OUT else None,
    )
    db.add(row)
    await db.flush()
    jobs = [
        events.event_row(
            session.organization_id, events.MESSAGE_CREATED, row.id, session_id=session.id
        )
    ]
    if sends:
        jobs.append(outbox_row("deliver_message", str(row.id)))
    await _touch_session(db, session, data.author, direction, now)
    jobs += _take_if_queued(principal, session, data.author)
    if data.pause_session and session.status != SessionStatus.PAUSED:
        jobs += lifecycle.change_status(session, SessionStatus.PAUSED, "paused by message")
    return row, jobs


def _take_if_queued(principal: Principal, session: m.Session, author: Author) -> list[OutboxRow]:
    """A signed-in agent answering a conversation that waits in the queue takes it, as
    helpdesks do: assigned to them and ACTIVE, so nobody else picks it up too."""
    if author != Author.AGENT or principal.user_id is None:
        return []
    if session.status != SessionStatus.QUEUED or session.assigned_agent_id is not None:
        return []
    session.assigned_agent_id = principal.user_id
    jobs = [events.event_row(session.organization_id, events.SESSION_ASSIGNED, session.id)]
    return jobs + lifecycle.change_status(session, SessionStatus.ACTIVE, "answered by an agent")


async def _touch_session(
    db: AsyncSession, session: m.Session, author: Author, direction: Direction, now: datetime
) -> None:
    session.last_message_at = now
    if direction == Direction.OUT and author in RESPONDERS and session.first_response_at is None:
        session.first_response_at = now
    if author in HUMAN_AUTHORS:
        # A human reply silences the AI for the connection's TTL; a longer block set by
        # hand is not shortened.
        ttl = await db.scalar(
            sa.select(m.Connection.ai_block_ttl_minutes).where(
                m.Connection.id == session.connection_id
            )
        )
        until = now + timedelta(minutes=ttl or 60)
        if session.ai_blocked_until is None or session.ai_blocked_until < until:
            session.ai_blocked_until = until
            session.ai_block_reason = f"human reply ({author.value})"
    session.updated_at = now


def list_statement(
    *,
    session_id: uuid.UUID | None,
    contact_id: uuid.UUID | None,
    author: Author | None,
    since: datetime | None,
    provider_message_id: str | None,
) -> sa.Select[Any]:
    stmt = sa.select(m.Message).order_by(m.Message.created_at, m.Message.id)
    if session_id is not None:
        stmt = stmt.where(m.Message.session_id == session_id)
    if contact_id is not None:
        stmt = stmt.where(m.Message.contact_id == contact_id)
    if author is not None:
        stmt = stmt.where(m.Message.author == author)
    if since is not None:
        stmt = stmt.where(m.Message.created_at >= since)
    if provider_message_id is not None:
        stmt = stmt.where(m.Message.provider_message_id == provider_message_id)
    return stmt
