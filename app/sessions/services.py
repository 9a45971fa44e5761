"""Sessions: reading them in the API shape, filters, the AI block."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app import events
from app.auth.principal import Principal
from app.db import models as m
from app.db.enums import Role, SessionStatus, StartedBy
from app.errors import Conflict, NotFound, ValidationFailed
from app.outbox import OutboxRow
from app.records import require
from app.sessions.schemas import AiStatus, Session, SessionCreate
from app.tabulations import services as tabulations
from app.tabulations.schemas import Tabulation


def session_out(row: m.Session, tabs: list[Tabulation]) -> Session:
    return Session(
        id=row.id,
        contact_id=row.contact_id,
        connection_id=row.connection_id,
        organization_id=row.organization_id,
        status=row.status,
        started_by=row.started_by,
        status_reason=row.status_reason,
        end_reason=row.end_reason,
        external_id=row.external_id,
        assigned_department_id=row.assigned_department_id,
        assigned_agent_id=row.assigned_agent_id,
        assigned_customer_id=row.assigned_customer_id,
        concat_timeout=row.concat_timeout,
        ai_blocked_until=row.ai_blocked_until,
        ai_block_reason=row.ai_block_reason,
        first_response_at=row.first_response_at,
        last_message_at=row.last_message_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        closed_at=row.closed_at,
        tabulations=tabs,
    )


async def sessions_out(db: AsyncSession, rows: Sequence[m.Session]) -> list[Session]:
    tabs = await tabulations.of_sessions(db, [r.id for r in rows])
    return [session_out(r, tabs.get(r.id, [])) for r in rows]


async def load_session(db: AsyncSession, session_id: uuid.UUID) -> Session:
    """The session as the API shows it, read fresh after a commit."""
    row = await require(db, m.Session, session_id)
    await db.refresh(row)
    return (await sessions_out(db, [row]))[0]


async def require_session(
    db: AsyncSession, session_id: uuid.UUID, *, for_update: bool = False
) -> m.Session:
    """The session or 404; locked when it is about to change, so two concurrent
    changes of one session apply one after the other."""
    stmt = sa.select(m.Session).where(m.Session.id == session_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = await db.scalar(stmt)
    if row is None:
        raise NotFound("No such session.", id=str(session_id))
    return row


def list_statement(
    *,
    status: SessionStatus | None,
    contact_id: uuid.UUID | None,
    connection_id: uuid.UUID | None,
    department_id: uuid.UUID | None,
    agent_id: uuid.UUID | None,
    tabulation_id: uuid.UUID | None,
    updated_since: datetime | None,
) -> sa.Select[Any]:
    """Most recently updated first, which is what the org/updated indexes serve."""
    stmt = sa.select(m.Session).order_by(m.Session.updated_at.desc(), m.Session.id.desc())
    filters = {
        m.Session.status: status,
        m.Session.contact_id: contact_id,
        m.Session.connection_id: connection_id,
        m.Session.assigned_department_id: department_id,
        m.Session.assigned_agent_id: agent_id,
    }
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(column == value)
    if tabulation_id is not None:
        stmt = stmt.where(
            sa.exists().where(
                m.SessionTabulation.session_id == m.Session.id,
                m.SessionTabulation.tabulation_id == tabulation_id,
            )
        )
    if updated_since is not None:
        stmt = stmt.where(m.Session.updated_at >= updated_since)
    return stmt


async def ai_status(db: AsyncSession, session: m.Session) -> AiStatus:
    """Blocks end by time alone: an expired block reads as no block."""
    row = (
        await db.execute(
            sa.select(m.Contact.bypass_bots, m.Connection.ai_enabled)
            .select_from(m.Session)
            .join(m.Contact, m.Contact.id == m.Session.contact_id)
            .join(m.Connection, m.Connection.id == m.Session.connection_id)
            .where(m.Session.id == session.id)
        )
    ).one()
    now = datetime.now(UTC)
    until = session.ai_blocked_until
    blocked = until is not None and until > now
    return AiStatus(
        ai_blocked=blocked,
        ai_blocked_until=until if blocked else None,
        ai_block_reason=session.ai_block_reason if blocked else None,
        remaining_seconds=math.ceil((until - now).total_seconds()) if blocked and until else 0,
        bypass_bots=row.bypass_bots,
        ai_enabled=row.ai_enabled,
    )


def block_ai(session: m.Session, minutes: int, reason: str | None) -> None:
    session.ai_blocked_until = datetime.now(UTC) + timedelta(minutes=minutes)
    session.ai_block_reason = reason or "blocked through the API"


def unblock_ai(session: m.Session) -> list[OutboxRow]:
    session.ai_blocked_until = None
    session.ai_block_reason = None
    return [events.event_row(session.organization_id, events.SESSION_AI_UNBLOCKED, session.id)]


async def open_session(
    db: AsyncSession, principal: Principal, data: SessionCreate
) -> tuple[uuid.UUID, list[OutboxRow]]:
    """Open a session for ``data.contact_id`` on ``data.connection_id``; 409 with the
    open session's id when the contact already has one there."""
    contact = await db.scalar(
        sa.select(m.Contact).where(m.Contact.id == data.contact_id, m.Contact.erased_at.is_(None))
    )
    if contact is None:
        raise ValidationFailed("Unknown contact.", code="unknown_contact", field="contactId")
    connection = await db.scalar(
        sa.select(m.Connection.id).where(m.Connection.id == data.connection_id)
    )
    if connection is None:
        raise ValidationFailed(
            "Unknown connection.", code="unknown_connection", field="connectionId"
        )
    by_user = principal.user_id is not None and principal.role != Role.VIEWER
    session_id = await db.scalar(
        insert(m.Session)
        .values(
            organization_id=principal.organization_id,
            contact_id=contact.id,
            connection_id=connection,
            status=SessionStatus.ACTIVE,
            started_by=StartedBy.AGENT if by_user else StartedBy.BUSINESS,
            assigned_agent_id=principal.user_id if by_user else None,
            external_id=data.external_id,
        )
        .on_conflict_do_nothing(
            index_elements=["contact_id", "connection_id"],
            index_where=sa.text("status <> 'CLOSED'"),
        )
        .returning(m.Session.id)
    )
    if session_id is None:
        existing = await db.scalar(
            sa.select(m.Session.id).where(
                m.Session.contact_id == contact.id,
                m.Session.connection_id == connection,
                m.Session.status != SessionStatus.CLOSED,
            )
        )
        raise Conflict(
            "The contact has an open session on this connection.",
            code="session_open",
            sessionId=str(existing) if existing else None,
        )
    return session_id, [
        events.event_row(principal.organization_id, events.SESSION_CREATED, session_id)
    ]
