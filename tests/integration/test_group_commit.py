"""Group commit: concurrent deliveries share a transaction, and one failing delivery
does not sink the others."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from typing import Any

import pytest
from support.orgs import Org
from support.webhooks import Client, Db, make_connection
from test_webhooks import native

from app.db.engine import create_ingest_pool
from app.ingest.group_commit import GroupCommit
from app.webhooks.services import ConnectionCache
from providers import get_provider


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
