"""A real ``balcao api`` SIGKILLed while a group-commit batch is in flight: every request
was either answered 2xx and is stored, or was not answered 2xx (the provider's retry,
against the restarted api, then stores it once)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time

import httpx
from ai_harness import World
from chaos_kit import Processes, RowLock

from app.devstack import free_port

BEFORE, DURING = 20, 30


def _body(world: World, message_id: str) -> tuple[bytes, dict[str, str]]:
    event = {
        "event": "message",
        "messageId": message_id,
        "from": f"55119{int(message_id.split('-')[1]):08d}",
        "name": "Cliente",
        "timestamp": int(time.time()),
        "fromMe": False,
        "type": "text",
        "text": f"mensagem {message_id}",
    }
    body = json.dumps(event).encode()
    signature = hmac.new(world.native.secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"content-type": "application/json", "x-balcao-signature": f"sha256={signature}"}
    return body, headers


async def _post_once(client: httpx.AsyncClient, world: World, message_id: str) -> int | None:
    """The status of one attempt; None when the connection failed."""
    body, headers = _body(world, message_id)
    try:
        response = await client.post(world.hook.url, content=body, headers=headers)
    except httpx.HTTPError:
        return None
    return response.status_code


async def _post_until_2xx(client: httpx.AsyncClient, world: World, message_id: str) -> None:
    """As a provider retries: any non-2xx or connection error, again with back-off."""
    delay = 0.05
    for _ in range(100):
        status = await _post_once(client, world, message_id)
        if status is not None and 200 <= status < 300:
            return
        await asyncio.sleep(delay)
        delay = min(delay * 2, 1.0)
    raise AssertionError(f"{message_id} was never accepted")


async def _stored(world: World, ids: list[str]) -> dict[str, int]:
    rows = await world.db.fetch(
        "SELECT provider_message_id, count(*) AS n FROM message"
        " WHERE provider_message_id = ANY($1) GROUP BY provider_message_id",
        ids,
    )
    return {r["provider_message_id"]: r["n"] for r in rows}


async def test_killed_during_a_group_commit_batch(world: World, processes: Processes) -> None:
    port = free_port()
    first = await processes.api(port)
    before = [f"m-{i}" for i in range(BEFORE)]
    during = [f"m-{i}" for i in range(BEFORE, BEFORE + DURING)]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        assert [await _post_once(client, world, i) for i in before] == [200] * BEFORE
        # Every delivery writes outbox rows in its batch's transaction: with the table
        # locked by the test, the batch waits right before its commit.
        async with RowLock(
            world.settings.database_url or "", "LOCK TABLE outbox IN EXCLUSIVE MODE"
        ) as lock:
            attempts = [asyncio.create_task(_post_once(client, world, i)) for i in during]
            await lock.wait_blocked()
            first.kill()
        statuses = dict(zip(during, await asyncio.gather(*attempts), strict=True))
        answered = [i for i, status in statuses.items() if status is not None and status < 300]
        stored = await _stored(world, before + during)
        assert set(stored) >= set(before) | set(answered), "a 2xx that was not stored"
        assert len(answered) < DURING, "the kill hit no request in flight"
        assert all(n == 1 for n in stored.values())

        await processes.api(port)
        # The provider retries what was not acknowledged, and repeats some that were.
        retried = [i for i in during if i not in answered]
        await asyncio.gather(*(_post_until_2xx(client, world, i) for i in retried))
        await asyncio.gather(*(_post_until_2xx(client, world, i) for i in before[:5]))
    stored = await _stored(world, before + during)
    assert stored == {i: 1 for i in before + during}
