"""Who is looking at the inbox: the signed-in user, their departments and what they may
see. Visibility follows app.sessions.access: a user sees in their queue what they may
act on (reads elsewhere stay organization-wide, as in the API)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.db import models as m
from app.db.enums import Role
from app.errors import Unauthorized
from app.sessions.access import may_act


@dataclass(frozen=True, slots=True)
class Viewer:
    principal: Principal
    user_id: uuid.UUID
    name: str
    email: str
    role: Role
    organization_name: str
    departments: frozenset[uuid.UUID]
    is_available: bool

    @property
    def can_write(self) -> bool:
        return self.role != Role.VIEWER

    @property
    def manages(self) -> bool:
        return self.role in (Role.ADMIN, Role.SUPERVISOR)

    def may_act(self, session: m.Session) -> bool:
        if self.role == Role.ADMIN:
            return True
        if self.role == Role.VIEWER:
            return False
        return may_act(self.principal, session, set(self.departments))

    def visibility_sql(self, params: dict[str, Any]) -> str:
        """A WHERE fragment over ``session s`` (its parameters go into ``params``)."""
        if self.role in (Role.ADMIN, Role.VIEWER):
            return ""
        params["me"] = self.user_id
        params["my_departments"] = list(self.departments)
        mine = "s.assigned_department_id = ANY(:my_departments) OR s.assigned_agent_id = :me"
        if self.role == Role.SUPERVISOR:
            return f" AND ({mine} OR s.assigned_department_id IS NULL)"
        return (
            f" AND ({mine} OR (s.assigned_department_id IS NULL AND s.assigned_agent_id IS NULL))"
        )


async def load_viewer(db: AsyncSession, principal: Principal) -> Viewer:
    """The signed-in user, fresh from the database (a deactivated user is out at once)."""
    if principal.user_id is None:
        raise Unauthorized("Sign in as a user to use the inbox.", code="user_required")
    row = (
        await db.execute(
            sa.select(m.User, m.Organization.name)
            .join(m.Organization, m.Organization.id == m.User.organization_id)
            .where(m.User.id == principal.user_id)
        )
    ).first()
    if row is None or not row[0].is_active:
        raise Unauthorized("The user is no longer active.", code="user_inactive")
    user: m.User = row[0]
    departments = await db.scalars(
        sa.select(m.DepartmentMember.department_id).where(m.DepartmentMember.user_id == user.id)
    )
    return Viewer(
        principal=Principal(organization_id=user.organization_id, user_id=user.id, role=user.role),
        user_id=user.id,
        name=user.name or user.email,
        email=user.email,
        role=user.role,
        organization_name=row[1],
        departments=frozenset(departments),
        is_available=user.is_available,
    )
