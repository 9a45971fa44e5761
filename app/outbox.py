"""Side effects after commit. A transaction that needs a job writes an outbox row;
after the commit the job is enqueued and the row deleted. If Redis is unreachable the
row stays, and the relay (a worker cron) enqueues it once Redis is back: a committed
change never loses its follow-up work."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from arq.connections import ArqRedis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.db.models import Outbox

log = logging.getLogger("balcao.outbox")
OUTBOX = cast(sa.Table, Outbox.__table__)
# The request that wrote a row enqueues it itself; the relay only takes rows that
# have waited longer than this, so the two rarely enqueue the same job.
RELAY_GRACE = timedelta(seconds=10)


def outbox_row(
    job: str, *args: Any, job_id: str | None = None, defer: float | None = None
) -> dict[str, Any]:
    return {"job": job, "args": list(args), "job_id": job_id, "defer_seconds": defer}


async def write_outbox(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    result = await conn.execute(sa.insert(OUTBOX).returning(OUTBOX.c.id), list(rows))
    return list(result.scalars())


async def _enqueue(arq: ArqRedis, row: Any) -> None:
    await arq.enqueue_job(
        row.job,
        *row.args,
        _job_id=row.job_id,
        _defer_by=row.defer_seconds,
    )


async def flush_outbox(engine: AsyncEngine, arq: ArqRedis, ids: Sequence[int]) -> int:
    """Enqueue the jobs of committed rows and delete them. Never raises for Redis
    trouble: what could not be enqueued is left for the relay."""
    if not ids:
        return 0
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(OUTBOX).where(OUTBOX.c.id.in_(ids)))).all()
    return await _enqueue_and_delete(engine, arq, rows)


async def _enqueue_and_delete(engine: AsyncEngine, arq: ArqRedis, rows: Sequence[Any]) -> int:
    done: list[int] = []
    for row in rows:
        try:
            await _enqueue(arq, row)
        except (RedisError, OSError) as exc:
            log.warning("enqueue deferred to the relay", extra={"job": row.job, "error": str(exc)})
            break
        done.append(row.id)
    if done:
        async with engine.begin() as conn:
            await conn.execute(sa.delete(OUTBOX).where(OUTBOX.c.id.in_(done)))
    return len(done)


async def relay_outbox(engine: AsyncEngine, arq: ArqRedis, limit: int = 1000) -> int:
    """Enqueue rows left behind (Redis was down when they were written)."""
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                sa.select(OUTBOX)
                .where(OUTBOX.c.created_at < sa.func.now() - RELAY_GRACE)
                .order_by(OUTBOX.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if rows:
            await conn.execute(
                sa.update(OUTBOX)
                .where(OUTBOX.c.id.in_([r.id for r in rows]))
                .values(attempts=OUTBOX.c.attempts + 1)
            )
    return await _enqueue_and_delete(engine, arq, rows)
