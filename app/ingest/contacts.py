"""Find or create the contact a message belongs to.

Phones arrive already normalized by the parsers (E.164 digits, Brazilian ninth digit
restored). WhatsApp sometimes addresses a chat only by a LID (Meta by a BSUID); the
per-connection identity map links it to the phone the first time a payload shows
both, so later LID-only messages and acks still find their contact. A group is a
contact of its own (no phone), known by its chat id; the sender is kept on each
message as its participant."""

from __future__ import annotations

import uuid

import asyncpg  # type: ignore[import-untyped]

from app.ingest import sql
from app.ingest.connection import ConnectionInfo
from providers.base import InboundMessage

SOURCE = "whatsapp"


async def resolve_contact(
    db: asyncpg.Connection, conn: ConnectionInfo, event: InboundMessage
) -> tuple[uuid.UUID, uuid.UUID | None]:
    """The contact, and its open session on this connection when it has one."""
    if event.is_group:
        return await _by_identity(db, conn, "group", event.chat_id, None)
    party = event.contact
    # Our own messages never carry the customer's push name.
    name = None if event.from_me else party.name
    if party.phone:
        contact_id, session_id = await _by_phone(db, conn, party.phone, name)
        if party.lid:
            await db.execute(sql.LINK_IDENTITY, conn.id, contact_id, "lid", party.lid)
        return contact_id, session_id
    if party.lid:
        return await _by_identity(db, conn, "lid", party.lid, name)
    return await _by_identity(db, conn, "chat", event.chat_id, name)


async def _by_phone(
    db: asyncpg.Connection, conn: ConnectionInfo, phone: str, name: str | None
) -> tuple[uuid.UUID, uuid.UUID | None]:
    row = await db.fetchrow(sql.CONTACT_BY_PHONE, conn.organization_id, phone, conn.id)
    if row is None:
        contact_id: uuid.UUID = await db.fetchval(
            sql.INSERT_CONTACT, conn.organization_id, phone, name, SOURCE
        )
        return contact_id, None
    if name and row["name"] is None:
        await db.execute(sql.SET_CONTACT_NAME, row["id"], name)
    return row["id"], row["session_id"]


async def _by_identity(
    db: asyncpg.Connection, conn: ConnectionInfo, kind: str, value: str, name: str | None
) -> tuple[uuid.UUID, uuid.UUID | None]:
    row = await db.fetchrow(sql.CONTACT_BY_IDENTITY, conn.id, kind, value)
    if row is not None:
        if name:
            await db.execute(sql.SET_CONTACT_NAME, row["contact_id"], name)
        return row["contact_id"], row["session_id"]
    contact_id: uuid.UUID = await db.fetchval(
        sql.INSERT_ANONYMOUS_CONTACT,
        conn.organization_id,
        name or (value if kind == "group" else None),
        SOURCE,
    )
    await db.execute(sql.LINK_IDENTITY, conn.id, contact_id, kind, value)
    # Two deliveries racing on a new LID both create a contact; the map keeps one,
    # and the loser's empty contact is dropped in favour of the winner's.
    winner = await db.fetchrow(sql.CONTACT_BY_IDENTITY, conn.id, kind, value)
    if winner["contact_id"] != contact_id:
        await db.execute("DELETE FROM contact WHERE id = $1", contact_id)
    return winner["contact_id"], winner["session_id"]
