"""Quick replies: an agent's shortcuts (``/saudacao``) with variables filled in for the
session at hand."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import models as m
from app.errors import Conflict
from app.quick_replies.schemas import QuickReply

VARIABLES = (
    "contact.name",
    "contact.firstName",
    "contact.phone",
    "agent.name",
    "agent.firstName",
    "department.name",
    "organization.name",
)
_VARIABLE = re.compile(r"\{\s*([a-zA-Z]+\.[a-zA-Z]+)\s*\}")


def quick_reply_out(row: m.QuickReply) -> QuickReply:
    return QuickReply(
        id=row.id,
        shortcut=row.shortcut,
        content=row.content,
        department_id=row.department_id,
        created_at=row.created_at,
    )


def fill(content: str, values: Mapping[str, str | None]) -> str:
    """Replace known variables; an unknown one, or one without a value, stays as typed
    so the agent sees what is missing before sending."""

    def one(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return value if value else match.group(0)

    return _VARIABLE.sub(one, content)


def variables_for(
    *,
    contact_name: str | None,
    contact_phone: str | None,
    agent_name: str | None,
    department_name: str | None,
    organization_name: str | None,
) -> dict[str, str | None]:
    def first(name: str | None) -> str | None:
        return name.split()[0] if name and name.split() else None

    return {
        "contact.name": contact_name,
        "contact.firstName": first(contact_name),
        "contact.phone": contact_phone,
        "agent.name": agent_name,
        "agent.firstName": first(agent_name),
        "department.name": department_name,
        "organization.name": organization_name,
    }


async def check_shortcut_free(
    db: AsyncSession, shortcut: str, exclude: uuid.UUID | None = None
) -> None:
    stmt = sa.select(m.QuickReply.id).where(m.QuickReply.shortcut == shortcut)
    if exclude is not None:
        stmt = stmt.where(m.QuickReply.id != exclude)
    if await db.scalar(stmt) is not None:
        raise Conflict(
            "A quick reply with this shortcut exists.", code="shortcut_taken", field="shortcut"
        )


async def usable_by(db: AsyncSession, departments: set[uuid.UUID] | None) -> list[m.QuickReply]:
    """The organization-wide replies and those of ``departments`` (None: all)."""
    stmt = sa.select(m.QuickReply).order_by(m.QuickReply.shortcut)
    if departments is not None:
        stmt = stmt.where(
            sa.or_(
                m.QuickReply.department_id.is_(None),
                m.QuickReply.department_id.in_(departments),
            )
        )
    return list((await db.scalars(stmt)).all())
