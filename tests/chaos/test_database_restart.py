"""A real worker whose job runs while PostgreSQL is down: the job is run again once the
database is back (workers.outage), instead of failing for good and leaving its work to
the reconciler's sweep minutes later; the customer is answered once."""

from __future__ import annotations

from ai_harness import World
from arq.connections import ArqRedis
from arq.constants import default_queue_name, in_progress_key_prefix, retry_key_prefix
from arq.jobs import Job
from chaos_kit import Processes, wait_for
from support.stack import Stack

ANSWER = "Resposta de teste do modelo."


async def _merge_job(redis: ArqRedis) -> str:
    for job_id in await redis.zrange(default_queue_name, 0, -1):
        info = await Job(job_id.decode(), redis).info()
        if info is not None and info.function == "merge_burst":
            return job_id.decode()
    raise AssertionError("no merge_burst job is queued")


async def test_a_job_that_met_a_stopped_database_runs_again(
    world: World, processes: Processes, redis: ArqRedis, stack: Stack
) -> None:
    await world.configure_llm()
    await world.inbound("oi, tudo bem?")
    await world.db.outbox_drained()
    job_id = await _merge_job(redis)
    stack.pg.stop()
    try:
        processes.worker()

        async def tried() -> bool:
            if await Job(job_id, redis).result_info() is not None:
                return True  # it ran and ended (failed, without the retry)
            started = await redis.exists(retry_key_prefix + job_id)
            running = await redis.exists(in_progress_key_prefix + job_id)
            return bool(started) and not running

        await wait_for(tried, "the worker to try the merge job", timeout=60)
    finally:
        stack.pg.start()

    async def sent() -> bool:
        rows = await world.outbound()
        return bool(rows) and rows[0]["status"] == "SENT"

    await wait_for(sent, "the reply to be SENT", timeout=90)
    # The job itself ran again (the reconciler's sweep may have answered first: then
    # it found its message taken). Without the retry it would have failed for good.
    result = await wait_for(lambda: Job(job_id, redis).result_info(), "the merge job", 60)
    assert result.success, result
    assert result.job_try >= 2
    assert world.sent_texts() == [ANSWER]
    assert await world.db.val("SELECT count(*) FROM turn") == 1
