"""Send limits that bind: the token buckets (per chat, per connection) shape the sends
of TWO workers sharing them in Redis, "typing…" comes before a text for as long as its
length says, and a provider's 429 with Retry-After holds the next attempt back.

The workers are two arq workers in this process, each with its own queue (so which
worker sends which message is fixed) and its own HTTP client marked with an
``x-test-worker`` header (so the stand-in sees who sent what). Times are the
stand-ins' arrival times on this process's monotonic clock, checked only as lower
bounds ("not before"): a loaded machine makes sends later, never earlier."""

from __future__ import annotations

import asyncio
import time

import httpx
import msgspec
from ai_harness import FAST, World, run_burst_worker
from arq import func
from arq.constants import default_queue_name
from standins.provider_apis import EvolutionStandIn, Recorded
from support.webhooks import make_connection

from providers import http as provider_http
from workers.config import JobConfig
from workers.context import build_context
from workers.deliver import deliver_message
from workers.deliver_limits import typing_ms

SLACK = 0.02  # the bucket's millisecond rounding
TEXT = "Seu pedido saiu para entrega e chega em uns vinte minutos."


async def _chat(world: World, phone: str, connection_id: str | None = None) -> str:
    """A contact and a session opened by the business (no inbound, no AI)."""
    headers = world.org.headers
    contact = await world.client.post(
        "/api/v1/contacts", json={"phoneNumber": phone, "name": "Cliente"}, headers=headers
    )
    assert contact.status_code == 201, contact.text
    body = {"contactId": contact.json()["id"], "connectionId": connection_id or world.hook.id}
    session = await world.client.post("/api/v1/sessions", json=body, headers=headers)
    assert session.status_code == 201, session.text
    return str(session.json()["id"])


async def _agent_message(world: World, session_id: str, text: str = TEXT) -> str:
    body = {"sessionId": session_id, "type": "TEXT", "author": "AGENT", "content": {"text": text}}
    response = await world.client.post("/api/v1/messages", json=body, headers=world.org.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _deliver(world: World, config: JobConfig, queues: dict[str, list[str]]) -> None:
    """The messages' deliveries, queue by queue (one worker each), all at once. The
    api's own deliver_message jobs are dropped first: these queues replace them."""
    await world.db.outbox_drained()
    pool = await world.pool()
    try:
        await pool.delete(default_queue_name)
        for queue, message_ids in queues.items():
            for message_id in message_ids:
                await pool.enqueue_job("deliver_message", message_id, _queue_name=queue)
    finally:
        await pool.aclose()
    await asyncio.gather(*(_worker(world, config, queue) for queue in queues))


async def _worker(world: World, config: JobConfig, queue: str) -> None:
    shared = build_context(world.settings, config, engine=world.engine)
    await shared.http.aclose()
    shared.http = httpx.AsyncClient(
        timeout=provider_http.DEFAULT_TIMEOUT, headers={"x-test-worker": queue}
    )
    functions = [func(deliver_message, name="deliver_message", max_tries=60)]
    await run_burst_worker(world.settings, functions, shared, queue=queue, max_jobs=10)


def _sends(requests: list[Recorded]) -> list[Recorded]:
    return sorted((r for r in requests if r.status == 200), key=lambda r: r.at)


def _not_before(sends: list[Recorded], start: float, rate: float, burst: int) -> None:
    """The k-th send (1-based) needs k - burst tokens refilled at ``rate`` since the
    bucket was full at ``start``: not before start + (k - burst) / rate."""
    for k, send in enumerate(sends, start=1):
        earliest = start + max(0, k - burst) / rate
        assert send.at >= earliest - SLACK, (k, send.at - start, earliest - start)


async def _statuses(world: World, ids: list[str]) -> list[str]:
    rows = await world.db.fetch(
        "SELECT status FROM message WHERE id = ANY($1::uuid[])", [str(i) for i in ids]
    )
    return [r["status"] for r in rows]


async def test_the_chat_bucket_shapes_one_chats_sends_across_two_workers(world: World) -> None:
    config = msgspec.structs.replace(FAST, chat_rate=1.0, chat_burst=3)
    session = await _chat(world, "5511987650001")
    ids = [await _agent_message(world, session, f"parte {i}") for i in range(6)]
    start = time.monotonic()
    await _deliver(world, config, {"worker-a": ids[0::2], "worker-b": ids[1::2]})
    sends = _sends(world.native.requests)
    assert [s.json["messageId"] for s in sends] == ids  # in order, each once
    assert {s.headers["x-test-worker"] for s in sends} == {"worker-a", "worker-b"}
    _not_before(sends, start, rate=1.0, burst=3)  # the 6th not before 3 s
    assert await _statuses(world, ids) == ["SENT"] * 6


async def test_the_connection_bucket_shapes_many_chats_across_two_workers(
    world: World,
) -> None:
    config = msgspec.structs.replace(
        FAST, chat_rate=1000, chat_burst=100, connection_rate=2.0, connection_burst=2
    )
    sessions = [await _chat(world, f"55119876501{i:02d}") for i in range(8)]
    ids = [await _agent_message(world, s) for s in sessions]
    start = time.monotonic()
    await _deliver(world, config, {"worker-a": ids[:4], "worker-b": ids[4:]})
    sends = _sends(world.native.requests)
    assert sorted(s.json["messageId"] for s in sends) == sorted(ids)
    assert {s.headers["x-test-worker"] for s in sends} == {"worker-a", "worker-b"}
    _not_before(sends, start, rate=2.0, burst=2)  # the 8th not before 3 s
    assert await _statuses(world, ids) == ["SENT"] * 8


async def test_typing_comes_before_the_text_for_as_long_as_its_length_says(
    world: World,
) -> None:
    config = msgspec.structs.replace(FAST, typing_ms_per_char=40.0, typing_max_ms=4000)
    expected_ms = typing_ms(config, TEXT)
    assert expected_ms == len(TEXT) * 40
    with EvolutionStandIn() as evolution:
        hook = await make_connection(world.client, world.org, "evolution", evolution.config)
        evolution_message = await _agent_message(
            world, await _chat(world, "5511987650201", hook.id)
        )
        native_message = await _agent_message(world, await _chat(world, "5511987650202"))
        start = time.monotonic()
        await _deliver(world, config, {"worker-a": [evolution_message, native_message]})
        path = f"/chat/sendPresence/{evolution.instance}"
        [presence] = evolution.requests_to(path)
        [text] = evolution.requests_to(f"/message/sendText/{evolution.instance}")
    # Evolution shows "typing…" for the call's delay and answers when it is over.
    assert presence.json["presence"] == "composing"
    assert presence.json["delay"] == expected_ms
    assert text.at - presence.at >= expected_ms / 1000 - SLACK
    # The native API has no typing call: the worker waits the same time itself.
    [native] = _sends(world.native.requests)
    assert native.json["messageId"] == native_message
    assert native.at - start >= expected_ms / 1000 - SLACK
    assert await _statuses(world, [evolution_message, native_message]) == ["SENT"] * 2


async def test_a_429_with_retry_after_holds_the_next_attempt_back(world: World) -> None:
    config = msgspec.structs.replace(FAST, delivery_backoff=0.05, delivery_max_backoff=0.1)
    world.native.fail_next("rate_limited", retry_after=2)
    message = await _agent_message(world, await _chat(world, "5511987650301"))
    await _deliver(world, config, {"worker-a": [message]})
    first, second = sorted(world.native.requests, key=lambda r: r.at)
    assert (first.status, second.status) == (429, 200)
    # The back-off alone would have tried again after 0.05 s.
    assert second.at - first.at >= 2.0 - SLACK
    assert await _statuses(world, [message]) == ["SENT"]
