"""GET /api/v1/turns: the stored turns, tenant-scoped, camelCase."""

from __future__ import annotations

import uuid
from typing import Any

from arq.connections import ArqRedis
from factories import add_message, make_world
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine
from worker_harness import Workers


async def test_turns_are_listed_and_read_by_their_own_organization_only(
    client: AsyncTestClient[Litestar],
    org: Any,
    other_org: Any,
    engine: AsyncEngine,
    arq: ArqRedis,
    workers: Workers,
) -> None:
    world = await make_world(engine, organization_id=uuid.UUID(org.id))
    ids = [str(await add_message(engine, arq, world, text=t)) for t in ("oi", "tudo bem?")]
    await workers.run()
    other = await make_world(engine, organization_id=uuid.UUID(other_org.id))
    await add_message(engine, arq, other, text="outra loja")
    await workers.run()

    listed = await client.get(
        "/api/v1/turns", params={"sessionId": str(world.session_id)}, headers=org.headers
    )
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["pagination"]["total_data"] == 1
    (turn,) = body["data"]
    assert turn["sessionId"] == str(world.session_id)
    assert turn["status"] == "READY"
    assert turn["messageIds"] == ids
    assert turn["mergedText"] == "oi\ntudo bem?"
    for key in ("firstMessageAt", "lastMessageAt", "deadlineAt", "firedAt", "createdAt"):
        assert turn[key]

    everything = await client.get("/api/v1/turns", headers=org.headers)
    assert [t["id"] for t in everything.json()["data"]] == [turn["id"]]
    one = await client.get(f"/api/v1/turns/{turn['id']}", headers=org.headers)
    assert one.status_code == 200 and one.json() == turn
    hidden = await client.get(f"/api/v1/turns/{turn['id']}", headers=other_org.headers)
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "not_found"
    bad = await client.get("/api/v1/turns", params={"sessionId": "x"}, headers=org.headers)
    assert bad.status_code in (400, 422)
