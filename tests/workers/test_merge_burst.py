"""Burst merge through real arq workers, Redis and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from arq import func
from arq.connections import ArqRedis
from factories import World, add_message, make_world
from sqlalchemy.ext.asyncio import AsyncEngine
from worker_harness import Workers

from app.db import models as m
from app.db.enums import Author
from workers import merge
from workers import settings as worker_settings


async def turns_of(engine: AsyncEngine, world: World) -> list[m.Turn]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(m.Turn).where(m.Turn.session_id == world.session_id).order_by(m.Turn.fired_at)
        )
        return [m.Turn(**row._asdict()) for row in rows]


def about(delta: timedelta, seconds: float) -> bool:
    # Deadlines are kept in whole milliseconds; message times have microseconds.
    return abs(delta.total_seconds() - seconds) < 0.001


async def test_a_burst_of_three_messages_becomes_one_turn_in_order(
    engine: AsyncEngine, arq: ArqRedis, workers: Workers
) -> None:
    world = await make_world(engine)
    ids = [
        await add_message(engine, arq, world, text=text)
        for text in ("oi", "tudo bem?", "meu pedido não chegou")
    ]
    await workers.run()

    (turn,) = await turns_of(engine, world)
    assert turn.status == m.TurnStatus.READY
    assert turn.message_ids == ids
    assert turn.merged_text == "oi\ntudo bem?\nmeu pedido não chegou"
    assert turn.organization_id == world.organization_id
    # The deadline is concatTimeout (0.3 s here) after the last message, and it fired then.
    assert about(turn.deadline_at - turn.last_message_at, 0.3)
    assert turn.fired_at >= turn.deadline_at
    # Never early; how late is bench/merge's figure (no timed assertions in the suite:
    # a loaded CI machine made this 634 ms once).
    assert turn.lateness_ms >= 0
    assert turn.lateness_ms == (turn.fired_at - turn.deadline_at) / timedelta(milliseconds=1)


async def test_a_message_after_the_turn_opens_a_new_burst(
    engine: AsyncEngine, arq: ArqRedis, workers: Workers
) -> None:
    world = await make_world(engine)
    first = await add_message(engine, arq, world, text="oi")
    await workers.run()
    second = await add_message(engine, arq, world, text="alguém aí?")
    await workers.run()

    turns = await turns_of(engine, world)
    assert [t.message_ids for t in turns] == [[first], [second]]
    assert [t.merged_text for t in turns] == ["oi", "alguém aí?"]


async def test_the_turn_fires_at_the_max_wait_even_if_the_customer_keeps_writing(
    engine: AsyncEngine, arq: ArqRedis, workers: Workers
) -> None:
    world = await make_world(engine)
    workers.with_config(merge_max_wait=0.9)
    start = datetime.now(UTC) + timedelta(seconds=0.3)
    # Messages every 0.2 s for 1.6 s: each one alone would push the deadline again.
    # Each arrives at its time: created then, and its merge job is due then, exactly
    # as ingest's outbox would enqueue it.
    ids = []
    for i in range(9):
        at = start + timedelta(seconds=0.2 * i)
        ids.append(await add_message(engine, None, world, text=f"msg {i}"))
        async with engine.begin() as conn:
            await conn.execute(
                sa.update(m.Message).where(m.Message.id == ids[-1]).values(created_at=at)
            )
        await arq.enqueue_job("merge_burst", str(world.session_id), str(ids[-1]), _defer_until=at)
    await workers.run()

    first, second = await turns_of(engine, world)
    # Capped: 0.9 s after the first message, not 0.3 s after the last one.
    assert about(first.deadline_at - first.first_message_at, 0.9)
    assert first.message_ids == ids[:5]  # 0.0 … 0.8 s
    assert second.message_ids == ids[5:]  # 1.0 … 1.6 s: the next burst, capped again
    assert about(second.deadline_at - second.first_message_at, 0.9)
    assert first.lateness_ms >= 0 and second.lateness_ms >= 0


async def test_two_hundred_concurrent_messages_and_two_workers_make_exactly_one_turn(
    engine: AsyncEngine, arq: ArqRedis, workers: Workers
) -> None:
    world = await make_world(engine)
    # 200 jobs on two workers take a few hundred ms; the quiet time must outlast that
    # or the late ones would rightly start a second burst.
    workers.with_config(merge_concat_override=1.5)
    ids = await asyncio.gather(
        *(add_message(engine, None, world, text=f"m{i}") for i in range(200))
    )
    await asyncio.gather(
        *(arq.enqueue_job("merge_burst", str(world.session_id), str(i)) for i in ids)
    )
    # A repeated delivery of the same job changes nothing.
    await arq.enqueue_job("merge_burst", str(world.session_id), str(ids[0]))
    ran = await workers.run(count=2)

    (turn,) = await turns_of(engine, world)
    assert sorted(turn.message_ids) == sorted(ids)
    assert len(turn.message_ids) == 200
    assert all(worker.jobs_complete > 0 for worker in ran)


async def test_only_customer_messages_make_bursts(
    engine: AsyncEngine, arq: ArqRedis, workers: Workers
) -> None:
    world = await make_world(engine)
    await add_message(engine, arq, world, text="Olá! Como posso ajudar?", author=Author.AGENT)
    agent = await add_message(engine, None, world, text="nota", author=Author.AGENT)
    await arq.enqueue_job("merge_burst", str(world.session_id), str(agent))
    await arq.enqueue_job("merge_burst", str(world.session_id), str(uuid.uuid4()))
    await workers.run()
    assert await turns_of(engine, world) == []


async def test_a_replayed_fire_of_a_closed_burst_changes_nothing(
    engine: AsyncEngine, arq: ArqRedis, workers: Workers
) -> None:
    world = await make_world(engine)
    message = await add_message(engine, arq, world, text="oi")
    await workers.run()
    (turn,) = await turns_of(engine, world)
    # A duplicate fire job, and the same message's merge job again after its turn.
    await arq.enqueue_job("fire_turn", str(world.session_id), turn.burst_key)
    await arq.enqueue_job("merge_burst", str(world.session_id), str(message))
    await workers.run()
    assert [t.id for t in await turns_of(engine, world)] == [turn.id]


async def test_ready_turns_enqueue_the_follow_up_jobs(
    engine: AsyncEngine, arq: ArqRedis, workers: Workers
) -> None:
    seen: list[str] = []

    async def respond_turn(ctx: dict[str, object], turn_id: str) -> None:
        seen.append(turn_id)

    world = await make_world(engine)
    assert merge.TURN_READY_JOBS == ["respond_turn"]
    # A recording stand-in for the AI responder, under the name the merge enqueues.
    names = [getattr(f, "name", "") for f in worker_settings.FUNCTIONS]
    real = names.index("respond_turn")
    original = worker_settings.FUNCTIONS[real]
    worker_settings.FUNCTIONS[real] = func(respond_turn, name="respond_turn")
    try:
        await add_message(engine, arq, world, text="oi")
        await workers.run()
    finally:
        worker_settings.FUNCTIONS[real] = original
    (turn,) = await turns_of(engine, world)
    assert seen == [str(turn.id)]


async def test_a_message_whose_merge_job_is_late_still_joins_its_burst(
    engine: AsyncEngine, arq: ArqRedis, workers: Workers
) -> None:
    world = await make_world(engine)
    ids = [await add_message(engine, arq, world, text=t) for t in ("oi", "tudo bem?")]
    # Stored with the others, but its job waits in a backlog until after the close.
    ids.append(await add_message(engine, None, world, text="preciso de ajuda"))
    await arq.enqueue_job("merge_burst", str(world.session_id), str(ids[-1]), _defer_by=1.0)
    await workers.run()

    (turn,) = await turns_of(engine, world)
    assert turn.message_ids == ids
    assert turn.merged_text == "oi\ntudo bem?\npreciso de ajuda"
