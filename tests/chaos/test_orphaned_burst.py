"""A burst whose closing job was held by a worker that died (arq runs a dead worker's
job again only after its longest job timeout, 15 minutes): the next merge of one of
its messages finds the burst open long past its deadline and schedules a closer of its
own; the customer is answered once, without waiting for the dead worker's lease."""

from __future__ import annotations

import uuid

from ai_harness import PLATFORM_FAST, World
from arq.connections import ArqRedis
from arq.constants import default_queue_name, in_progress_key_prefix, job_key_prefix
from chaos_kit import Processes, wait_for

from workers.context import CONTEXT_KEY, build_context
from workers.merge import merge_burst, schedule_fire
from workers.merge_state import state_key

ANSWER = "Resposta de teste do modelo."


async def test_a_burst_whose_closer_died_is_closed_by_another(
    world: World, processes: Processes, redis: ArqRedis
) -> None:
    await world.configure_llm()
    await world.inbound("oi, vocês entregam hoje?")
    await world.db.outbox_drained()
    [row] = await world.db.fetch("SELECT id, session_id FROM message WHERE direction = 'IN'")
    session_id, message_id = str(row["session_id"]), str(row["id"])
    # The merge ran and scheduled the burst's closer.
    shared = build_context(world.settings, PLATFORM_FAST)
    try:
        assert await merge_burst({CONTEXT_KEY: shared, "redis": redis}, session_id, message_id)
    finally:
        await shared.aclose()
    # A minute passes: the burst, its message and the closing job (whose id carries
    # the deadline) are a minute older.
    key = state_key(uuid.UUID(session_id))
    for field in ("first", "last", "deadline"):
        await redis.hset(key, field, str(int(await redis.hget(key, field)) - 60_000))
    await world.db.fetch("UPDATE message SET created_at = created_at - interval '1 minute'")
    for job_id in await redis.zrange(default_queue_name, 0, -1):
        if job_id.startswith(b"fire_turn:"):
            await redis.zrem(default_queue_name, job_id)
            await redis.delete(job_key_prefix + job_id.decode())
    burst, deadline = await redis.hmget(key, ["burst", "deadline"])
    await schedule_fire(redis, uuid.UUID(session_id), burst.decode(), int(deadline))
    # A worker took that job and died: its in-progress lease outlives this test.
    [closer] = [j for j in await redis.zrange(default_queue_name, 0, -1) if b"fire_turn:" in j]
    await redis.set(in_progress_key_prefix + closer.decode(), b"1", px=900_000)

    processes.worker()  # runs the queued merge (a re-run now) and the reconciler

    async def sent() -> bool:
        rows = await world.outbound()
        return bool(rows) and rows[0]["status"] == "SENT"

    await wait_for(sent, "the reply to be SENT", timeout=60)
    assert await world.db.val("SELECT count(*) FROM turn") == 1
    assert world.sent_texts() == [ANSWER]
