"""Group commit: concurrent deliveries share a transaction, one failing delivery does
not sink the others, and a batch stores what its deliveries one by one would."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from typing import Any

import pytest
from support.orgs import Org
from support.webhooks import Client, Db, make_connection
from test_webhooks import native

from app.db.engine import create_ingest_pool
from app.ingest.connection import ConnectionInfo
from app.ingest.group_commit import GroupCommit
from app.ingest.service import IngestResult, ingest_many
from app.webhooks.services import ConnectionCache
from providers import get_provider
from providers.base import InboundEdit, InboundEvent, InboundMessage, Party


async def test_concurrent_deliveries_commit_together_and_failures_stay_apart(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await make_connection(client, org, "native", {"sendUrl": "http://127.0.0.1:9/"})
    pool = await create_ingest_pool(settings.database_url, max_size=2)
    try:
        conn = await ConnectionCache(pool).get(uuid.UUID(hook.id))
        assert conn is not None
        # A connection of an organization that does not exist: its contact insert
        # violates a foreign key and fails the whole shared transaction.
        broken = dataclasses.replace(conn, organization_id=uuid.uuid4())
        parse = get_provider("native").parse
        group = GroupCommit(pool, max_in_flight=1)
        first = asyncio.ensure_future(group.ingest(conn, parse(native("g0"))))
        await asyncio.sleep(0)  # g0 runs alone; the rest queue behind it as one batch
        rest = [
            group.ingest(conn, parse(native(f"g{i}", sender=f"55119876500{i:02d}")))
            for i in range(1, 6)
        ]
        bad = group.ingest(broken, parse(native("bad", sender="5511912345678")))
        results = await asyncio.gather(first, *rest, bad, return_exceptions=True)
    finally:
        await pool.close()
    assert [r.accepted for r in results[:6]] == [1] * 6  # type: ignore[union-attr]
    assert isinstance(results[6], Exception)
    db = Db(settings.database_url)
    assert await db.val("SELECT count(*) FROM message") == 6
    assert await db.val("SELECT count(*) FROM message WHERE provider_message_id = 'bad'") == 0


@pytest.mark.parametrize("deliveries", [1, 20])
async def test_every_delivery_gets_its_own_counts(
    client: Client, org: Org, settings: Any, deliveries: int
) -> None:
    hook = await make_connection(client, org, "native", {"sendUrl": "http://127.0.0.1:9/"})
    pool = await create_ingest_pool(settings.database_url, max_size=2)
    try:
        conn = await ConnectionCache(pool).get(uuid.UUID(hook.id))
        assert conn is not None
        parse = get_provider("native").parse
        group = GroupCommit(pool, max_in_flight=1)
        # Every delivery carries the same message: exactly one of them stores it.
        results = await asyncio.gather(
            *(group.ingest(conn, parse(native("same"))) for _ in range(deliveries))
        )
    finally:
        await pool.close()
    assert sum(r.accepted for r in results) == 1
    assert sum(r.duplicates for r in results) == deliveries - 1
    assert sum(len(r.jobs) for r in results) == 3


def _customer(
    message_id: str, phone: str, *, name: str | None = "Maria", **extra: Any
) -> InboundMessage:
    return InboundMessage(
        instance=None,
        chat_id=phone,
        is_group=False,
        contact=Party(phone=phone, lid=extra.pop("lid", None), name=name),
        message_id=message_id,
        from_me=False,
        timestamp=1769958000,
        type="text",
        text=extra.pop("text", message_id),
        **extra,
    )


async def _ingest_batch(
    settings: Any, conn: ConnectionInfo, batch: list[list[InboundEvent]]
) -> list[IngestResult]:
    """Several deliveries in one shared transaction, as group commit makes them."""
    pool = await create_ingest_pool(settings.database_url, max_size=1)
    try:
        return await ingest_many(pool, [(conn, inbound) for inbound in batch])
    finally:
        await pool.close()


async def _connection(client: Client, org: Org, settings: Any) -> ConnectionInfo:
    hook = await make_connection(client, org, "native", {"sendUrl": "http://127.0.0.1:9/"})
    pool = await create_ingest_pool(settings.database_url, max_size=1)
    try:
        conn = await ConnectionCache(pool).get(uuid.UUID(hook.id))
    finally:
        await pool.close()
    assert conn is not None
    return conn


async def test_a_batch_of_new_customers_gets_one_contact_and_session_each(
    client: Client, org: Org, settings: Any
) -> None:
    conn = await _connection(client, org, settings)
    ana, bia = "5511911110001", "5511911110002"
    results = await _ingest_batch(
        settings,
        conn,
        [
            [_customer("a1", ana, name=None)],
            [_customer("b1", bia, lid="BR.bia")],
            [_customer("a2", ana, name="Ana")],
            [_customer("a1", ana)],  # the provider's retry racing the original
        ],
    )
    assert [(r.accepted, r.duplicates) for r in results] == [(1, 0), (1, 0), (1, 0), (0, 1)]
    # session.created goes once per session, with its first message.
    assert [[j.job for j in r.jobs] for r in results] == [
        ["publish_event", "publish_event", "merge_burst"],
        ["publish_event", "publish_event", "merge_burst"],
        ["publish_event", "merge_burst"],
        [],
    ]
    db = Db(settings.database_url)
    contacts = await db.fetch("SELECT phone_number, name FROM contact ORDER BY phone_number")
    assert [(c["phone_number"], c["name"]) for c in contacts] == [(ana, "Ana"), (bia, "Maria")]
    assert await db.val("SELECT count(*) FROM session") == 2
    assert await db.val("SELECT count(DISTINCT session_id) FROM message") == 2
    link = await db.fetch("SELECT kind, value FROM contact_identity")
    assert [(r["kind"], r["value"]) for r in link] == [("lid", "BR.bia")]


async def test_messages_of_one_batch_keep_their_arrival_order(
    client: Client, org: Org, settings: Any
) -> None:
    conn = await _connection(client, org, settings)
    phone = "5511911110003"
    await _ingest_batch(settings, conn, [[_customer("first", phone)]])
    ids = [f"m{i}" for i in range(8)]
    await _ingest_batch(settings, conn, [[_customer(i, phone)] for i in ids])
    rows = await Db(settings.database_url).fetch(
        "SELECT provider_message_id FROM message ORDER BY created_at, id"
    )
    assert [r["provider_message_id"] for r in rows] == ["first", *ids]


async def test_a_quote_of_a_message_in_the_same_batch_finds_it(
    client: Client, org: Org, settings: Any
) -> None:
    conn = await _connection(client, org, settings)
    phone = "5511911110004"
    reply = _customer("reply", phone, quoted_message_id="question")
    await _ingest_batch(settings, conn, [[_customer("question", phone)], [reply]])
    db = Db(settings.database_url)
    question, answer = await db.message("question"), await db.message("reply")
    assert question is not None and answer is not None
    assert answer["quoted_message_id"] == question["id"]
    assert answer["session_id"] == question["session_id"]


async def test_a_batch_of_late_retries_after_the_session_closed_opens_nothing(
    client: Client, org: Org, settings: Any
) -> None:
    conn = await _connection(client, org, settings)
    phone = "5511911110005"
    await _ingest_batch(settings, conn, [[_customer("once", phone)], [_customer("twice", phone)]])
    db = Db(settings.database_url)
    await db.fetch("UPDATE session SET status = 'CLOSED', closed_at = now()")
    results = await _ingest_batch(
        settings, conn, [[_customer("once", phone)], [_customer("twice", phone)]]
    )
    assert [(r.accepted, r.duplicates, r.jobs) for r in results] == [(0, 1, []), (0, 1, [])]
    assert [s["status"] for s in await db.fetch("SELECT status FROM session")] == ["CLOSED"]


async def test_other_events_of_a_batch_see_its_customer_messages(
    client: Client, org: Org, settings: Any
) -> None:
    conn = await _connection(client, org, settings)
    phone = "5511911110006"
    edit = InboundEdit(instance=None, chat_id=phone, message_id="typo", text="corrected")
    results = await _ingest_batch(settings, conn, [[edit], [_customer("typo", phone)]])
    assert [(r.accepted, r.duplicates) for r in results] == [(1, 0), (1, 0)]
    row = await Db(settings.database_url).message("typo")
    assert row is not None and json.loads(row["content"])["text"] == "corrected"
