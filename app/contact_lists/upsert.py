"""Contacts into a list, a batch at a time, in one statement: insert each phone's
contact or merge into the one the organization has (unique on organization + phone),
then add the not-opted-out ones to the list. Used by the bulk endpoint and by imports
(both the job and the CLI), so a row means the same wherever it comes from.

Merging keeps what the contact has when the row says nothing (a blank name does not
erase one), and adds the row's fields over the contact's.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

_encode = msgspec.json.Encoder().encode

# xmax = 0 only on a row this statement inserted (an updated row carries the updating
# transaction's id): the usual way to tell the two apart in one INSERT … ON CONFLICT.
_UPSERT = sa.text(
    """
    WITH input AS (
        SELECT * FROM unnest(
            CAST(:phones AS text[]), CAST(:names AS text[]), CAST(:emails AS text[]),
            CAST(:external_ids AS text[]), CAST(:fields AS text[])
        ) AS i(phone, name, email, external_id, fields)
    ),
    upserted AS (
        INSERT INTO contact AS c
            (organization_id, phone_number, name, email, external_id, source, fields)
        SELECT :org, phone, name, email, external_id, :source, CAST(fields AS jsonb)
        FROM input
        ON CONFLICT (organization_id, phone_number) DO UPDATE SET
            name = COALESCE(EXCLUDED.name, c.name),
            email = COALESCE(EXCLUDED.email, c.email),
            external_id = COALESCE(EXCLUDED.external_id, c.external_id),
            fields = c.fields || EXCLUDED.fields,
            updated_at = now()
        RETURNING c.id, c.phone_number, (c.xmax = 0) AS inserted, c.opted_out_at
    ),
    added AS (
        INSERT INTO contact_list_member (contact_list_id, contact_id)
        SELECT :list, id FROM upserted WHERE opted_out_at IS NULL
        ON CONFLICT DO NOTHING
        RETURNING contact_id
    )
    SELECT u.phone_number, u.inserted, u.opted_out_at IS NOT NULL AS opted_out,
           a.contact_id IS NOT NULL AS added
    FROM upserted u LEFT JOIN added a ON a.contact_id = u.id
    """
)
# Ids of the caller's organization only; another tenant's id is reported as unknown.
_ADD_IDS = sa.text(
    """
    WITH wanted AS (
        SELECT c.id, c.opted_out_at FROM contact c
        WHERE c.id = ANY(CAST(:ids AS uuid[])) AND c.organization_id = :org
          AND c.erased_at IS NULL
    ),
    added AS (
        INSERT INTO contact_list_member (contact_list_id, contact_id)
        SELECT :list, id FROM wanted WHERE opted_out_at IS NULL
        ON CONFLICT DO NOTHING
        RETURNING contact_id
    )
    SELECT w.id, w.opted_out_at IS NOT NULL AS opted_out, a.contact_id IS NOT NULL AS added
    FROM wanted w LEFT JOIN added a ON a.contact_id = w.id
    """
)


@dataclass(frozen=True)
class ContactRow:
    """One contact to merge, its phone already normalized (and unique in its batch)."""

    phone: str
    name: str | None = None
    email: str | None = None
    external_id: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """What a batch did: created/updated count contacts; added, duplicates (already in
    the list) and opted_out count list memberships. Per phone, one of created+added,
    updated+added, duplicates, opted_out."""

    created: int = 0
    updated: int = 0
    added: int = 0
    duplicates: int = 0
    opted_out: int = 0
    opted_out_phones: set[str] = field(default_factory=set)

    def __iadd__(self, other: Outcome) -> Outcome:
        self.created += other.created
        self.updated += other.updated
        self.added += other.added
        self.duplicates += other.duplicates
        self.opted_out += other.opted_out
        self.opted_out_phones |= other.opted_out_phones
        return self


async def upsert_members(
    conn: AsyncConnection,
    organization_id: uuid.UUID,
    list_id: uuid.UUID,
    rows: Sequence[ContactRow],
    source: str = "IMPORT",
) -> Outcome:
    outcome = Outcome()
    if not rows:
        return outcome
    result = await conn.execute(
        _UPSERT,
        {
            "org": organization_id,
            "list": list_id,
            "source": source,
            "phones": [r.phone for r in rows],
            "names": [r.name for r in rows],
            "emails": [r.email for r in rows],
            "external_ids": [r.external_id for r in rows],
            "fields": [_encode(r.fields).decode() for r in rows],
        },
    )
    for phone, inserted, opted_out, added in result:
        if opted_out:
            outcome.opted_out += 1
            outcome.opted_out_phones.add(phone)
        elif added:
            outcome.added += 1
            if inserted:
                outcome.created += 1
            else:
                outcome.updated += 1
        else:
            outcome.duplicates += 1
    return outcome


async def add_existing(
    conn: AsyncConnection,
    organization_id: uuid.UUID,
    list_id: uuid.UUID,
    contact_ids: Sequence[uuid.UUID],
) -> tuple[Outcome, set[uuid.UUID]]:
    """Add contacts by id; also the ids found (the others are unknown)."""
    outcome = Outcome()
    found: set[uuid.UUID] = set()
    if not contact_ids:
        return outcome, found
    result = await conn.execute(
        _ADD_IDS, {"org": organization_id, "list": list_id, "ids": list(contact_ids)}
    )
    for contact_id, opted_out, added in result:
        found.add(contact_id)
        if opted_out:
            outcome.opted_out += 1
        elif added:
            outcome.added += 1
        else:
            outcome.duplicates += 1
    return outcome, found
