"""Who may act on what, in one place (API.md roles):

- ADMIN (and every API key): the whole organization.
- SUPERVISOR: sessions of their departments, sessions with no department yet (the
  general queue) and sessions assigned to them; tabulations of their departments.
- AGENT: sessions of their departments, sessions assigned to them, and unclaimed
  sessions (no department, no agent).
- VIEWER: reads only (enforced for every route by ``app.auth.guards.writers_only``).

Reads are organization-wide for every role: agents see the history they may be asked
about; what a role may *change* is decided here.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.db import models as m
from app.db.enums import Role
from app.errors import Forbidden


async def departments_of(db: AsyncSession, user_id: uuid.UUID | None) -> set[uuid.UUID]:
    if user_id is None:
        return set()
    rows = await db.scalars(
        sa.select(m.DepartmentMember.department_id).where(m.DepartmentMember.user_id == user_id)
    )
    return set(rows)


def may_act(principal: Principal, session: m.Session, departments: set[uuid.UUID]) -> bool:
    department, agent = session.assigned_department_id, session.assigned_agent_id
    if principal.user_id is not None and agent == principal.user_id:
        return True
    if department is not None and department in departments:
        return True
    if principal.role == Role.SUPERVISOR:
        return department is None
    return department is None and agent is None


async def check_can_act(db: AsyncSession, principal: Principal, session: m.Session) -> None:
    """Raise 403 unless the caller may change this session (or write in it)."""
    if principal.role == Role.ADMIN:
        return
    if principal.role in (Role.SUPERVISOR, Role.AGENT):
        departments = await departments_of(db, principal.user_id)
        if may_act(principal, session, departments):
            return
    raise Forbidden(
        "This session belongs to a department you are not in.", code="session_forbidden"
    )


async def check_can_manage(
    db: AsyncSession, principal: Principal, department_id: uuid.UUID | None
) -> None:
    """Department-scoped configuration (tabulations): ADMIN anything, SUPERVISOR only
    what belongs to one of their departments."""
    if principal.role == Role.ADMIN:
        return
    if principal.role == Role.SUPERVISOR and department_id is not None:
        mine = await departments_of(db, principal.user_id)
        if department_id in mine:
            return
    raise Forbidden("Only an administrator or the department's supervisor can do this.")


def check_can_edit_contacts(principal: Principal) -> None:
    if principal.role == Role.VIEWER:
        raise Forbidden("Viewers can only read.")
