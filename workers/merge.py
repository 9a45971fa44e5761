"""Burst merge: a customer's run of messages becomes one turn.

``merge_burst(ctx, session_id, message_id)`` — ingest enqueues it (through the outbox)
for every customer message. It adds the message to the session's open burst in Redis
(workers.merge_state) and makes sure a ``fire_turn`` job is deferred to the burst's
deadline: ``concatTimeout`` after the last message, capped at ``merge_max_wait`` after
the first.

``fire_turn(ctx, session_id, burst_id, deadline_ms)`` — deferred, with a job id versioned by the
deadline it was scheduled for (arq keeps finished ids; a reused id would be refused).
It re-reads the deadline from Redis: moved → the newer job owns it; due → it closes the
burst atomically (only one closer wins) and stores the turn as PENDING, waits (bounded)
for the burst's media to be understood, writes the merged text, marks it READY and
enqueues ``TURN_READY_JOBS`` through the outbox. A message arriving after the close
opens the next burst.

Jobs are due ``FIRE_LEAD`` seconds before the deadline and sleep the rest in-process:
arq polls its queue every ``poll_delay``, which alone would make a turn up to that late.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from arq.connections import ArqRedis
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import models as m
from app.db.enums import Author, Direction
from app.outbox import OutboxJob, flush_outbox, outbox_row, write_outbox
from workers.context import WorkerContext, context, redis_of
from workers.merge_state import (
    Closed,
    Joined,
    burst_members,
    close_burst,
    finish_burst,
    join_burst,
    wait_media_signal,
)
from workers.merge_text import MergedMessage, merged_text

# Jobs run with a turn's id once it is READY; the AI responder appends "respond_turn".
TURN_READY_JOBS: list[str] = ["respond_turn"]

DEFAULT_CONCAT = 8
FIRE_LEAD = 0.6  # seconds; must exceed the worker's poll_delay (0.2 s in WorkerSettings)
FIRE_LEASE_MS = 15 * 60 * 1000  # a closer that died is taken over after this
# An open burst this long past its deadline has lost its closer (see merge_burst).
ORPHANED_AFTER_MS = 10_000
TURN = cast(sa.Table, m.Turn.__table__)
MESSAGE = cast(sa.Table, m.Message.__table__)


async def merge_burst(ctx: dict[str, Any], session_id: str, message_id: str) -> str:
    deps, redis = context(ctx), redis_of(ctx)
    sid, mid = uuid.UUID(session_id), uuid.UUID(message_id)
    async with deps.engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(
                    m.Message.author,
                    m.Message.direction,
                    m.Message.created_at,
                    m.Session.concat_timeout.label("session_concat"),
                    m.Connection.concat_timeout.label("connection_concat"),
                    _in_a_turn(sid).label("taken"),
                )
                .join(m.Session, m.Session.id == m.Message.session_id)
                .join(m.Connection, m.Connection.id == m.Message.connection_id)
                .where(m.Message.id == mid, m.Message.session_id == sid)
            )
        ).one_or_none()
    if row is None:
        return "missing"
    if row.author != Author.CUSTOMER or row.direction != Direction.IN:
        return "ignored"
    if row.taken:
        # An earlier turn took it while this job waited in a backlog; joining now
        # would open a burst anchored at its old time.
        return "taken"
    concat = _concat(deps, row.session_concat, row.connection_concat)
    joined = await _join(deps, redis, sid, mid, row.created_at, concat)
    if joined.burst is None or joined.deadline_ms is None:
        return "closed"  # a re-run after its burst already fired
    # One fire job per burst, not one per message: a job that wakes to a deadline that
    # moved later schedules its successor (see fire_turn). A new job is needed only when
    # none can be relied on: the burst is new, the deadline moved earlier (a delayed job
    # carrying an earlier message), or this is a re-run whose first run may have died
    # between the join and this enqueue (the versioned id makes that a no-op otherwise).
    previous = joined.previous_ms
    if not joined.new or previous is None or joined.deadline_ms < previous:
        await schedule_fire(redis, sid, joined.burst, joined.deadline_ms)
    if not joined.new and joined.deadline_ms < _now_ms() - ORPHANED_AFTER_MS:
        # A re-run (the reconciler's) finds the burst still open long after its
        # deadline: the job that should have closed it is lost, or held by a worker
        # that died — arq runs a dead worker's job again only after its longest job
        # timeout (15 min), and the re-schedule above reuses that job's id. A second
        # closer under an id of its own; close_burst lets exactly one of them win.
        await schedule_fire(redis, sid, joined.burst, joined.deadline_ms, orphaned=True)
    return "joined" if joined.new else "seen"


def _concat(
    deps: WorkerContext, session_concat: int | None, connection_concat: int | None
) -> float:
    override = deps.config.merge_concat_override
    return override or session_concat or connection_concat or DEFAULT_CONCAT


async def _join(
    deps: WorkerContext,
    redis: ArqRedis,
    session_id: uuid.UUID,
    message_id: uuid.UUID,
    created_at: datetime,
    concat: float,
) -> Joined:
    return await join_burst(
        redis,
        session_id,
        message_id,
        # The message's own time, not ours: a job delayed in the queue must not
        # stretch the customer's wait.
        arrival_ms=_ms(created_at),
        concat_ms=int(concat * 1000),
        max_wait_ms=int(deps.config.merge_max_wait * 1000),
    )


async def _catch_up(deps: WorkerContext, redis: ArqRedis, session_id: uuid.UUID) -> None:
    """Join the session's stored customer messages whose merge jobs are still queued
    (a backlogged worker), so the deadline moves as their arrival did. Messages that
    joined already are no-ops (their seen keys)."""
    now = datetime.now(UTC)
    since = now - timedelta(seconds=deps.config.merge_max_wait + 60)
    async with deps.engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(
                    MESSAGE.c.id,
                    MESSAGE.c.created_at,
                    m.Session.concat_timeout.label("session_concat"),
                    m.Connection.concat_timeout.label("connection_concat"),
                )
                .join(m.Session, m.Session.id == MESSAGE.c.session_id)
                .join(m.Connection, m.Connection.id == MESSAGE.c.connection_id)
                .where(
                    MESSAGE.c.session_id == session_id,
                    MESSAGE.c.author == Author.CUSTOMER,
                    MESSAGE.c.direction == Direction.IN,
                    MESSAGE.c.created_at.between(since, now),
                    ~_in_a_turn(session_id),
                )
            )
        ).all()
    # Usually every one has joined already: one HKEYS instead of a script call each.
    members = await burst_members(redis, session_id)
    for row in rows:
        if str(row.id) in members:
            continue
        concat = _concat(deps, row.session_concat, row.connection_concat)
        await _join(deps, redis, session_id, row.id, row.created_at, concat)


async def schedule_fire(
    redis: ArqRedis, session_id: uuid.UUID, burst: str, deadline_ms: int, *, orphaned: bool = False
) -> None:
    # Straight to arq, not through the outbox: the burst it fires lives in Redis only
    # (workers.merge_state), so there is no commit for it to follow, and a lost Redis
    # loses the burst with it (the next customer message starts a new one). The
    # versioned id is the debounce: a re-run's enqueue of the same deadline is a no-op.
    await redis.enqueue_job(
        "fire_turn",
        str(session_id),
        burst,
        deadline_ms,
        _job_id=f"fire_turn:{session_id}:{burst}:{deadline_ms}" + (":orphaned" if orphaned else ""),
        _defer_until=datetime.fromtimestamp(deadline_ms / 1000 - FIRE_LEAD, UTC),
    )


async def fire_turn(
    ctx: dict[str, Any], session_id: str, burst_id: str, deadline_ms: int | None = None
) -> str:
    """``deadline_ms``: the deadline this job was scheduled for; None fires whatever
    the burst's deadline is (a manual or replayed call). Woken before a deadline that
    moved, the job schedules its successor for the new one and ends."""
    deps, redis = context(ctx), redis_of(ctx)
    sid = uuid.UUID(session_id)
    owner = str(ctx.get("job_id") or uuid.uuid4())
    caught_up = False
    while True:
        outcome, value = await close_burst(
            redis, sid, burst_id, now_ms=_now_ms(), owner=owner, lease_ms=FIRE_LEASE_MS
        )
        if outcome != "early":
            break
        if not caught_up:
            # Before the deadline, not at it: this costs a query and a Redis call per
            # message, which must not make the turn late.
            await _catch_up(deps, redis, sid)
            caught_up = True
            continue
        current = cast(int, value)
        far = current / 1000 - time.time() > FIRE_LEAD
        if deadline_ms != current and (deadline_ms is not None or far):
            # A later message moved the deadline: hand over to that deadline's job
            # (already queued if the deadline moved earlier: the enqueue is a no-op).
            # Only the current deadline's job ever sleeps, so a 200-message burst
            # holds one worker slot, not 200.
            await schedule_fire(redis, sid, burst_id, current)
            return "moved"
        await asyncio.sleep(max(current / 1000 - time.time(), 0))
    if outcome != "closed":
        return outcome  # stale (fired already), taken (another worker), done
    closed = cast(Closed, value)
    turn_id = await _record_turn(deps, sid, closed)
    if turn_id is not None:
        await _complete_turn(deps, redis, sid, turn_id, closed.deadline_ms)
    await finish_burst(redis, sid, burst_id)
    return "fired" if turn_id is not None else "empty"


async def _record_turn(
    deps: WorkerContext, session_id: uuid.UUID, closed: Closed
) -> uuid.UUID | None:
    """The PENDING turn (created now, or by this burst's earlier run), or None when
    every message already belongs to a turn (Redis lost its state and replayed)."""
    async with deps.engine.begin() as conn:
        # Turns of one session are recorded one at a time, so two bursts closing close
        # together cannot both claim a message neither has claimed yet.
        await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_id(session_id))))
        existing = (
            await conn.execute(
                sa.select(TURN.c.id, TURN.c.status).where(
                    TURN.c.session_id == session_id, TURN.c.burst_key == closed.burst
                )
            )
        ).one_or_none()
        if existing is not None:
            return existing.id if existing.status == m.TurnStatus.PENDING else None
        rows = await _members(conn, session_id, closed, deps.config.merge_max_wait)
        ids = [r.id for r in rows]
        if not ids:
            return None
        fired = _at(closed.closed_ms)
        deadline = _at(closed.deadline_ms)
        inserted = await conn.scalar(
            insert(TURN)
            .values(
                organization_id=rows[0].organization_id,
                session_id=session_id,
                burst_key=closed.burst,
                status=m.TurnStatus.PENDING,
                message_ids=ids,
                first_message_at=rows[0].created_at,
                last_message_at=max(r.created_at for r in rows),
                deadline_at=deadline,
                fired_at=fired,
                lateness_ms=float(closed.closed_ms - closed.deadline_ms),
            )
            .on_conflict_do_nothing(index_elements=["session_id", "burst_key"])
            .returning(TURN.c.id)
        )
    return cast(uuid.UUID | None, inserted)


async def _members(
    conn: AsyncConnection, session_id: uuid.UUID, closed: Closed, max_wait: float
) -> list[Any]:
    """The burst's messages in order: those that joined it in Redis, plus customer
    messages stored before it closed whose merge job has not run yet (a backlogged
    worker must not split a burst; their late jobs then find them taken), minus any
    already in a turn (Redis lost its state, or a replay)."""
    customer_before_close = sa.and_(
        MESSAGE.c.author == Author.CUSTOMER,
        MESSAGE.c.direction == Direction.IN,
        MESSAGE.c.created_at >= _at(closed.first_ms - int(max_wait * 1000)),
        MESSAGE.c.created_at <= _at(closed.closed_ms),
    )
    stmt = (
        sa.select(MESSAGE.c.id, MESSAGE.c.organization_id, MESSAGE.c.created_at)
        .where(
            MESSAGE.c.session_id == session_id,
            sa.or_(MESSAGE.c.id.in_(closed.message_ids), customer_before_close),
            ~_in_a_turn(session_id),
        )
        .order_by(MESSAGE.c.created_at, MESSAGE.c.id)
    )
    return list((await conn.execute(stmt)).all())


def _in_a_turn(session_id: uuid.UUID) -> sa.Exists:
    return sa.exists().where(
        TURN.c.session_id == session_id, MESSAGE.c.id == sa.any_(TURN.c.message_ids)
    )


async def complete_turn(ctx: dict[str, Any], turn_id: str) -> str:
    """Finish a PENDING turn from PostgreSQL alone: its ``fire_turn`` was lost with
    Redis (workers.reconcile enqueues this). Racing a live ``fire_turn`` is harmless:
    only one of them moves the turn to READY."""
    deps, redis = context(ctx), redis_of(ctx)
    tid = uuid.UUID(turn_id)
    async with deps.engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(TURN.c.session_id, TURN.c.status, TURN.c.deadline_at).where(
                    TURN.c.id == tid
                )
            )
        ).one_or_none()
    if row is None:
        return "missing"
    if row.status != m.TurnStatus.PENDING:
        return "done"
    await _complete_turn(deps, redis, row.session_id, tid, _ms(row.deadline_at))
    return "completed"


async def _complete_turn(
    deps: WorkerContext,
    redis: ArqRedis,
    session_id: uuid.UUID,
    turn_id: uuid.UUID,
    deadline_ms: int,
) -> None:
    message_ids = await _turn_message_ids(deps, turn_id)
    messages = await _wait_for_media(deps, redis, session_id, message_ids, deadline_ms)
    async with deps.engine.begin() as conn:
        updated = await conn.execute(
            sa.update(TURN)
            .where(TURN.c.id == turn_id, TURN.c.status == m.TurnStatus.PENDING)
            .values(
                status=m.TurnStatus.READY,
                merged_text=merged_text(messages),
                ready_at=sa.func.now(),
            )
        )
        jobs: list[OutboxJob] = []
        if updated.rowcount:
            jobs = await write_outbox(
                conn, [outbox_row(job, str(turn_id)) for job in TURN_READY_JOBS]
            )
    await flush_outbox(deps.engine, redis, jobs)


async def _turn_message_ids(deps: WorkerContext, turn_id: uuid.UUID) -> list[uuid.UUID]:
    async with deps.engine.connect() as conn:
        ids = await conn.scalar(sa.select(TURN.c.message_ids).where(TURN.c.id == turn_id))
    return list(ids or [])


async def _wait_for_media(
    deps: WorkerContext,
    redis: ArqRedis,
    session_id: uuid.UUID,
    ids: list[uuid.UUID],
    deadline_ms: int,
) -> list[MergedMessage]:
    """The burst's messages once every medium is settled, or as they are when the wait
    (counted from the deadline, so a retried job does not wait again) runs out."""
    give_up = deadline_ms / 1000 + deps.config.merge_media_wait
    while True:
        messages = await _load_messages(deps, ids)
        pending = [
            msg
            for msg in messages
            if msg.media_source is not None
            and msg.transcription is None
            and msg.transcription_error is None
        ]
        left = give_up - time.time()
        if not pending or left <= 0:
            return messages
        # A lost signal (a media job killed mid-way) costs at most this poll interval.
        await wait_media_signal(redis, session_id, min(left, 2.0))


async def _load_messages(deps: WorkerContext, ids: list[uuid.UUID]) -> list[MergedMessage]:
    async with deps.engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(
                    MESSAGE.c.content,
                    MESSAGE.c.media_source,
                    MESSAGE.c.transcription,
                    MESSAGE.c.transcription_error,
                    MESSAGE.c.media_error,
                )
                .where(MESSAGE.c.id.in_(ids))
                .order_by(MESSAGE.c.created_at, MESSAGE.c.id)
            )
        ).all()
    return [
        MergedMessage(
            content=r.content or {},
            media_source=r.media_source,
            transcription=r.transcription,
            transcription_error=r.transcription_error,
            media_error=r.media_error,
        )
        for r in rows
    ]


def _lock_id(session_id: uuid.UUID) -> int:
    # pg_advisory_xact_lock takes a signed 64-bit key.
    return int.from_bytes(session_id.bytes[:8], "big", signed=True)


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)
