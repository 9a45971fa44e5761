"""Reading and changing the caller's organization. The organization row is not
tenant-scoped (it is the tenant), so every look-up here is by the caller's own id and
another organization cannot be named at all."""

from __future__ import annotations

import functools
import uuid
import zoneinfo
from typing import Any

import holidays
from sqlalchemy.ext.asyncio import AsyncSession

import prompts
from app.auth.principal import Principal
from app.db import models as m
from app.errors import NotFound, ValidationFailed
from app.organization.schemas import Organization, OrganizationUpdate
from app.records import unset_fields

# The body's field names as the API spells them (the audit log names what changed).
_API_NAMES = dict(
    zip(
        OrganizationUpdate.__struct_fields__,
        OrganizationUpdate.__struct_encode_fields__,
        strict=True,
    )
)
# Names the IANA database ships that are no place's clock: "localtime" is whatever the
# server runs in, "Factory" a placeholder zone.
_NOT_PLACES = frozenset({"localtime", "Factory"})

# Brazil's zones, the most common first (what the settings page lists before the rest).
BRAZILIAN_ZONES: tuple[str, ...] = (
    "America/Sao_Paulo",
    "America/Bahia",
    "America/Fortaleza",
    "America/Recife",
    "America/Maceio",
    "America/Belem",
    "America/Santarem",
    "America/Araguaina",
    "America/Noronha",
    "America/Manaus",
    "America/Cuiaba",
    "America/Campo_Grande",
    "America/Porto_Velho",
    "America/Boa_Vista",
    "America/Rio_Branco",
    "America/Eirunepe",
)


@functools.cache
def zones() -> frozenset[str]:
    """Every IANA zone this machine knows (zoneinfo), the names the API accepts."""
    return frozenset(zoneinfo.available_timezones() - _NOT_PLACES)


@functools.cache
def states() -> tuple[str, ...]:
    """The 27 federative units' codes as the ``holidays`` package knows them (the
    campaigns' holiday calendar): its other Brazilian subdivisions are cities."""
    known = holidays.country_holidays("BR").subdivisions
    return tuple(sorted(code for code in known if len(code) == 2 and code.isalpha()))


def check_timezone(name: str) -> str:
    if name not in zones():
        raise ValidationFailed(
            f"Unknown time zone {name!r}: use an IANA name such as America/Sao_Paulo.",
            code="invalid_timezone",
            field="timezone",
        )
    return name


def check_subdivision(code: str | None) -> str | None:
    """The state's code in upper case ("sp" is SP); None keeps national holidays only."""
    if code is None:
        return None
    wanted = code.strip().upper()
    if wanted not in states():
        raise ValidationFailed(
            f"Unknown Brazilian state {code!r}: use its two-letter code, such as SP, "
            "or null for national holidays only.",
            code="invalid_subdivision",
            field="holidaySubdivision",
            allowed=list(states()),
        )
    return wanted


def check_name(name: str) -> str:
    if not name.strip():
        raise ValidationFailed("The name cannot be blank.", field="name")
    return name.strip()


def default_opt_out_message(organization_name: str) -> str:
    """What an opted-out customer is told when the organization wrote nothing of its
    own: the responder's template, filled in the same way (workers/respond.py)."""
    return prompts.render("opt_out_confirmation", organization_name=organization_name)


def organization_out(row: m.Organization) -> Organization:
    return Organization(
        id=row.id,
        name=row.name,
        timezone=row.timezone,
        holiday_subdivision=row.holiday_subdivision,
        opt_out_message=row.opt_out_message,
        opt_out_message_default=default_opt_out_message(row.name),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def require_organization(db: AsyncSession, organization_id: uuid.UUID) -> m.Organization:
    row = await db.get(m.Organization, organization_id)
    if row is None:  # the caller's credentials outlived their organization
        raise NotFound("No such organization.")
    return row


def checked_changes(data: OrganizationUpdate) -> dict[str, Any]:
    """The body's fields, each validated, as column values."""
    changes = unset_fields(data)
    if "name" in changes:
        changes["name"] = check_name(changes["name"])
    if "timezone" in changes:
        changes["timezone"] = check_timezone(changes["timezone"])
    if "holiday_subdivision" in changes:
        changes["holiday_subdivision"] = check_subdivision(changes["holiday_subdivision"])
    if "opt_out_message" in changes:
        # Blank is "no text of our own", as the responder reads it.
        changes["opt_out_message"] = (changes["opt_out_message"] or "").strip() or None
    return changes


async def record_changes(
    db: AsyncSession, principal: Principal, data: OrganizationUpdate
) -> m.Organization:
    changes = checked_changes(data)
    row = await require_organization(db, principal.organization_id)
    changed = {k: v for k, v in changes.items() if getattr(row, k) != v}
    for key, value in changed.items():
        setattr(row, key, value)
    if changed:
        db.add(
            m.AuditLog(
                organization_id=row.id,
                actor_user_id=principal.user_id,
                actor_api_key_id=principal.api_key_id,
                action="organization.updated",
                target_type="organization",
                target_id=str(row.id),
                data={"fields": sorted(_API_NAMES[k] for k in changed)},  # no values
            )
        )
    await db.commit()
    await db.refresh(row)
    return row
