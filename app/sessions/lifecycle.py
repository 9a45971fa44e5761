"""The session lifecycle: QUEUED → ACTIVE → PAUSED → CLOSED, moving freely among the
open states; CLOSED is final (a new customer message opens a new session)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app import events
from app.db import models as m
from app.db.enums import SessionStatus
from app.errors import InvalidTransition, ValidationFailed
from app.outbox import OutboxRow
from app.tabulations import services as tabulations

OPEN = frozenset({SessionStatus.QUEUED, SessionStatus.ACTIVE, SessionStatus.PAUSED})


def check_open(session: m.Session) -> None:
    if session.status == SessionStatus.CLOSED:
        raise InvalidTransition(
            "The session is closed and cannot be reopened; a new message opens a new session.",
            current=session.status.value,
        )


def change_status(session: m.Session, status: SessionStatus, reason: str | None) -> list[OutboxRow]:
    """Move an open session to another open status; the events to publish."""
    check_open(session)
    if status == SessionStatus.CLOSED:
        raise InvalidTransition("Close a session through close.", current=session.status.value)
    if reason is not None:
        session.status_reason = reason
    if session.status == status:
        return []
    session.status = status
    session.updated_at = datetime.now(UTC)
    return [events.event_row(session.organization_id, events.SESSION_STATUS_CHANGED, session.id)]


async def _requires_tabulation(db: AsyncSession, department_id: uuid.UUID | None) -> bool:
    if department_id is None:
        return False
    required = await db.scalar(
        sa.select(m.Department.requires_tabulation).where(m.Department.id == department_id)
    )
    return bool(required)


async def close(
    db: AsyncSession,
    session: m.Session,
    end_reason: str | None,
    tabulation_ids: list[uuid.UUID],
) -> list[OutboxRow]:
    check_open(session)
    ids = await tabulations.check_tabulations(db, tabulation_ids)
    await tabulations.check_in_scope(db, ids, session.assigned_department_id)
    await tabulations.link_session(db, session.id, ids)
    if await _requires_tabulation(db, session.assigned_department_id):
        count = await db.scalar(
            sa.select(sa.func.count())
            .select_from(m.SessionTabulation)
            .where(m.SessionTabulation.session_id == session.id)
        )
        if not count:
            raise ValidationFailed(
                "This session's department requires a tabulation to close.",
                code="tabulation_required",
                field="tabulationIds",
            )
    now = datetime.now(UTC)
    session.status = SessionStatus.CLOSED
    session.end_reason = end_reason
    session.closed_at = now
    session.updated_at = now
    org = session.organization_id
    return [
        events.event_row(org, events.SESSION_STATUS_CHANGED, session.id),
        events.event_row(org, events.SESSION_CLOSED, session.id),
    ]
