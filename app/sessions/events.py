"""The session history as the API shows it (``GET /sessions/{id}/history``), and the
queue states the helpdesks know it by.

Queue states, from each event's state after the change:

- ``AUTOMATION`` (automação): open, no agent, ACTIVE — the AI or the bot holds it;
- ``WAITING`` (espera): open, no agent, QUEUED or PAUSED — handed off, waiting for a human;
- ``ATTENDING`` (atendimento): open with an agent assigned;
- ``CLOSED`` (encerrado).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import models as m
from app.db.enums import SessionStatus
from app.sessions.schemas import Actor, QueueState, SessionHistoryEvent


def queue_state(status: SessionStatus | str, agent_id: uuid.UUID | None) -> QueueState:
    if status == SessionStatus.CLOSED:
        return QueueState.CLOSED
    if agent_id is not None:
        return QueueState.ATTENDING
    if status == SessionStatus.ACTIVE:
        return QueueState.AUTOMATION
    return QueueState.WAITING


# The same mapping in SQL, over session_event ``e`` (app/inbox/dashboard.py).
QUEUE_STATE_SQL = """
CASE WHEN e.status = 'CLOSED' THEN 'CLOSED'
     WHEN e.assigned_agent_id IS NOT NULL THEN 'ATTENDING'
     WHEN e.status = 'ACTIVE' THEN 'AUTOMATION'
     ELSE 'WAITING' END
"""


def event_out(row: m.SessionEvent) -> SessionHistoryEvent:
    return SessionHistoryEvent(
        kind=row.kind,
        status=row.status,
        from_status=row.from_status,
        queue_state=queue_state(row.status, row.assigned_agent_id),
        reason=row.reason,
        by=Actor(type=row.actor_type, id=row.actor_id),
        at=row.at,
        assigned_department_id=row.assigned_department_id,
        assigned_agent_id=row.assigned_agent_id,
        assigned_customer_id=row.assigned_customer_id,
    )


async def history_of(db: AsyncSession, session_id: uuid.UUID) -> list[SessionHistoryEvent]:
    """Oldest first (the trigger's ids follow commit order within a session: its row is
    locked by every change)."""
    rows = await db.scalars(
        sa.select(m.SessionEvent)
        .where(m.SessionEvent.session_id == session_id)
        .order_by(m.SessionEvent.id)
    )
    return [event_out(r) for r in rows]


async def histories_of(
    db: AsyncSession, session_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[SessionHistoryEvent]]:
    found: dict[uuid.UUID, list[SessionHistoryEvent]] = defaultdict(list)
    if not session_ids:
        return found
    rows = await db.scalars(
        sa.select(m.SessionEvent)
        .where(m.SessionEvent.session_id.in_(session_ids))
        .order_by(m.SessionEvent.session_id, m.SessionEvent.id)
    )
    for row in rows:
        found[row.session_id].append(event_out(row))
    return found
