"""Groups of a connection: the stored list, and messages posted into a group.

A group is a contact of its own (no phone), known on its connection by a
``contact_identity`` of kind ``group`` (the chat id) — the same contact ingest makes
when a group message arrives, so a post and the group's own traffic share one
history. Posts go through a session that is not a customer conversation: opened
PAUSED by the BUSINESS with reason ``group`` and the AI blocked, so it never waits in
the agents' queue nor gets an AI turn; delivery is the normal outbox →
``deliver_message`` path (rate limits, retries, ticks as for any send).

``queue_group_message`` is what other features call (the mirror worker); the API's
``POST /api/v1/messages`` with ``groupId`` runs the same steps through
``record_group_message``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app import events
from app.db import models as m
from app.db.enums import Author, Direction, MessageStatus, MessageType, SessionStatus, StartedBy
from app.errors import Conflict, NotFound, ValidationFailed
from app.media.sniff import mimetype_of_key
from app.outbox import OutboxRow, outbox_row, write_outbox
from providers import find_provider
from providers.names import NO_GROUPS

GROUP_REASON = "group"
GROUP_IDENTITY = "group"
SYNC_JOB = "sync_connection_groups"
# A group session is never answered by the AI: blocked for good when it is opened.
_AI_BLOCK = timedelta(days=365 * 100)
_MEDIA_TYPES = ("image", "audio", "video")


class GroupsNotSupported(Conflict):
    """The connection's provider has no groups (Meta's Cloud API)."""

    code = "groups_not_supported"


def supports_groups(kind: str) -> bool:
    provider = find_provider(kind)
    return provider is not None and provider.capabilities.groups


def check_supports_groups(row: m.Connection) -> None:
    if supports_groups(row.provider):
        return
    detail = NO_GROUPS.get(row.provider, f"Groups are not available on {row.provider}.")
    raise GroupsNotSupported(detail, provider=row.provider)


async def require_group_connection(
    db: AsyncSession, org_id: uuid.UUID, connection_id: uuid.UUID
) -> m.Connection:
    """The organization's live connection, one whose provider has groups; NotFound for
    another organization's id as for one that does not exist."""
    row = await db.scalar(
        sa.select(m.Connection).where(
            m.Connection.id == connection_id,
            m.Connection.organization_id == org_id,
            m.Connection.deleted_at.is_(None),
        )
    )
    if row is None:
        raise NotFound("No such connection.", id=str(connection_id))
    check_supports_groups(row)
    return row


async def stored_groups(db: AsyncSession, connection_id: uuid.UUID) -> Sequence[m.ConnectionGroup]:
    return (
        await db.scalars(
            sa.select(m.ConnectionGroup)
            .where(m.ConnectionGroup.connection_id == connection_id)
            .order_by(sa.func.lower(m.ConnectionGroup.name), m.ConnectionGroup.group_id)
        )
    ).all()


def sync_job(connection_id: uuid.UUID | str) -> OutboxRow:
    """The job that lists the connection's groups again (workers/groups.py); one per
    connection at a time."""
    return outbox_row(SYNC_JOB, str(connection_id), job_id=f"{SYNC_JOB}:{connection_id}")


async def _group_name(db: AsyncSession, connection_id: uuid.UUID, group_id: str) -> str | None:
    """The group's name when the connection knows the group (listed, or seen in a
    message), else None."""
    listed = await db.scalar(
        sa.select(m.ConnectionGroup.name).where(
            m.ConnectionGroup.connection_id == connection_id,
            m.ConnectionGroup.group_id == group_id,
        )
    )
    if listed is not None:
        return listed or group_id
    seen = await db.scalar(
        sa.select(m.ContactIdentity.contact_id).where(
            m.ContactIdentity.connection_id == connection_id,
            m.ContactIdentity.kind == GROUP_IDENTITY,
            m.ContactIdentity.value == group_id,
        )
    )
    return None if seen is None else group_id


async def _group_contact(
    db: AsyncSession, row: m.Connection, group_id: str, name: str
) -> uuid.UUID:
    identity = sa.select(m.ContactIdentity.contact_id).where(
        m.ContactIdentity.connection_id == row.id,
        m.ContactIdentity.kind == GROUP_IDENTITY,
        m.ContactIdentity.value == group_id,
    )
    found = await db.scalar(identity)
    if found is not None:
        return found
    contact_id = await db.scalar(
        sa.insert(m.Contact)
        .values(organization_id=row.organization_id, name=name, source="whatsapp")
        .returning(m.Contact.id)
    )
    await db.execute(
        pg_insert(m.ContactIdentity)
        .values(connection_id=row.id, contact_id=contact_id, kind=GROUP_IDENTITY, value=group_id)
        .on_conflict_do_nothing(index_elements=["connection_id", "kind", "value"])
    )
    winner = await db.scalar(identity)
    assert winner is not None
    if winner != contact_id:  # a concurrent first post made the contact: keep theirs
        await db.execute(sa.delete(m.Contact).where(m.Contact.id == contact_id))
    return winner


async def _group_session(
    db: AsyncSession, row: m.Connection, contact_id: uuid.UUID, jobs: list[OutboxRow]
) -> m.Session:
    open_session = sa.select(m.Session).where(
        m.Session.contact_id == contact_id,
        m.Session.connection_id == row.id,
        m.Session.status != SessionStatus.CLOSED,
    )
    found = await db.scalar(open_session.with_for_update())
    if found is not None:
        return found
    now = datetime.now(UTC)
    opened = await db.scalar(
        pg_insert(m.Session)
        .values(
            organization_id=row.organization_id,
            contact_id=contact_id,
            connection_id=row.id,
            status=SessionStatus.PAUSED,
            started_by=StartedBy.BUSINESS,
            status_reason=GROUP_REASON,
            ai_blocked_until=now + _AI_BLOCK,
            ai_block_reason="group posts",
        )
        .on_conflict_do_nothing(
            index_elements=["contact_id", "connection_id"],
            index_where=sa.text("status <> 'CLOSED'"),
        )
        .returning(m.Session.id)
    )
    if opened is not None:
        jobs.append(events.event_row(row.organization_id, events.SESSION_CREATED, opened))
    reread = open_session.with_for_update().execution_options(populate_existing=True)
    session = await db.scalar(reread)
    assert session is not None
    return session


def group_content(
    org_id: uuid.UUID, text: str | None, media_key: str | None
) -> tuple[MessageType, dict[str, Any]]:
    """The message type and stored content of a post of ``text`` and/or a stored file."""
    if media_key is not None and not media_key.startswith(f"{org_id}/"):
        raise ValidationFailed(
            "The media key is not one of this organization's files.",
            code="invalid_media_key",
            field="mediaKey",
        )
    content: dict[str, Any] = {}
    if text is not None and text.strip():
        content["text"] = text
    if media_key is None:
        if not content:
            raise ValidationFailed("A message needs text or media.", code="empty_message")
        return MessageType.TEXT, content
    mimetype = mimetype_of_key(media_key) or "application/octet-stream"
    head = mimetype.partition("/")[0]
    content["media"] = {
        "type": head if head in _MEDIA_TYPES else "document",
        "mimeType": mimetype,
        "name": media_key.rpartition("/")[2],
    }
    return MessageType.MEDIA, content


async def record_group_message(
    db: AsyncSession,
    *,
    org_id: uuid.UUID,
    connection_id: uuid.UUID,
    group_id: str,
    kind: MessageType,
    content: dict[str, Any],
    media_key: str | None = None,
    author: Author | str = Author.BUSINESS,
    sender_user_id: uuid.UUID | None = None,
) -> tuple[m.Message, list[OutboxRow]]:
    """Store a PENDING post to ``group_id`` (in the caller's transaction) and return it
    with the outbox rows that deliver and announce it.

    Raises NotFound (the connection is not the organization's), GroupsNotSupported
    (409), ValidationFailed ``unknown_group`` (the connection neither listed nor saw
    the group) or ``validation_error`` (a customer's author)."""
    author = Author(author)
    if author in (Author.CUSTOMER, Author.SYSTEM):
        raise ValidationFailed("A group post is authored by the business.", field="author")
    row = await require_group_connection(db, org_id, connection_id)
    name = await _group_name(db, row.id, group_id)
    if name is None:
        raise ValidationFailed(
            "The connection is not in this group (list its groups again if it is new).",
            code="unknown_group",
            field="groupId",
            groupId=group_id,
        )
    jobs: list[OutboxRow] = []
    contact_id = await _group_contact(db, row, group_id, name)
    session = await _group_session(db, row, contact_id, jobs)
    now = datetime.now(UTC)
    message = m.Message(
        organization_id=row.organization_id,
        session_id=session.id,
        contact_id=contact_id,
        connection_id=row.id,
        direction=Direction.OUT,
        author=author,
        type=kind,
        content=content,
        status=MessageStatus.PENDING,
        media_key=media_key,
        sender_user_id=sender_user_id if author == Author.AGENT else None,
    )
    db.add(message)
    await db.flush()
    session.last_message_at = now
    session.updated_at = now
    jobs.append(
        events.event_row(
            row.organization_id, events.MESSAGE_CREATED, message.id, session_id=session.id
        )
    )
    jobs.append(outbox_row("deliver_message", str(message.id)))
    return message, jobs


async def queue_group_message(
    db: AsyncSession,
    *,
    org_id: uuid.UUID,
    connection_id: uuid.UUID,
    group_id: str,
    text: str | None,
    media_key: str | None = None,
    author: Author | str = "BUSINESS",
    outbox: list[OutboxRow] | None = None,
) -> uuid.UUID:
    """Queue one post to a group and return the message id; the caller commits.

    The delivery job is written to the outbox in the caller's transaction, so the post
    is sent once the transaction commits (the outbox relay enqueues it within
    seconds). A caller that flushes its own jobs right after its commit
    (``app.jobs.commit_with_jobs`` / ``app.outbox.flush_outbox``) passes ``outbox``: the
    rows are appended there instead of written. Errors: those of
    ``record_group_message``, and ValidationFailed ``empty_message`` (no text, no
    media) or ``invalid_media_key`` (not a file of this organization)."""
    kind, content = group_content(org_id, text, media_key)
    message, jobs = await record_group_message(
        db,
        org_id=org_id,
        connection_id=connection_id,
        group_id=group_id,
        kind=kind,
        content=content,
        media_key=media_key,
        author=author,
    )
    if outbox is not None:
        outbox.extend(jobs)
    else:
        await write_outbox(await db.connection(), jobs)
    return message.id
