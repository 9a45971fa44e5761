"""Assignment of a session to a department, an agent and an external customer id.

Round robin (unless the department turned it off): among the department's active,
available AGENTs, the one assigned longest ago (never-assigned first) gets the session.
The candidate row is locked with ``FOR UPDATE SKIP LOCKED``, so concurrent assignments
each take a different agent instead of queueing behind one row, and
``last_assigned_at`` moves the agent to the back of the line in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app import events
from app.auth.principal import Principal
from app.db import models as m
from app.db.enums import Role, SessionStatus
from app.errors import Forbidden, ValidationFailed
from app.outbox import OutboxRow
from app.sessions import lifecycle
from app.sessions.schemas import Assign


async def next_agent(db: AsyncSession, department_id: uuid.UUID) -> m.User | None:
    stmt = (
        sa.select(m.User)
        .join(m.DepartmentMember, m.DepartmentMember.user_id == m.User.id)
        .where(
            m.DepartmentMember.department_id == department_id,
            m.User.role == Role.AGENT,
            m.User.is_active.is_(True),
            m.User.is_available.is_(True),
        )
        .order_by(m.User.last_assigned_at.asc().nulls_first(), m.User.id)
        .limit(1)
        .with_for_update(of=m.User, skip_locked=True)
    )
    return await db.scalar(stmt)


async def _round_robin(db: AsyncSession, department_id: uuid.UUID) -> bool:
    """Whether the department hands sessions out in turn (else 422 for an unknown one)."""
    found = await db.scalar(
        sa.select(m.Department.round_robin).where(m.Department.id == department_id)
    )
    if found is None:
        raise ValidationFailed(
            "Unknown department.", code="unknown_department", field="departmentId"
        )
    return found


async def _require_agent(db: AsyncSession, agent_id: uuid.UUID) -> m.User:
    agent = await db.scalar(
        sa.select(m.User).where(m.User.id == agent_id, m.User.is_active.is_(True))
    )
    if agent is None or agent.role == Role.VIEWER:
        raise ValidationFailed("Unknown or inactive agent.", code="unknown_agent", field="agentId")
    return agent


def _check_body(principal: Principal, data: Assign) -> None:
    if data.department_id is None and data.agent_id is None and data.customer_id is None:
        raise ValidationFailed("Give departmentId, agentId or customerId.", field="departmentId")
    if data.auto_assign and data.department_id is None:
        raise ValidationFailed("autoAssign needs a departmentId.", field="departmentId")
    if data.auto_assign and data.agent_id is not None:
        raise ValidationFailed("Give agentId or autoAssign, not both.", field="autoAssign")
    if principal.role == Role.AGENT and data.agent_id not in (None, principal.user_id):
        raise Forbidden("An agent can only assign sessions to themselves.", field="agentId")


async def assign(
    db: AsyncSession, principal: Principal, session: m.Session, data: Assign
) -> list[OutboxRow]:
    """Apply the assignment; the events to publish."""
    lifecycle.check_open(session)
    _check_body(principal, data)
    now = datetime.now(UTC)
    if data.department_id is not None:
        in_turn = await _round_robin(db, data.department_id)
        session.assigned_department_id = data.department_id
        session.assigned_agent_id = None
        # An explicit autoAssign wins over the department's round-robin setting.
        pick = in_turn if data.auto_assign is None else data.auto_assign
        if data.agent_id is None and pick:
            agent = await next_agent(db, data.department_id)
            if agent is not None:
                agent.last_assigned_at = now
                session.assigned_agent_id = agent.id
    if data.agent_id is not None:
        agent = await _require_agent(db, data.agent_id)
        agent.last_assigned_at = now
        session.assigned_agent_id = agent.id
    if data.customer_id is not None:
        session.assigned_customer_id = data.customer_id
    session.updated_at = now
    jobs = [events.event_row(session.organization_id, events.SESSION_ASSIGNED, session.id)]
    if session.assigned_agent_id is not None and session.status == SessionStatus.QUEUED:
        jobs += lifecycle.change_status(session, SessionStatus.ACTIVE, None)
    return jobs
