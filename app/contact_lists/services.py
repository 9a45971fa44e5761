"""Contact lists and their members. Member rows carry no organization id, so every
list and contact id is checked against the caller's organization first (the list by
the session's tenant scope, contacts inside the SQL of app.contact_lists.upsert)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.contact_lists.mapping import clean_phone
from app.contact_lists.schemas import BulkAdd, BulkInvalid, BulkResult, ContactList
from app.contact_lists.upsert import ContactRow, Outcome, add_existing, upsert_members
from app.contacts.services import search_condition
from app.db import models as m
from app.errors import Conflict, NotFound, ValidationFailed


def list_out(row: m.ContactList, count: int) -> ContactList:
    return ContactList(
        id=row.id,
        name=row.name,
        description=row.description,
        contact_count=count,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def count_column() -> sa.ScalarSelect[int]:
    return (
        sa.select(sa.func.count())
        .select_from(m.ContactListMember)
        .where(m.ContactListMember.contact_list_id == m.ContactList.id)
        .scalar_subquery()
    )


async def counts(db: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not ids:
        return {}
    rows = await db.execute(
        sa.select(m.ContactListMember.contact_list_id, sa.func.count())
        .where(m.ContactListMember.contact_list_id.in_(ids))
        .group_by(m.ContactListMember.contact_list_id)
    )
    return {list_id: count for list_id, count in rows}


async def require_list(db: AsyncSession, list_id: uuid.UUID) -> m.ContactList:
    row = await db.scalar(sa.select(m.ContactList).where(m.ContactList.id == list_id))
    if row is None:
        raise NotFound("No such contact list.", id=str(list_id))
    return row


async def load_list(db: AsyncSession, list_id: uuid.UUID) -> ContactList:
    row = await require_list(db, list_id)
    await db.refresh(row)
    return list_out(row, (await counts(db, [row.id])).get(row.id, 0))


async def check_name_free(db: AsyncSession, name: str, exclude: uuid.UUID | None = None) -> None:
    stmt = sa.select(m.ContactList.id).where(m.ContactList.name == name)
    if exclude is not None:
        stmt = stmt.where(m.ContactList.id != exclude)
    if await db.scalar(stmt) is not None:
        raise Conflict("A contact list with this name exists.", code="name_taken", field="name")


async def check_contacts(db: AsyncSession, ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """The distinct ids, each a contact of the caller's organization, else 422 (like
    any id of another tenant in a body) and nothing is written."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = set(await db.scalars(sa.select(m.Contact.id).where(m.Contact.id.in_(wanted))))
    if missing := [i for i in wanted if i not in found]:
        raise ValidationFailed(
            "Unknown contact.",
            code="unknown_contact",
            field="contactIds",
            ids=[str(i) for i in missing],
        )
    return wanted


def members_statement(list_id: uuid.UUID, search: str | None = None) -> sa.Select[Any]:
    stmt = (
        sa.select(m.Contact)
        .join(m.ContactListMember, m.ContactListMember.contact_id == m.Contact.id)
        .where(m.ContactListMember.contact_list_id == list_id)
        .order_by(m.ContactListMember.created_at, m.Contact.id)
    )
    if (matches := search_condition(search)) is not None:
        stmt = stmt.where(matches)
    return stmt


async def add_members(
    db: AsyncSession, organization_id: uuid.UUID, list_id: uuid.UUID, data: BulkAdd
) -> BulkResult:
    """Ids and contacts in one transaction of two statements: each contact merged or
    created by phone, every one added unless opted out (counted apart)."""
    wanted = await check_contacts(db, data.contact_ids)
    invalid: list[BulkInvalid] = []
    rows: dict[str, ContactRow] = {}
    repeated = 0
    for index, item in enumerate(data.contacts):
        phone, text = clean_phone(item.phone_number)
        if phone is None:
            code = "missing_phone" if not text else "invalid_phone"
            invalid.append(BulkInvalid(index=index, value=item.phone_number, code=code))
            continue
        if phone in rows:
            repeated += 1
            continue
        rows[phone] = ContactRow(
            phone=phone,
            name=item.name,
            email=item.email,
            external_id=item.external_id,
            fields=dict(item.fields),
        )
    conn = await db.connection()
    outcome = await upsert_members(conn, organization_id, list_id, list(rows.values()), "API")
    by_ids, _ = await add_existing(conn, organization_id, list_id, wanted)
    outcome += by_ids
    return _result(outcome, repeated + len(data.contact_ids) - len(wanted), invalid)


def _result(outcome: Outcome, repeated: int, invalid: list[BulkInvalid]) -> BulkResult:
    return BulkResult(
        added=outcome.added,
        created=outcome.created,
        updated=outcome.updated,
        duplicates=outcome.duplicates + repeated,
        opted_out=outcome.opted_out,
        invalid=invalid,
    )


async def remove_members(
    db: AsyncSession, list_id: uuid.UUID, contact_ids: Sequence[uuid.UUID]
) -> int:
    result = await db.execute(
        sa.delete(m.ContactListMember).where(
            m.ContactListMember.contact_list_id == list_id,
            m.ContactListMember.contact_id.in_(list(contact_ids)),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
