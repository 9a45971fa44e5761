"""A real ``balcao runner`` started while PostgreSQL is down waits for it instead of
exiting, and reads its commands again after Redis came back empty (the command stream
and its group gone with it)."""

from __future__ import annotations

import asyncio

from arq.connections import ArqRedis
from chaos_kit import Processes, wait_for
from support.stack import Stack

from providers.whatsapp_web.commands import GROUP, STREAM


async def _reading(redis: ArqRedis) -> bool:
    try:
        groups = await redis.xinfo_groups(STREAM)
    except Exception:  # no stream yet
        return False
    return any(g["name"] in (GROUP, GROUP.encode()) for g in groups)


async def test_the_runner_waits_for_the_database_and_outlives_an_emptied_redis(
    processes: Processes, redis: ArqRedis, stack: Stack
) -> None:
    stack.pg.stop()
    try:
        runner = processes.runner()
        await asyncio.sleep(3)  # several start attempts against the stopped database
        assert runner.process.poll() is None, "the runner exited on a stopped database"
        assert not await _reading(redis)
    finally:
        stack.pg.start()
    await wait_for(lambda: _reading(redis), "the runner to read its commands", timeout=60)

    await redis.flushall()
    await wait_for(lambda: _reading(redis), "the runner to read commands again", timeout=30)
    assert runner.process.poll() is None
