"""Redis restarted empty at the worst moments: the reconciler (workers.reconcile) finds
the lost work from PostgreSQL alone, and every burst is answered exactly once, by a
real arq worker with the registry of workers.settings."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from ai_harness import PLATFORM_FAST, World, run_platform_worker
from arq.connections import RedisSettings, create_pool
from arq.constants import default_queue_name
from standins.openai_server import Reply
from support.stack import Stack

from app.config import Settings
from workers.context import CONTEXT_KEY, build_context
from workers.reconcile import SENTINEL, queue_lag, reconcile

ANSWER = "Abrimos às 8h!"


async def _run(settings: Settings, *, only: set[str] | None = None) -> dict[str, int]:
    """One reconciler run (the cron's body), then a burst-mode worker until the queue is
    empty. ``only`` limits the worker to those jobs: the others' jobs are consumed
    unrun, which is how work gets lost between this run and a Redis restart."""
    assert settings.redis_url
    shared = build_context(settings, PLATFORM_FAST)
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    try:
        counts = await reconcile({CONTEXT_KEY: shared, "redis": pool})
    finally:
        await pool.aclose()
        await shared.aclose()
    await run_platform_worker(settings, only=only)
    return counts


def _restart_empty(stack: Stack) -> None:
    stack.redis.stop()
    stack.redis.start(persist=False)


@pytest.fixture
async def answered(world: World) -> AsyncIterator[World]:
    """A customer's two messages, stored and their jobs queued."""
    await world.configure_llm()
    world.llm.queue("chat", Reply(text=ANSWER))
    await world.inbound("oi")
    await world.inbound("que horas abrem amanhã?")
    await world.db.outbox_drained()
    yield world


async def _answered_once(world: World) -> None:
    # Exactly once, however the work was rebuilt: one turn of both messages, one model
    # call, one send; and a later run finds nothing lost.
    assert world.sent_texts() == [ANSWER]
    assert len(world.chat_requests()) == 1
    turns = await world.db.fetch("SELECT status, array_length(message_ids, 1) AS n FROM turn")
    assert [(t["status"], t["n"]) for t in turns] == [("ANSWERED", 2)]
    [reply] = await world.outbound()
    assert reply["status"] == "SENT"
    assert await world.db.val("SELECT count(*) FROM outbox") == 0
    again = await _run(world.settings)
    assert sum(again.values()) == 0, again
    assert world.sent_texts() == [ANSWER]


async def test_merge_jobs_lost_before_any_worker_ran(answered: World, stack: Stack) -> None:
    _restart_empty(stack)
    counts = await _run(answered.settings)
    assert counts["merge_burst"] == 2
    await _answered_once(answered)


async def test_burst_state_lost_after_the_messages_joined(answered: World, stack: Stack) -> None:
    await _run(answered.settings, only={"merge_burst"})  # joined; its fire_turn is lost
    assert await answered.db.val("SELECT count(*) FROM turn") == 0
    _restart_empty(stack)
    counts = await _run(answered.settings)
    assert counts["merge_burst"] == 2
    await _answered_once(answered)


async def test_a_ready_turn_whose_responder_job_was_lost(answered: World, stack: Stack) -> None:
    await _run(answered.settings, only={"merge_burst", "fire_turn"})
    assert await answered.db.val("SELECT status FROM turn") == "READY"
    _restart_empty(stack)
    counts = await _run(answered.settings)
    assert counts["respond_turn"] == 1
    assert counts["merge_burst"] == 0
    await _answered_once(answered)


async def test_a_reply_whose_delivery_job_was_lost(answered: World, stack: Stack) -> None:
    # The inline send fails once (transient), so the reply is left to its queued job,
    # which this worker cannot run.
    answered.native.fail_next("server_error")
    await _run(answered.settings, only={"merge_burst", "fire_turn", "respond_turn"})
    [reply] = await answered.outbound()
    assert reply["status"] == "PENDING"
    _restart_empty(stack)
    counts = await _run(answered.settings)
    assert counts["deliver_message"] == 1
    await _answered_once(answered)


async def test_a_light_sweep_takes_only_work_whose_job_must_have_run(
    answered: World, stack: Stack
) -> None:
    # Redis kept its data (the sentinel is there) but lost the queued jobs, as after a
    # failover to a replica that had not caught up.
    assert answered.settings.redis_url
    pool = await create_pool(RedisSettings.from_dsn(answered.settings.redis_url))
    try:
        await pool.set(SENTINEL, "1")
        await pool.delete(default_queue_name)
    finally:
        await pool.aclose()
    fresh = await _run(answered.settings)
    assert sum(fresh.values()) == 0, fresh  # still within their burst's time
    await answered.db.fetch("UPDATE message SET created_at = created_at - interval '1 minute'")
    counts = await _run(answered.settings)
    assert counts["merge_burst"] == 2
    await _answered_once(answered)


async def test_sweeps_over_a_backlog_add_no_second_copy(answered: World, stack: Stack) -> None:
    """Work that is late, not lost (its job still queued behind a backlog), is found
    again by every sweep; the queue keeps one copy of the reconciler's job for it."""
    assert answered.settings.redis_url
    _restart_empty(stack)
    pool = await create_pool(RedisSettings.from_dsn(answered.settings.redis_url))
    shared = build_context(answered.settings, PLATFORM_FAST)
    try:
        for _ in range(3):
            await pool.delete(SENTINEL)  # each run a full sweep: it takes everything
            counts = await reconcile({CONTEXT_KEY: shared, "redis": pool})
            assert counts["merge_burst"] == 2
        assert await pool.zcard(default_queue_name) == 2
    finally:
        await pool.aclose()
        await shared.aclose()
    await run_platform_worker(answered.settings)
    await _answered_once(answered)


async def test_a_light_sweep_waits_while_the_workers_are_behind_their_queue(
    answered: World, stack: Stack
) -> None:
    """Over a backlog (the oldest due job has waited ten minutes) work older than its
    threshold is late, not lost: its job is still queued, so the sweep leaves it; once
    the queue has caught up the same work counts as lost again."""
    assert answered.settings.redis_url
    pool = await create_pool(RedisSettings.from_dsn(answered.settings.redis_url))
    shared = build_context(answered.settings, PLATFORM_FAST)
    try:
        await pool.set(SENTINEL, "1")
        await pool.delete(default_queue_name)  # the bursts' jobs are lost...
        waited = (time.time() - 600) * 1000
        await pool.zadd(default_queue_name, {"backlog:oldest": waited})  # ...behind a backlog
        await answered.db.fetch("UPDATE message SET created_at = created_at - interval '1 minute'")
        assert await queue_lag(pool) >= 599
        behind = await reconcile({CONTEXT_KEY: shared, "redis": pool})
        assert sum(behind.values()) == 0, behind
        await pool.zrem(default_queue_name, "backlog:oldest")  # the queue caught up
        assert await queue_lag(pool) == 0
    finally:
        await pool.aclose()
        await shared.aclose()
    counts = await _run(answered.settings)
    assert counts["merge_burst"] == 2
    await _answered_once(answered)
