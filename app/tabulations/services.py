"""Tabulations and their links to contacts and sessions. The link tables carry no
organization id, so every id is checked against the caller's (scoped) tabulations
before a link is written."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import models as m
from app.db.models.history import AutoTrigger
from app.errors import Conflict, ValidationFailed
from app.tabulations.schemas import Tabulation


def tabulation_out(row: m.Tabulation) -> Tabulation:
    return Tabulation(
        id=row.id,
        name=row.name,
        description=row.description,
        background_color=row.background_color,
        auto_tabulation=row.auto_tabulation,
        auto_trigger=row.auto_trigger,
        department_id=row.department_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def check_name_free(db: AsyncSession, name: str, exclude: uuid.UUID | None = None) -> None:
    stmt = sa.select(m.Tabulation.id).where(sa.func.lower(m.Tabulation.name) == name.lower())
    if exclude is not None:
        stmt = stmt.where(m.Tabulation.id != exclude)
    if await db.scalar(stmt) is not None:
        raise Conflict("A tabulation with this name exists.", code="name_taken", field="name")


async def check_department(db: AsyncSession, department_id: uuid.UUID | None) -> None:
    if department_id is None:
        return
    if await db.scalar(sa.select(m.Department.id).where(m.Department.id == department_id)) is None:
        raise ValidationFailed(
            "Unknown department.", code="unknown_department", field="departmentId"
        )


async def check_tabulations(
    db: AsyncSession, ids: Sequence[uuid.UUID], field: str = "tabulationIds"
) -> list[uuid.UUID]:
    """The distinct ids, each one a tabulation of the caller's organization, else 422."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = set(await db.scalars(sa.select(m.Tabulation.id).where(m.Tabulation.id.in_(wanted))))
    if missing := [i for i in wanted if i not in found]:
        raise ValidationFailed(
            "Unknown tabulation.",
            code="unknown_tabulation",
            field=field,
            ids=[str(i) for i in missing],
        )
    return wanted


def in_scope(department_id: uuid.UUID | None) -> sa.ColumnElement[bool]:
    """The tabulations that may be applied to a session of ``department_id``: the ones
    without a department and the department's own."""
    scope = m.Tabulation.department_id.is_(None)
    if department_id is None:
        return scope
    return sa.or_(scope, m.Tabulation.department_id == department_id)


async def check_in_scope(
    db: AsyncSession,
    ids: Sequence[uuid.UUID],
    department_id: uuid.UUID | None,
    field: str = "tabulationIds",
) -> None:
    """422 ``tabulation_out_of_scope`` for a tabulation of another department than the
    session's (a session without a department takes only unscoped tabulations)."""
    if not ids:
        return
    outside = list(
        await db.scalars(
            sa.select(m.Tabulation.id).where(
                m.Tabulation.id.in_(ids), sa.not_(in_scope(department_id))
            )
        )
    )
    if outside:
        raise ValidationFailed(
            "A tabulation of another department cannot be applied to this session.",
            code="tabulation_out_of_scope",
            field=field,
            ids=[str(i) for i in outside],
            departmentId=str(department_id) if department_id else None,
        )


def check_auto_trigger(auto_tabulation: bool, trigger: AutoTrigger | None) -> None:
    """``autoTrigger`` belongs to an automatic tabulation. An automatic one without it is
    applied by nothing but a bot rule's TABULATE action (the flag as it was before
    triggers existed)."""
    if trigger is not None and not auto_tabulation:
        raise ValidationFailed(
            "autoTrigger applies only with autoTabulation: true.",
            code="auto_trigger_without_auto",
            field="autoTrigger",
        )


async def link_contact(db: AsyncSession, contact_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> None:
    if ids:
        await db.execute(
            insert(m.ContactTabulation)
            .values([{"contact_id": contact_id, "tabulation_id": t} for t in ids])
            .on_conflict_do_nothing()
        )


async def unlink_contact(db: AsyncSession, contact_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> None:
    await db.execute(
        sa.delete(m.ContactTabulation).where(
            m.ContactTabulation.contact_id == contact_id,
            m.ContactTabulation.tabulation_id.in_(ids),
        )
    )


async def link_session(db: AsyncSession, session_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> None:
    if ids:
        await db.execute(
            insert(m.SessionTabulation)
            .values([{"session_id": session_id, "tabulation_id": t} for t in ids])
            .on_conflict_do_nothing()
        )


async def unlink_session(db: AsyncSession, session_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> None:
    await db.execute(
        sa.delete(m.SessionTabulation).where(
            m.SessionTabulation.session_id == session_id,
            m.SessionTabulation.tabulation_id.in_(ids),
        )
    )


async def of_contacts(
    db: AsyncSession, contact_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Tabulation]]:
    found: dict[uuid.UUID, list[Tabulation]] = defaultdict(list)
    if not contact_ids:
        return found
    rows = await db.execute(
        sa.select(m.ContactTabulation.contact_id, m.Tabulation)
        .join(m.Tabulation, m.Tabulation.id == m.ContactTabulation.tabulation_id)
        .where(m.ContactTabulation.contact_id.in_(contact_ids))
        .order_by(m.ContactTabulation.created_at, m.Tabulation.name)
    )
    for contact_id, tabulation in rows:
        found[contact_id].append(tabulation_out(tabulation))
    return found


async def of_sessions(
    db: AsyncSession, session_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Tabulation]]:
    found: dict[uuid.UUID, list[Tabulation]] = defaultdict(list)
    if not session_ids:
        return found
    rows = await db.execute(
        sa.select(m.SessionTabulation.session_id, m.Tabulation)
        .join(m.Tabulation, m.Tabulation.id == m.SessionTabulation.tabulation_id)
        .where(m.SessionTabulation.session_id.in_(session_ids))
        .order_by(m.SessionTabulation.created_at, m.Tabulation.name)
    )
    for session_id, tabulation in rows:
        found[session_id].append(tabulation_out(tabulation))
    return found
