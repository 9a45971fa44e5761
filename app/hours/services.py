"""Reading and writing one level's business hours, and what applies at an instant.
Every look-up goes through the tenant-scoped session: another organization's
department or connection is a 404 like a missing one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.connections.services import require_connection
from app.db import models as m
from app.errors import ValidationFailed
from app.hours import holiday_calendar
from app.hours.calendar import status
from app.hours.effective import Level, default_notice, effective, next_opening_text
from app.hours.schemas import (
    BusinessHours,
    BusinessHoursInput,
    Holiday,
    HolidayRule,
    HoursStatus,
    Override,
    Scope,
)
from app.hours.validation import check_document, check_holidays, check_message
from app.organization.services import require_organization
from app.records import require

MIN_YEAR, MAX_YEAR = 1900, 2200


class Target(msgspec.Struct, frozen=True):
    scope: Scope
    id: uuid.UUID | None = None


async def _org_row(db: AsyncSession) -> m.BusinessHoursRow | None:
    return await db.scalar(
        sa.select(m.BusinessHoursRow).where(m.BusinessHoursRow.department_id.is_(None))
    )


async def _department_row(db: AsyncSession, department_id: uuid.UUID) -> m.BusinessHoursRow | None:
    return await db.scalar(
        sa.select(m.BusinessHoursRow).where(m.BusinessHoursRow.department_id == department_id)
    )


def _level(scope: str, row: m.BusinessHoursRow | None) -> Level:
    return Level(scope, row.document if row else None, row.out_of_hours_message if row else None)


async def levels(db: AsyncSession, target: Target) -> list[Level]:
    """The target's level, then the ones it falls back to (404 for an unknown id)."""
    org = _level("organization", await _org_row(db))
    if target.scope == "department":
        assert target.id is not None
        await require(db, m.Department, target.id)
        return [_level("department", await _department_row(db, target.id)), org]
    if target.scope == "connection":
        assert target.id is not None
        row = await require_connection(db, target.id)
        return [Level("connection", row.business_hours, row.out_of_hours_message), org]
    return [org]


async def turn_levels(
    db: AsyncSession, connection_id: uuid.UUID | None, department_id: uuid.UUID | None
) -> list[Level]:
    """The levels a session of this number and department falls back through (the bot's
    test box; the responder reads the same in its turn query)."""
    found: list[Level] = []
    if connection_id is not None:
        row = await require_connection(db, connection_id)
        found.append(Level("connection", row.business_hours, row.out_of_hours_message))
    if department_id is not None:
        await require(db, m.Department, department_id)
        found.append(_level("department", await _department_row(db, department_id)))
    return [*found, _level("organization", await _org_row(db))]


async def read(db: AsyncSession, principal: Principal, target: Target) -> BusinessHours:
    organization = await require_organization(db, principal.organization_id)
    found = await levels(db, target)
    own, applied = found[0], effective(*found)
    updated_at = await _updated_at(db, target)
    document = dict(applied.document or _blank(organization))
    holidays = document.get("holidays") or {}
    return BusinessHours(
        scope=target.scope,
        configured=own.document is not None,
        inherited_from=None if own.document is not None else applied.scope,  # type: ignore[arg-type]
        timezone=str(document.get("timezone") or organization.timezone),
        weekly={str(k): v for k, v in (document.get("weekly") or {}).items()},
        holidays=msgspec.convert(holidays, HolidayRule) if holidays else HolidayRule(closed=False),
        overrides=msgspec.convert(document.get("overrides") or [], list[Override]),
        out_of_hours_message=own.message,
        out_of_hours_message_default=default_notice(organization.name, "{{proxima_abertura}}"),
        updated_at=updated_at,
    )


def _blank(organization: m.Organization) -> dict[str, Any]:
    return {
        "timezone": organization.timezone,
        "weekly": {},
        "holidays": {
            "country": "BR",
            "subdivision": organization.holiday_subdivision,
            "closed": True,
        },
        "overrides": [],
    }


async def _updated_at(db: AsyncSession, target: Target) -> datetime | None:
    if target.scope == "connection":
        assert target.id is not None
        return (await require_connection(db, target.id)).updated_at
    row = await (_department_row(db, target.id) if target.id else _org_row(db))
    return row.updated_at if row else None


async def write(
    db: AsyncSession, principal: Principal, target: Target, data: BusinessHoursInput
) -> BusinessHours:
    organization = await require_organization(db, principal.organization_id)
    await levels(db, target)  # 404 before validation answers for another tenant's id
    document = check_document(data, organization.timezone)
    message = check_message(data.out_of_hours_message)
    if target.scope == "connection":
        assert target.id is not None
        connection = await require_connection(db, target.id)
        connection.business_hours = document
        connection.out_of_hours_message = message
    else:
        row = await (_department_row(db, target.id) if target.id else _org_row(db))
        if row is None:
            row = m.BusinessHoursRow(
                organization_id=principal.organization_id, department_id=target.id
            )
            db.add(row)
        row.document = document
        row.out_of_hours_message = message
    _audit(db, principal, target, "business_hours.updated")
    await db.commit()
    return await read(db, principal, target)


async def remove(db: AsyncSession, principal: Principal, target: Target) -> None:
    """The level falls back to the next one (the organization's: always open)."""
    await levels(db, target)
    if target.scope == "connection":
        assert target.id is not None
        connection = await require_connection(db, target.id)
        connection.business_hours = None
        connection.out_of_hours_message = None
    else:
        row = await (_department_row(db, target.id) if target.id else _org_row(db))
        if row is not None:
            await db.delete(row)
    _audit(db, principal, target, "business_hours.deleted")
    await db.commit()


def _audit(db: AsyncSession, principal: Principal, target: Target, action: str) -> None:
    db.add(
        m.AuditLog(
            organization_id=principal.organization_id,
            actor_user_id=principal.user_id,
            actor_api_key_id=principal.api_key_id,
            action=action,
            target_type=target.scope,
            target_id=str(target.id or principal.organization_id),
            data={},
        )
    )


async def current_status(
    db: AsyncSession, principal: Principal, target: Target, at: datetime | None
) -> HoursStatus:
    organization = await require_organization(db, principal.organization_id)
    applied = effective(*await levels(db, target))
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    calendar = applied.calendar(organization.timezone)
    state = status(calendar, moment)
    return HoursStatus(
        open=state.open,
        next_opening_at=state.next_opening_at.astimezone(calendar.tz)
        if state.next_opening_at and calendar
        else None,
        reason=state.reason,
        closes_at=state.closes_at.astimezone(calendar.tz) if state.closes_at and calendar else None,
        timezone=str(calendar.tz.key) if calendar else organization.timezone,
        decided_by=applied.scope,  # type: ignore[arg-type]
        next_opening_text=next_opening_text(state, calendar) if state.next_opening_at else None,
    )


def holiday_preview(year: int, country: str, subdivision: str | None) -> list[Holiday]:
    """The year's public holidays (the page's preview); 422 for an unknown country,
    subdivision or a year out of range."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(
            f"year must be between {MIN_YEAR} and {MAX_YEAR}.", code="invalid_year", field="year"
        )
    try:
        rule = check_holidays(HolidayRule(country=country, subdivision=subdivision))
    except ValidationFailed as exc:  # named as the query parameter the client sent
        exc.extra["field"] = str(exc.extra.get("field", "")).removeprefix("holidays.")
        raise
    found = holiday_calendar.holidays_for(rule["country"], rule["subdivision"], year)
    return [Holiday(date=day, name=name) for day, name in found]


__all__ = [
    "Target",
    "current_status",
    "holiday_preview",
    "levels",
    "read",
    "remove",
    "write",
]
