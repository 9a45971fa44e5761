"""Contacts: the API shape, phone lookups, search, changes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Final, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app import events
from app.contacts.schemas import Contact, ContactCreate, ContactTabulationLink
from app.db import models as m
from app.errors import Conflict, InvalidPhone, NotFound, ValidationFailed
from app.outbox import OutboxRow
from app.tabulations import services as tabulations
from app.tabulations.schemas import Tabulation
from providers.phone import normalize_phone


def contact_out(row: m.Contact, tabs: list[Tabulation]) -> Contact:
    return Contact(
        id=row.id,
        name=row.name,
        email=row.email,
        phone_number=row.phone_number,
        organization_id=row.organization_id,
        external_id=row.external_id,
        source=row.source,
        bypass_bots=row.bypass_bots,
        created_at=row.created_at,
        updated_at=row.updated_at,
        erased_at=row.erased_at,
        fields=row.fields or {},
        opted_out_at=row.opted_out_at,
        opt_out_source=row.opt_out_source,
        contact_tabulation=[ContactTabulationLink(tabulation=t) for t in tabs],
    )


async def contacts_out(db: AsyncSession, rows: Sequence[m.Contact]) -> list[Contact]:
    tabs = await tabulations.of_contacts(db, [r.id for r in rows])
    return [contact_out(r, tabs.get(r.id, [])) for r in rows]


async def require_contact(db: AsyncSession, contact_id: uuid.UUID) -> m.Contact:
    row = await db.scalar(sa.select(m.Contact).where(m.Contact.id == contact_id))
    if row is None:
        raise NotFound("No such contact.", id=str(contact_id))
    return row


async def load_contact(db: AsyncSession, contact_id: uuid.UUID) -> Contact:
    row = await require_contact(db, contact_id)
    await db.refresh(row)
    return (await contacts_out(db, [row]))[0]


def check_phone(raw: str, field: str = "phoneNumber") -> str:
    phone = normalize_phone(raw)
    if phone is None:
        raise InvalidPhone(f"{raw!r} cannot be a valid phone number.", field=field)
    return phone


async def find_by_phone(db: AsyncSession, phone: str) -> m.Contact | None:
    return await db.scalar(sa.select(m.Contact).where(m.Contact.phone_number == phone))


async def check_phone_free(db: AsyncSession, phone: str, exclude: uuid.UUID | None = None) -> None:
    found = await find_by_phone(db, phone)
    if found is not None and found.id != exclude:
        raise Conflict(
            "A contact with this phone number exists.",
            code="phone_taken",
            field="phoneNumber",
            contactId=str(found.id),
        )


def search_condition(search: str | None) -> sa.ColumnElement[bool] | None:
    """Contacts whose name or email contains ``search``, or whose phone holds its digits
    (three or more) or is its normalized number; None for no search."""
    if not search:
        return None
    if "\x00" in search:
        raise ValidationFailed("search cannot contain NUL.", field="search")
    conditions: list[sa.ColumnElement[bool]] = [
        m.Contact.name.icontains(search, autoescape=True),
        m.Contact.email.icontains(search, autoescape=True),
    ]
    digits = "".join(ch for ch in search if ch.isdigit())
    if len(digits) >= 3:
        conditions.append(m.Contact.phone_number.contains(digits, autoescape=True))
    if len(search) <= 64 and (phone := normalize_phone(search)):
        conditions.append(m.Contact.phone_number == phone)
    return sa.or_(*conditions)


def list_statement(search: str | None, tabulation_id: uuid.UUID | None) -> sa.Select[Any]:
    stmt = sa.select(m.Contact).order_by(m.Contact.created_at.desc(), m.Contact.id)
    if (matches := search_condition(search)) is not None:
        stmt = stmt.where(matches)
    if tabulation_id is not None:
        stmt = stmt.where(
            sa.exists().where(
                m.ContactTabulation.contact_id == m.Contact.id,
                m.ContactTabulation.tabulation_id == tabulation_id,
            )
        )
    return stmt


async def record_contact(
    db: AsyncSession, organization_id: uuid.UUID, data: ContactCreate
) -> tuple[m.Contact, list[OutboxRow]]:
    phone = check_phone(data.phone_number)
    await check_phone_free(db, phone)
    ids = await tabulations.check_tabulations(db, data.tabulation_ids)
    row = m.Contact(
        organization_id=organization_id,
        phone_number=phone,
        name=data.name,
        email=data.email,
        external_id=data.external_id,
        source=data.source,
        bypass_bots=data.bypass_bots,
        fields=data.fields,
    )
    db.add(row)
    await db.flush()
    await tabulations.link_contact(db, row.id, ids)
    return row, [events.event_row(organization_id, events.CONTACT_UPDATED, row.id)]


async def update_contact(
    db: AsyncSession, row: m.Contact, changes: dict[str, Any]
) -> list[OutboxRow]:
    if row.erased_at is not None:
        raise Conflict("The contact was erased.", code="contact_erased")
    if "phone_number" in changes:
        changes["phone_number"] = check_phone(changes["phone_number"])
        await check_phone_free(db, changes["phone_number"], exclude=row.id)
    for key, value in changes.items():
        setattr(row, key, value)
    return [events.event_row(row.organization_id, events.CONTACT_UPDATED, row.id)]


def touched(row: m.Contact) -> list[OutboxRow]:
    """A change through a link table does not move the row's own columns: bump
    ``updated_at`` so syncing clients see it, and announce it."""
    row.updated_at = sa.func.now()
    return [events.event_row(row.organization_id, events.CONTACT_UPDATED, row.id)]


CONTACT = cast(sa.Table, m.Contact.__table__)
# How a contact came to be opted out (contact.opt_out_source).
OPT_OUT_SOURCES: Final = frozenset({"KEYWORD", "AGENT", "API", "PROVIDER", "IMPORT"})


async def opt_out(
    db: AsyncConnection | AsyncSession,
    organization_id: uuid.UUID,
    contact_id: uuid.UUID,
    source: str,
    reason: str | None = None,
) -> bool:
    """Opt the contact out of campaigns, in the caller's transaction (a keyword reply on
    the ingest path, an agent's click, an import). The first opt-out is the one kept:
    a second one changes nothing and returns False, so its confirmation is sent once."""
    if source not in OPT_OUT_SOURCES:
        raise ValueError(f"unknown opt-out source {source!r}")
    result = await db.execute(
        sa.update(CONTACT)
        .where(
            CONTACT.c.id == contact_id,
            CONTACT.c.organization_id == organization_id,
            CONTACT.c.opted_out_at.is_(None),
        )
        .values(
            opted_out_at=sa.func.now(),
            opt_out_source=source,
            opt_out_reason=reason,
            updated_at=sa.func.now(),
        )
    )
    return bool(cast(sa.CursorResult[Any], result).rowcount)


async def clear_opt_out(
    db: AsyncConnection | AsyncSession, organization_id: uuid.UUID, contact_id: uuid.UUID
) -> bool:
    """The contact takes campaigns again (asked for it, or opted out by mistake)."""
    result = await db.execute(
        sa.update(CONTACT)
        .where(
            CONTACT.c.id == contact_id,
            CONTACT.c.organization_id == organization_id,
            CONTACT.c.opted_out_at.is_not(None),
        )
        .values(
            opted_out_at=None, opt_out_source=None, opt_out_reason=None, updated_at=sa.func.now()
        )
    )
    return bool(cast(sa.CursorResult[Any], result).rowcount)
