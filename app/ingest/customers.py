"""Customer messages, many at a time: the bulk of webhook traffic, stored in a few
statements for a whole group-commit batch instead of a few statements each (every
round trip costs the api about as much CPU as the HTTP request that carried it).

In the usual case (the contact and its open session exist) one statement stores every
message of the batch and touches their sessions. Rows that found no contact or no open
session create what they lack, one statement for the contacts and one for the
sessions, and are sent once more. Names and LID links a contact still lacks are
written last. The outcome is the one storing the messages one after another would
give: a repeat stores nothing, and a session opened for repeats only is dropped."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

import asyncpg  # type: ignore[import-untyped]
import msgspec

from app.db.enums import SessionStatus
from app.ingest import sql
from app.ingest.connection import ConnectionInfo
from app.ingest.mapping import content_of, inline_bytes, media_source, message_type
from providers.base import InboundEvent, InboundMessage

SOURCE = "whatsapp"
_encode = msgspec.json.Encoder().encode
Item = tuple[ConnectionInfo, InboundMessage]
_Key = tuple[uuid.UUID, str]  # (connection, provider message id)


@dataclass(frozen=True, slots=True)
class Stored:
    """What became of one message: its id (None for a repeat), its session, and whether
    it is the first message of a session opened for it (session.created goes with it)."""

    message_id: uuid.UUID | None
    session_id: uuid.UUID
    opened: bool = False


def is_customer_message(event: InboundEvent) -> TypeGuard[InboundMessage]:
    """A customer's message that names the customer's phone: what this module stores.
    Our own messages, groups, LID-only chats and reactions go one at a time."""
    return (
        isinstance(event, InboundMessage)
        and not event.from_me
        and not event.from_api
        and not event.is_group
        and event.type != "reaction"
        and event.contact.phone is not None
    )


async def store_customer_messages(db: asyncpg.Connection, items: Sequence[Item]) -> list[Stored]:
    """One Stored per item, in order, inside the caller's transaction."""
    stored: list[Stored] = []
    for part in _rounds(items):
        stored += await _store_round(db, part)
    return stored


def _rounds(items: Sequence[Item]) -> Iterator[Sequence[Item]]:
    """A statement does not see its own rows: a message quoting one earlier in the batch
    starts a new round, so the quoted message is stored before it is looked up."""
    start, seen = 0, set[_Key]()
    for i, (conn, event) in enumerate(items):
        if event.quoted_message_id and (conn.id, event.quoted_message_id) in seen:
            yield items[start:i]
            start, seen = i, set[_Key]()
        seen.add((conn.id, event.message_id))
    if start < len(items):
        yield items[start:]


async def _store_round(db: asyncpg.Connection, items: Sequence[Item]) -> list[Stored]:
    # A message twice in one batch (a provider's retry racing the original) is stored
    # by its first occurrence; the others are repeats.
    first: dict[_Key, int] = {}
    for i, (conn, event) in enumerate(items):
        first.setdefault((conn.id, event.message_id), i)
    unique = [items[i] for i in first.values()]
    rows = await _store(db, unique)
    missing = [i for i, row in enumerate(rows) if row["session_id"] is None]
    opened: set[uuid.UUID] = set()
    if missing:
        opened = await _create_missing(db, [unique[i] for i in missing], [rows[i] for i in missing])
        again = await _store(db, [unique[i] for i in missing])
        if any(row["session_id"] is None for row in again):
            raise RuntimeError("an open session vanished while its message was stored")
        for i, row in zip(missing, again, strict=True):
            rows[i] = row
    await _complete_contacts(db, unique, rows)
    await _keep_inline_media(db, unique, rows)
    stored = _outcomes(items, dict(zip(first, rows, strict=True)), opened)
    # Opened for repeats only, e.g. a late retry of a message whose session was closed.
    empty = opened - {s.session_id for s in stored if s.message_id is not None}
    if empty:
        await db.execute(sql.DROP_EMPTY_SESSIONS, list(empty))
    return stored


async def _store(db: asyncpg.Connection, items: Sequence[Item]) -> list[asyncpg.Record]:
    columns: list[list[Any]] = [[] for _ in range(10)]
    for conn, event in items:
        source = media_source(event.media)
        values = (
            conn.organization_id,
            conn.id,
            event.contact.phone,
            event.contact.lid,
            message_type(event).value,
            _encode(content_of(event)).decode(),
            event.message_id,
            event.quoted_message_id,
            _encode(source).decode() if source else None,
            event.timestamp,
        )
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    rows: list[asyncpg.Record] = await db.fetch(sql.STORE_CUSTOMER_MESSAGES, *columns)
    return rows


async def _create_missing(
    db: asyncpg.Connection, items: Sequence[Item], rows: Sequence[asyncpg.Record]
) -> set[uuid.UUID]:
    """The contacts and open sessions these rows lack; the ids of the sessions opened
    here (a concurrent delivery may have opened some first: its session is used)."""
    contacts: dict[tuple[uuid.UUID, str], str | None] = {}
    sessions: dict[tuple[uuid.UUID, str, uuid.UUID], str] = {}
    for (conn, event), row in zip(items, rows, strict=True):
        key = (conn.organization_id, event.contact.phone or "")
        if row["contact_id"] is None:
            contacts[key] = contacts.get(key) or event.contact.name
        status = SessionStatus.ACTIVE if conn.ai_enabled else SessionStatus.QUEUED
        sessions.setdefault((*key, conn.id), status.value)
    if contacts:
        orgs, phones = zip(*contacts, strict=True)
        names = list(contacts.values())
        await db.execute(sql.INSERT_CONTACTS, list(orgs), list(phones), names, SOURCE)
    orgs, phones, conn_ids = zip(*sessions, strict=True)
    statuses = list(sessions.values())
    opened = await db.fetch(sql.INSERT_SESSIONS, list(orgs), list(phones), list(conn_ids), statuses)
    return {row["id"] for row in opened}


async def _complete_contacts(
    db: asyncpg.Connection, items: Sequence[Item], rows: Sequence[asyncpg.Record]
) -> None:
    """The push name of a contact that had none, and the LID↔phone link the first time
    a payload shows both, so later LID-only messages and acks find their contact."""
    names: dict[uuid.UUID, str] = {}
    links: dict[tuple[uuid.UUID, str], uuid.UUID] = {}
    for (conn, event), row in zip(items, rows, strict=True):
        party = event.contact
        if party.name and row["name"] is None:
            names.setdefault(row["contact_id"], party.name)
        if party.lid and not row["linked"]:
            links.setdefault((conn.id, party.lid), row["contact_id"])
    if names:
        await db.execute(sql.SET_CONTACT_NAMES, list(names), list(names.values()))
    if links:
        conn_ids, lids = zip(*links, strict=True)
        await db.execute(sql.LINK_IDENTITIES, list(conn_ids), list(links.values()), list(lids))


async def _keep_inline_media(
    db: asyncpg.Connection, items: Sequence[Item], rows: Sequence[asyncpg.Record]
) -> None:
    inline = [
        (row["message_id"], inline_bytes(event.media.base64))
        for (_, event), row in zip(items, rows, strict=True)
        if row["message_id"] is not None and event.media is not None and event.media.base64
    ]
    if inline:
        await db.executemany(sql.INSERT_INBOUND_MEDIA, inline)


def _outcomes(
    items: Sequence[Item], rows: dict[_Key, asyncpg.Record], opened: set[uuid.UUID]
) -> list[Stored]:
    stored: list[Stored] = []
    seen: set[_Key] = set()
    announced: set[uuid.UUID] = set()
    for conn, event in items:
        key = (conn.id, event.message_id)
        row = rows[key]
        session_id: uuid.UUID = row["session_id"]
        if key in seen or row["message_id"] is None:
            stored.append(Stored(None, session_id))
            continue
        seen.add(key)
        new_session = session_id in opened and session_id not in announced
        stored.append(Stored(row["message_id"], session_id, new_session))
        announced.add(session_id)
    return stored
