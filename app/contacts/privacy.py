"""LGPD art. 18: the data subject's export, and erasure by anonymisation.

Erasure keeps the rows (so counts and statistics survive) but removes what identifies
or was said by the person: name, email, external id, the phone (replaced by a token
that identifies nobody), LID/BSUID identities, message texts, transcriptions and media
(stored files included). It is recorded in the audit log.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app import events
from app.auth.principal import Principal
from app.contacts.schemas import Contact
from app.db import models as m
from app.messages.schemas import Message
from app.messages.services import message_out
from app.outbox import OutboxRow
from app.schemas import Camel
from app.sessions.events import histories_of
from app.sessions.schemas import Session, SessionHistoryEvent
from app.sessions.services import sessions_out

log = logging.getLogger("balcao.contacts")


class Identity(Camel):
    connection_id: uuid.UUID
    kind: str
    value: str


class ExportedMessage(Message):
    media_stored: bool
    media_error: str | None
    transcription_error: str | None


class ExportedSession(Session):
    # Every status change and assignment of the session, oldest first.
    history: list[SessionHistoryEvent]


class ContactExport(Camel):
    """Everything held about one contact, machine readable."""

    exported_at: datetime
    contact: Contact
    identities: list[Identity]
    sessions: list[ExportedSession]
    messages: list[ExportedMessage]


async def export_contact(db: AsyncSession, contact: Contact) -> ContactExport:
    identities = (
        await db.scalars(
            sa.select(m.ContactIdentity)
            .join(m.Contact, m.Contact.id == m.ContactIdentity.contact_id)
            .where(m.ContactIdentity.contact_id == contact.id)
        )
    ).all()
    sessions = (
        await db.scalars(
            sa.select(m.Session)
            .where(m.Session.contact_id == contact.id)
            .order_by(m.Session.created_at)
        )
    ).all()
    messages = (
        await db.scalars(
            sa.select(m.Message)
            .where(m.Message.contact_id == contact.id)
            .order_by(m.Message.created_at, m.Message.id)
        )
    ).all()
    return ContactExport(
        exported_at=datetime.now(UTC),
        contact=contact,
        identities=[
            Identity(connection_id=i.connection_id, kind=i.kind, value=i.value) for i in identities
        ],
        sessions=await _with_history(db, sessions),
        messages=[_exported(row) for row in messages],
    )


async def _with_history(db: AsyncSession, rows: Sequence[m.Session]) -> list[ExportedSession]:
    histories = await histories_of(db, [r.id for r in rows])
    return [
        ExportedSession(
            **{name: getattr(out, name) for name in out.__struct_fields__},
            history=histories.get(out.id, []),
        )
        for out in await sessions_out(db, rows)
    ]


def _exported(row: m.Message) -> ExportedMessage:
    out = message_out(row)
    return ExportedMessage(
        **{f: getattr(out, f) for f in out.__struct_fields__},
        media_stored=row.media_key is not None,
        media_error=row.media_error,
        transcription_error=row.transcription_error,
    )


async def erase_contact(
    db: AsyncSession, principal: Principal, contact: m.Contact
) -> tuple[list[str], list[OutboxRow]]:
    """Anonymise in the request's transaction; the stored media keys to delete after
    the commit, and the events to publish."""
    media_keys = [
        key
        for key in await db.scalars(
            sa.select(m.Message.media_key).where(
                m.Message.contact_id == contact.id, m.Message.media_key.is_not(None)
            )
        )
        if key
    ]
    message_ids = sa.select(m.Message.id).where(m.Message.contact_id == contact.id)
    await db.execute(
        sa.update(m.Message)
        .where(m.Message.contact_id == contact.id)
        .values(
            content={},
            transcription=None,
            transcription_error=None,
            media_source=None,
            media_key=None,
            media_error=None,
            reactions=[],
            participant=None,
        )
    )
    await db.execute(sa.delete(m.InboundMedia).where(m.InboundMedia.message_id.in_(message_ids)))
    await db.execute(sa.delete(m.ContactIdentity).where(m.ContactIdentity.contact_id == contact.id))
    now = datetime.now(UTC)
    contact.name = contact.email = contact.external_id = None
    contact.fields = {}
    contact.phone_number = f"erased-{secrets.token_hex(8)}"
    contact.erased_at = contact.erased_at or now
    db.add(
        m.AuditLog(
            organization_id=contact.organization_id,
            actor_user_id=principal.user_id,
            actor_api_key_id=principal.api_key_id,
            action="contact.erased",
            target_type="contact",
            target_id=str(contact.id),
            data={"messages": await _count(db, contact.id), "mediaFiles": len(media_keys)},
        )
    )
    return media_keys, [
        events.event_row(contact.organization_id, events.CONTACT_UPDATED, contact.id)
    ]


async def _count(db: AsyncSession, contact_id: uuid.UUID) -> int:
    return (
        await db.scalar(
            sa.select(sa.func.count())
            .select_from(m.Message)
            .where(m.Message.contact_id == contact_id)
        )
    ) or 0


async def delete_media_files(media_dir: Any, keys: list[str]) -> None:
    """Best effort after the commit: a file that cannot be removed now is logged (the
    row no longer points at it)."""
    if not keys:
        return
    from app.media.storage import LocalMediaStorage

    storage = LocalMediaStorage(media_dir)
    for key in keys:
        try:
            await storage.delete(key)
        except Exception:  # a bad key or an I/O error must not undo the erasure
            log.warning("could not delete erased media", extra={"key": key}, exc_info=True)
