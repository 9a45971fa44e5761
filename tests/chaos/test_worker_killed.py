"""A real ``balcao worker`` SIGKILLed at the two points where a reply can be lost or
doubled — after the model answered (before the reply was stored or sent) and between
the provider accepting the send and our record of it — and another worker finishing
the work: the customer gets exactly one reply, and the message ends SENT.

"Exactly one" is counted at the native send-API stand-in by our message id: the
provider dedupes a repeat of an id it accepted (answering the same provider id), as an
idempotent API does, so a re-sent request after a kill is counted separately."""

from __future__ import annotations

import asyncio

from ai_harness import World
from arq.connections import ArqRedis
from chaos_kit import (
    Processes,
    RowLock,
    jobs_come_due,
    leases_run_out,
    queue_drained,
    wait_for,
)
from standins.provider_apis import Recorded

QUESTION = "vocês abrem no sábado?"
ANSWER = "Resposta de teste do modelo."  # the OpenAI stand-in's default text


async def _reply(world: World) -> dict[str, object] | None:
    rows = await world.outbound()
    return dict(rows[0]) if rows else None


async def _sent(world: World) -> dict[str, object] | None:
    reply = await _reply(world)
    return reply if reply is not None and reply["status"] == "SENT" else None


def _accepted(world: World) -> list[Recorded]:
    return [r for r in world.native.requests if r.status == 200]


async def _outbox_empty(world: World) -> bool:
    return await world.db.val("SELECT count(*) FROM outbox") == 0


async def _answered_once(world: World, redis: ArqRedis) -> dict[str, object]:
    reply = await wait_for(lambda: _sent(world), "the reply to be SENT")
    # The job that stored SENT flushes its outbox rows (the status webhook's job) just
    # after its commit: until then the queue can look drained with rows still to come.
    await wait_for(lambda: _outbox_empty(world), "the outbox to be flushed")
    await jobs_come_due(redis)
    await queue_drained(redis)  # the safety-net deliveries ran too, and sent nothing
    assert await world.db.val("SELECT status FROM turn") == "ANSWERED"
    assert await world.db.val("SELECT count(*) FROM message WHERE direction = 'OUT'") == 1
    assert list(world.native.accepted) == [str(reply["id"])]
    assert reply["provider_message_id"] == world.native.accepted[str(reply["id"])]
    assert world.sent_texts() == [ANSWER] * len(_accepted(world))
    assert await world.db.val("SELECT count(*) FROM outbox") == 0
    return reply


async def test_killed_after_the_model_answered(
    world: World, processes: Processes, redis: ArqRedis
) -> None:
    await world.configure_llm()
    held = world.llm.hold_next("chat")
    first = processes.worker()
    await world.inbound(QUESTION)
    await asyncio.to_thread(held.wait_arrived)
    turn_id = await world.db.val("SELECT id FROM turn WHERE status = 'READY'")
    # The model answers while the turn's row is ours: the worker stops right where it
    # would store the answer, and dies there.
    async with RowLock(world.settings.database_url or "", _LOCK_TURN, turn_id) as lock:
        held.release()
        await lock.wait_blocked()
        first.kill()
    assert await world.db.val("SELECT count(*) FROM message WHERE direction = 'OUT'") == 0
    await leases_run_out(redis, world.db)
    processes.worker()  # the replacement (the kill's leases are over: no waiting 5 min)
    await _answered_once(world, redis)
    assert world.native.repeats == 0 and len(world.native.requests) == 1
    # The answer of the killed run was never stored: the turn was asked again, once.
    assert len(world.chat_requests()) == 2


async def test_killed_after_the_reply_was_stored_before_its_send(
    world: World, processes: Processes, redis: ArqRedis
) -> None:
    await world.configure_llm()
    # A "typing…" pause of ~28 s between the stored reply and its send: the kill lands
    # inside it however loaded the machine is.
    first = processes.worker(
        BALCAO_DELIVERY_TYPING_MS_PER_CHAR="1000", BALCAO_DELIVERY_TYPING_MAX_MS="60000"
    )
    await world.inbound(QUESTION)
    stored = await wait_for(lambda: _reply(world), "the reply to be stored")
    assert stored["status"] == "PENDING"
    first.kill()
    assert world.native.requests == []
    await leases_run_out(redis, world.db)
    processes.worker()  # the replacement (the kill's leases are over: no waiting 5 min)
    await _answered_once(world, redis)
    assert world.native.repeats == 0 and len(world.native.requests) == 1
    assert len(world.chat_requests()) == 1


async def test_killed_between_the_send_and_its_record(
    world: World, processes: Processes, redis: ArqRedis
) -> None:
    await world.configure_llm()
    held = world.native.hold_next(world.native.path)
    first = processes.worker()
    await world.inbound(QUESTION)
    request = await asyncio.to_thread(held.wait_arrived)
    message_id = request.json["messageId"]
    # The provider accepts the send while the message's row is ours: the worker stops
    # right where it would record SENT, and dies there.
    async with RowLock(world.settings.database_url or "", _LOCK_MESSAGE, message_id) as lock:
        held.release()
        await lock.wait_blocked()
        assert request.status == 200
        first.kill()
    assert (await _reply(world) or {}).get("status") == "PENDING"
    await leases_run_out(redis, world.db)
    processes.worker()  # the replacement (the kill's leases are over: no waiting 5 min)
    reply = await _answered_once(world, redis)
    # Our record was lost with the worker, so the send went out again under the same
    # id; the provider knew it and answered the same provider id.
    assert world.native.repeats <= 1
    assert {r.reply["providerMessageId"] for r in _accepted(world)} == {
        reply["provider_message_id"]
    }
    assert len(world.chat_requests()) == 1


_LOCK_TURN = "SELECT 1 FROM turn WHERE id = $1 FOR UPDATE"
_LOCK_MESSAGE = "SELECT 1 FROM message WHERE id = $1::uuid FOR UPDATE"
