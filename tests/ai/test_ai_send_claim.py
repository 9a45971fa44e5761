"""The send claim in PostgreSQL: a second delivery job for a message whose send is in
flight (Redis lost the chat lock; the reconciler re-enqueued it) does not start the send
again; it comes back when the claim ends. A send that did not happen leaves no claim."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from ai_harness import World
from arq import Retry

from workers.context import CONTEXT_KEY
from workers.deliver import deliver_message


@pytest.fixture
async def ctx(world: World) -> AsyncIterator[dict[str, Any]]:
    pool = await world.pool()
    shared = world.context()
    try:
        yield {CONTEXT_KEY: shared, "redis": pool}
    finally:
        await shared.aclose()
        await pool.aclose()


async def _pending_reply(world: World, text: str) -> str:
    await world.inbound("oi")
    session = await world.session()
    response = await world.client.post(
        "/api/v1/messages",
        json={
            "sessionId": str(session["id"]),
            "type": "TEXT",
            "author": "AGENT_PLATFORM",
            "content": {"text": text},
        },
        headers=world.org.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _claim(world: World, message_id: str, seconds: int) -> None:
    await world.db.fetch(
        "UPDATE message SET send_claimed_until = now() + make_interval(secs => $2) WHERE id = $1",
        uuid.UUID(message_id),
        seconds,
    )


async def test_a_send_in_flight_is_not_started_twice(world: World, ctx: dict[str, Any]) -> None:
    message_id = await _pending_reply(world, "Seu pedido saiu para entrega.")
    await _claim(world, message_id, 30)  # another job is mid-send
    with pytest.raises(Retry) as retry:
        await deliver_message(ctx, message_id)
    assert 20_000 < (retry.value.defer_score or 0) <= 30_000  # back when the claim ends
    assert world.sent_texts() == []
    await _claim(world, message_id, -1)  # that job died: its claim ran out
    assert (await deliver_message(ctx, message_id)).startswith("SENT:")
    assert await deliver_message(ctx, message_id) == "skipped:SENT"
    assert world.sent_texts() == ["Seu pedido saiu para entrega."]


async def test_a_send_that_will_be_retried_leaves_no_claim(
    world: World, ctx: dict[str, Any]
) -> None:
    message_id = await _pending_reply(world, "Já verifico.")
    world.native.fail_next("server_error")
    with pytest.raises(Retry):
        await deliver_message(ctx, message_id)
    row = await world.db.fetch(
        "SELECT status, send_claimed_until FROM message WHERE id = $1", uuid.UUID(message_id)
    )
    assert (row[0]["status"], row[0]["send_claimed_until"]) == ("PENDING", None)
    assert (await deliver_message(ctx, message_id)).startswith("SENT:")
