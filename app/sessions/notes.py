"""Internal notes on a session (never sent to the customer)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app import events
from app.auth.principal import Principal
from app.db import models as m
from app.outbox import OutboxRow
from app.sessions.schemas import Note


def _select() -> sa.Select[m.SessionNote, str]:
    return sa.select(m.SessionNote, m.User.name).outerjoin(
        m.User, m.User.id == m.SessionNote.author_user_id
    )


def _out(row: m.SessionNote, author_name: str | None) -> Note:
    return Note(
        id=row.id,
        session_id=row.session_id,
        author_user_id=row.author_user_id,
        author_name=author_name or None,
        text=row.text,
        created_at=row.created_at,
    )


async def notes_of(db: AsyncSession, session_id: uuid.UUID) -> list[Note]:
    """Oldest first."""
    rows = await db.execute(
        _select()
        .where(m.SessionNote.session_id == session_id)
        .order_by(m.SessionNote.created_at, m.SessionNote.id)
    )
    return [_out(note, name) for note, name in rows.all()]


async def get_note(db: AsyncSession, note_id: uuid.UUID) -> Note | None:
    row = (await db.execute(_select().where(m.SessionNote.id == note_id))).first()
    return None if row is None else _out(row[0], row[1])


async def record_note(
    db: AsyncSession, principal: Principal, session: m.Session, text: str
) -> tuple[uuid.UUID, list[OutboxRow]]:
    """Insert the note; its id and the outbox rows that announce it."""
    note_id = await db.scalar(
        sa.insert(m.SessionNote)
        .values(
            organization_id=session.organization_id,
            session_id=session.id,
            author_user_id=principal.user_id,
            text=text.strip(),
        )
        .returning(m.SessionNote.id)
    )
    assert note_id is not None
    event = events.event_row(
        session.organization_id, events.NOTE_CREATED, note_id, session_id=session.id
    )
    return note_id, [event]
