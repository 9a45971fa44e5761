from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.invites import new_user_password
from app.auth.security import hash_password
from app.db import models as m
from app.db.enums import Role
from app.errors import Conflict, ValidationFailed
from app.users.schemas import User, UserCreate


async def department_ids_of(
    db: AsyncSession, user_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    rows = await db.execute(
        sa.select(m.DepartmentMember.user_id, m.DepartmentMember.department_id)
        .where(m.DepartmentMember.user_id.in_(user_ids))
        .order_by(m.DepartmentMember.department_id)
    )
    found: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for user_id, department_id in rows:
        found[user_id].append(department_id)
    return found


def user_out(row: m.User, department_ids: list[uuid.UUID]) -> User:
    return User(
        id=row.id,
        email=row.email,
        name=row.name,
        role=row.role,
        department_ids=department_ids,
        is_active=row.is_active,
        is_available=row.is_available,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def check_email_free(db: AsyncSession, email: str, exclude: uuid.UUID | None = None) -> None:
    stmt = (
        sa.select(m.User.id)
        .where(sa.func.lower(m.User.email) == email.lower())
        .execution_options(all_tenants=True)  # emails are unique across organizations
    )
    if exclude is not None:
        stmt = stmt.where(m.User.id != exclude)
    if await db.scalar(stmt) is not None:
        raise Conflict("A user with this email already exists.", code="email_taken", field="email")


async def check_departments(db: AsyncSession, department_ids: Sequence[uuid.UUID]) -> None:
    """Every id must be a department of the caller's organization (tenant-scoped)."""
    wanted = set(department_ids)
    if not wanted:
        return
    found = set(await db.scalars(sa.select(m.Department.id).where(m.Department.id.in_(wanted))))
    if missing := wanted - found:
        raise ValidationFailed(
            "Unknown department.",
            code="unknown_department",
            field="departmentIds",
            ids=sorted(str(i) for i in missing),
        )


async def set_departments(
    db: AsyncSession, user_id: uuid.UUID, department_ids: Sequence[uuid.UUID]
) -> None:
    await check_departments(db, department_ids)
    await db.execute(sa.delete(m.DepartmentMember).where(m.DepartmentMember.user_id == user_id))
    if department_ids:
        await db.execute(
            sa.insert(m.DepartmentMember),
            [{"user_id": user_id, "department_id": d} for d in dict.fromkeys(department_ids)],
        )


async def record_user(db: AsyncSession, organization_id: uuid.UUID, data: UserCreate) -> m.User:
    if data.password is None and not data.invite:
        raise ValidationFailed(
            "Give a password, or ask for an invite link with `invite: true`.",
            code="password_required",
            field="password",
        )
    await check_email_free(db, data.email)
    row = m.User(
        organization_id=organization_id,
        email=data.email,
        role=data.role,
        name=data.name or data.email.split("@")[0],
        password_hash=hash_password(data.password or new_user_password()),
        is_available=data.is_available,
    )
    db.add(row)
    await db.flush()
    await set_departments(db, row.id, data.department_ids)
    return row


async def check_keeps_an_admin(db: AsyncSession, user: m.User, changes: dict[str, Any]) -> None:
    """An organization always keeps one active administrator."""
    losing_admin = user.role == Role.ADMIN and (
        changes.get("role", Role.ADMIN) != Role.ADMIN or changes.get("is_active", True) is False
    )
    if not losing_admin:
        return
    others = await db.scalar(
        sa.select(sa.func.count())
        .select_from(m.User)
        .where(m.User.role == Role.ADMIN, m.User.is_active.is_(True), m.User.id != user.id)
    )
    if not others:
        raise Conflict(
            "The organization needs at least one active administrator.", code="last_admin"
        )
