"""``by-contact``: one page of a contact's history in falecomigo's shape.

Pages walk back in time (page 1 holds the most recent ``limit`` messages) and each
page lists its messages oldest first, so a client shows page 1 and loads older pages
as the reader scrolls up. Both queries ride ``ix_message_contact_created`` and
``ix_session_contact_created``.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.contacts.services import contact_out, require_contact
from app.db import models as m
from app.db.enums import SessionStatus
from app.messages.schemas import HistoryMessage
from app.messages.services import message_out
from app.pagination import pagination
from app.sessions.schemas import ContactHistory, DepartmentRef, SessionWithMessages
from app.sessions.services import session_out
from app.tabulations import services as tabulations


async def _page_of_messages(
    db: AsyncSession, contact_id: uuid.UUID, page: int, limit: int
) -> tuple[list[m.Message], int]:
    total = await db.scalar(
        sa.select(sa.func.count()).select_from(m.Message).where(m.Message.contact_id == contact_id)
    )
    newest_first = (
        await db.scalars(
            sa.select(m.Message)
            .where(m.Message.contact_id == contact_id)
            .order_by(m.Message.created_at.desc(), m.Message.id.desc())
            .limit(limit)
            .offset((page - 1) * limit)
        )
    ).all()
    return list(reversed(newest_first)), total or 0


async def _sessions(
    db: AsyncSession, contact_id: uuid.UUID, wanted: set[uuid.UUID]
) -> tuple[list[m.Session], m.Session | None]:
    """The sessions the page touches, and the contact's latest session."""
    latest = await db.scalar(
        sa.select(m.Session)
        .where(m.Session.contact_id == contact_id)
        .order_by(m.Session.created_at.desc(), m.Session.id.desc())
        .limit(1)
    )
    rows: list[m.Session] = []
    if wanted:
        rows = list(
            (
                await db.scalars(
                    sa.select(m.Session)
                    .where(m.Session.id.in_(wanted))
                    .order_by(m.Session.created_at, m.Session.id)
                )
            ).all()
        )
    return rows, latest


async def _department(db: AsyncSession, session: m.Session | None) -> DepartmentRef | None:
    if session is None or session.assigned_department_id is None:
        return None
    row = (
        await db.execute(
            sa.select(m.Department.id, m.Department.name).where(
                m.Department.id == session.assigned_department_id
            )
        )
    ).first()
    return DepartmentRef(id=row.id, name=row.name) if row else None


async def contact_history(
    db: AsyncSession, contact_id: uuid.UUID, page: int, limit: int
) -> ContactHistory:
    contact = await require_contact(db, contact_id)
    messages, total = await _page_of_messages(db, contact_id, page, limit)
    rows, latest = await _sessions(db, contact_id, {msg.session_id for msg in messages})
    session_tabs = await tabulations.of_sessions(db, [r.id for r in rows])
    contact_tabs = await tabulations.of_contacts(db, [contact.id])
    by_session = {r.id: r for r in rows}
    outs = {msg.id: message_out(msg) for msg in messages}
    sessions = []
    for row in rows:
        base = session_out(row, session_tabs.get(row.id, []))
        own = [outs[msg.id] for msg in messages if msg.session_id == row.id]
        sessions.append(SessionWithMessages(**_fields(base), messages=own))
    all_messages = [
        HistoryMessage(
            **_fields(outs[msg.id]),
            started_by=by_session[msg.session_id].started_by,
            session_status=by_session[msg.session_id].status,
        )
        for msg in messages
    ]
    return ContactHistory(
        contact=contact_out(contact, contact_tabs.get(contact.id, [])),
        sessions=sessions,
        all_messages=all_messages,
        is_last_session_closed=latest is None or latest.status == SessionStatus.CLOSED,
        last_session_id=latest.id if latest else None,
        last_session_status=latest.status if latest else None,
        last_session_assigned_department=await _department(db, latest),
        pagination=pagination(total, page, limit),
    )


def _fields(struct: msgspec.Struct) -> dict[str, Any]:
    return {name: getattr(struct, name) for name in struct.__struct_fields__}
