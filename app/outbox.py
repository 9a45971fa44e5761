"""Side effects after commit. A transaction that needs a job writes an outbox row;
after the commit the job is enqueued and the row deleted. If Redis is unreachable the
row stays, and the relay (every few seconds, in the api and as a worker cron) enqueues
it once Redis is back: a committed change never loses its follow-up work. Event rows
are announced to realtime subscribers in the same pipeline (app.realtime).

One way, everywhere (requests through app.jobs, ingest, the runner, every job)::

    rows = [outbox_row("deliver_message", str(message_id)), events.event_row(...)]
    jobs = await write_outbox(conn, rows)      # in the transaction (write_outbox_pg on asyncpg)
    ...commit...
    await flush_outbox(engine, arq, jobs)      # the written jobs: enqueue, then delete

Jobs enqueued straight through arq, bypassing the outbox, are only those whose record
is Redis itself (the burst merge's deferred ``fire_turn``: workers.merge)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Protocol, cast

import msgspec
import sqlalchemy as sa
from arq.connections import ArqRedis
from arq.constants import expires_extra_ms, job_key_prefix, result_key_prefix
from arq.jobs import serialize_job
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app import realtime
from app.db.models import Outbox
from app.ingest.sql import INSERT_OUTBOX

log = logging.getLogger("balcao.outbox")
OUTBOX = cast(sa.Table, Outbox.__table__)
# The request that wrote a row enqueues it itself; the relay only takes rows that
# have waited longer than this, so the two rarely enqueue the same job (and jobs are
# safe to run twice when they do).
RELAY_GRACE = timedelta(seconds=10)
RELAY_EVERY_SECONDS = 5.0
_encode = msgspec.json.Encoder().encode
# One bound array rather than an IN list: one cached statement for any batch size.
_DELETE_DONE = "DELETE FROM outbox WHERE id = ANY($1::bigint[])"


class Pg(Protocol):
    """What the outbox uses of an asyncpg connection or pool (asyncpg ships no types)."""

    async def fetch(self, query: str, *args: Any) -> list[Any]: ...

    async def execute(self, query: str, *args: Any) -> str: ...


class OutboxRow(msgspec.Struct, frozen=True):
    """A job a transaction wants run once it has committed (arq's ``_job_id`` and
    ``_defer_by`` as ``job_id`` and ``defer_seconds``)."""

    job: str
    args: list[Any]
    job_id: str | None = None
    defer_seconds: float | None = None


class OutboxJob(msgspec.Struct, frozen=True):
    """An outbox row as written: ``id`` deletes it once its job is in Redis. ``id`` 0:
    an event nobody subscribed to, not written — only its realtime notice goes out."""

    id: int
    job: str
    args: list[Any]
    job_id: str | None = None
    defer_seconds: float | None = None


def outbox_row(
    job: str, *args: Any, job_id: str | None = None, defer: float | None = None
) -> OutboxRow:
    return OutboxRow(job, list(args), job_id, defer)


def _params(rows: Sequence[OutboxRow]) -> tuple[list[Any], ...]:
    return (
        [r.job for r in rows],
        [_encode(r.args).decode() for r in rows],
        [r.job_id for r in rows],
        [r.defer_seconds for r in rows],
    )


def _written(
    rows: Sequence[OutboxRow], kept: Sequence[bool], ids: Sequence[int]
) -> list[OutboxJob]:
    """Each row with its id; 0 for an event nobody subscribed to (INSERT_OUTBOX)."""
    left = iter(ids)
    return [
        OutboxJob(next(left) if k else 0, r.job, r.args, r.job_id, r.defer_seconds)
        for r, k in zip(rows, kept, strict=True)
    ]


async def write_outbox(conn: AsyncConnection, rows: Sequence[OutboxRow]) -> list[OutboxJob]:
    """Insert rows inside the caller's transaction (SQLAlchemy side), in one statement.
    An event that no active webhook subscription of its organization listens to is
    not written: its ``publish_event`` job would find nobody to deliver to."""
    if not rows:
        return []
    found = (await conn.exec_driver_sql(INSERT_OUTBOX, _params(rows))).one()
    return _written(rows, found.kept, found.ids or [])


async def write_outbox_pg(db: Pg, rows: Sequence[OutboxRow]) -> list[OutboxJob]:
    """``write_outbox`` on a bare asyncpg connection (the ingest path)."""
    if not rows:
        return []
    (found,) = await db.fetch(INSERT_OUTBOX, *_params(rows))
    return _written(rows, found["kept"], found["ids"] or [])


async def _enqueue(arq: ArqRedis, jobs: Sequence[OutboxJob]) -> list[int]:
    """Enqueue; stop at the first Redis failure. Returns the ids done.

    Jobs without a job id (nearly all) go in one pipeline, written in arq's own
    format (the job key and the queue entry that ``enqueue_job`` writes), instead
    of arq's watch/multi round trips per job, together with the realtime notices of
    the events among them. Jobs with an id keep arq's check that the id is neither
    queued nor finished with a kept result, done by a script in Redis so that they go in
    one pipeline too (a reconciler sweep re-enqueues thousands of them: one watch/multi
    per job cost a third of a worker's CPU over a backlog in bench/chaos)."""
    done: list[int] = []
    try:
        plain = [j for j in jobs if j.job_id is None]
        if plain:
            await _pipeline_enqueue(arq, plain)
            done.extend(j.id for j in plain if j.id)
        unique = [j for j in jobs if j.job_id is not None]
        if unique:
            await _pipeline_enqueue_unique(arq, unique)
            done.extend(j.id for j in unique)
    except (RedisError, OSError) as exc:
        log.warning(
            "enqueue left to the relay", extra={"left": len(jobs) - len(done), "error": str(exc)}
        )
    return done


async def _pipeline_enqueue(arq: ArqRedis, jobs: Sequence[OutboxJob]) -> None:
    now_ms = int(time.time() * 1000)
    pipe = arq.pipeline(transaction=False)
    for job in jobs:
        if not job.id:
            continue  # a notice only (nobody subscribed to the event)
        job_id = uuid.uuid4().hex
        defer_ms = int((job.defer_seconds or 0) * 1000)
        data = serialize_job(
            job.job, tuple(job.args), {}, None, now_ms, serializer=arq.job_serializer
        )
        pipe.psetex(job_key_prefix + job_id, defer_ms + expires_extra_ms, data)
        pipe.zadd(arq.default_queue_name, {job_id: now_ms + defer_ms})
    for channel, payload in realtime.notices([(job.job, job.args) for job in jobs]):
        pipe.publish(channel, payload)
    await pipe.execute()


# arq's ``enqueue_job`` with a ``_job_id``, as one atomic step: nothing when the job is
# queued (its key) or done with a kept result; else its key and its queue entry.
_ENQUEUE_UNIQUE = """
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then return 0 end
redis.call('PSETEX', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
return 1
"""


async def _pipeline_enqueue_unique(arq: ArqRedis, jobs: Sequence[OutboxJob]) -> None:
    script = arq.register_script(_ENQUEUE_UNIQUE)
    now_ms = int(time.time() * 1000)
    pipe = arq.pipeline(transaction=False)
    for job in jobs:
        assert job.job_id is not None
        defer_ms = int((job.defer_seconds or 0) * 1000)
        data = serialize_job(
            job.job, tuple(job.args), {}, None, now_ms, serializer=arq.job_serializer
        )
        keys = [job_key_prefix + job.job_id, result_key_prefix + job.job_id, arq.default_queue_name]
        args: list[bytes | int | str] = [
            data,
            defer_ms + expires_extra_ms,
            now_ms + defer_ms,
            job.job_id,
        ]
        await script(keys=keys, args=args, client=pipe)
    await pipe.execute()


class OutboxFlusher:
    """Enqueues committed jobs in the background, many requests' jobs at a time: one
    Redis pipeline and one DELETE per round instead of per request."""

    def __init__(self, engine: AsyncEngine, arq: ArqRedis) -> None:
        self.engine = engine
        self.arq = arq
        self._pending: list[OutboxJob] = []
        self._wake = asyncio.Event()

    def submit(self, jobs: Sequence[OutboxJob]) -> None:
        self._pending.extend(jobs)
        self._wake.set()

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._pending = self._pending, []
            try:
                await flush_outbox(self.engine, self.arq, batch)
            except Exception:  # the rows stay in the outbox; the relay retries them
                log.exception("outbox flush failed")


async def flush_outbox(db: AsyncEngine | Pg, arq: ArqRedis, jobs: Sequence[OutboxJob]) -> int:
    """After a commit: enqueue the jobs it wrote and delete their rows, through the
    engine or the asyncpg pool the caller has. Never raises for Redis trouble: what
    could not be enqueued is left for the relay."""
    if not jobs:
        return 0
    done = await _enqueue(arq, jobs)
    if done:
        if isinstance(db, AsyncEngine):
            async with db.begin() as conn:
                await conn.exec_driver_sql(_DELETE_DONE, (done,))
        else:
            await db.execute(_DELETE_DONE, done)
    return len(done)


async def relay_outbox(
    engine: AsyncEngine, arq: ArqRedis, limit: int = 1000, grace: timedelta = RELAY_GRACE
) -> int:
    """Enqueue rows left behind (Redis was down when they were written)."""
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                sa.select(
                    OUTBOX.c.id,
                    OUTBOX.c.job,
                    OUTBOX.c.args,
                    OUTBOX.c.job_id,
                    OUTBOX.c.defer_seconds,
                )
                .where(OUTBOX.c.created_at < sa.func.now() - grace)
                .order_by(OUTBOX.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not rows:
            return 0
        jobs = [
            OutboxJob(
                id=r.id, job=r.job, args=r.args, job_id=r.job_id, defer_seconds=r.defer_seconds
            )
            for r in rows
        ]
        done = await _enqueue(arq, jobs)
        if done:
            await conn.execute(sa.delete(OUTBOX).where(OUTBOX.c.id.in_(done)))
        leftover = [j.id for j in jobs if j.id not in set(done)]
        if leftover:
            await conn.execute(
                sa.update(OUTBOX)
                .where(OUTBOX.c.id.in_(leftover))
                .values(attempts=OUTBOX.c.attempts + 1)
            )
    return len(done)


async def run_relay(engine: AsyncEngine, arq: ArqRedis, every: float = RELAY_EVERY_SECONDS) -> None:
    """The api's relay loop (cancelled at shutdown)."""
    while True:
        await asyncio.sleep(every)
        try:
            await relay_outbox(engine, arq)
        except Exception:  # a failing relay must not stop the loop
            log.exception("outbox relay failed")
