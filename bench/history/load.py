"""Synthetic history for the benchmark, loaded with COPY: 10,000 contacts, 1,000,000
messages (one contact holds 5,000 of them), sessions of ~20 messages each."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

CONTACTS = 10_000
MESSAGES = 1_000_000
BIG_CONTACT_MESSAGES = 5_000
PER_SESSION = 20
START = datetime(2025, 1, 1, tzinfo=UTC)


def _plan(rng: random.Random) -> list[int]:
    """Messages per contact: the first has 5,000, the rest share what is left."""
    rest = MESSAGES - BIG_CONTACT_MESSAGES
    base, extra = divmod(rest, CONTACTS - 1)
    return [BIG_CONTACT_MESSAGES] + [base + (1 if i < extra else 0) for i in range(CONTACTS - 1)]


async def load(dsn: str, org: uuid.UUID, connection: uuid.UUID) -> uuid.UUID:
    """Fill the database; the id of the contact with 5,000 messages."""
    rng = random.Random(7)
    contacts: list[tuple[Any, ...]] = []
    sessions: list[tuple[Any, ...]] = []
    messages: list[tuple[Any, ...]] = []
    statuses = ["QUEUED", "ACTIVE", "PAUSED"]
    for index, count in enumerate(_plan(rng)):
        contact = uuid.uuid4()
        contacts.append((contact, org, f"55119{index:08d}", f"Contato {index}", START, START))
        when = START + timedelta(seconds=rng.randrange(0, 86_400 * 300))
        n_sessions = max(1, count // PER_SESSION)
        for s in range(n_sessions):
            session = uuid.uuid4()
            last = s == n_sessions - 1
            status = rng.choice(statuses) if last else "CLOSED"
            opened = when
            in_session = count // n_sessions + (count % n_sessions if last else 0)
            for k in range(in_session):
                when += timedelta(seconds=rng.randrange(5, 600))
                customer = k % 2 == 0
                messages.append(
                    (uuid.uuid4(), org, session, contact, connection,
                     "IN" if customer else "OUT", "CUSTOMER" if customer else "AGENT",
                     "TEXT", f'{{"text": "mensagem {k} do atendimento {s}"}}',
                     "DELIVERED" if customer else "READ", when, when)
                )  # fmt: skip
            closed = None if status != "CLOSED" else when
            sessions.append(
                (session, org, contact, connection, status, "CUSTOMER", opened, when, when, closed)
            )
            when += timedelta(hours=rng.randrange(1, 200))
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table(
            "contact", records=contacts,
            columns=["id", "organization_id", "phone_number", "name", "created_at", "updated_at"],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "session", records=sessions,
            columns=["id", "organization_id", "contact_id", "connection_id", "status",
                     "started_by", "created_at", "updated_at", "last_message_at", "closed_at"],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "message", records=messages,
            columns=["id", "organization_id", "session_id", "contact_id", "connection_id",
                     "direction", "author", "type", "content", "status", "created_at",
                     "updated_at"],
        )  # fmt: skip
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return uuid.UUID(str(contacts[0][0]))
