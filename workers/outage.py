"""Jobs outlive a PostgreSQL outage: a job that fails because the database refused or
lost its connection (a restart, a failover) is run again with back-off through arq's
``Retry``, instead of failing for good.

arq retries nothing but a ``Retry``: every job that ran into the outage failed, and its
work waited for the reconciler's light sweep (workers.reconcile: a minute for a merge,
five for a turn, ten for a reply, twenty for a media file), or longer — a ``fire_turn``
that had closed its burst in Redis and then could not store the turn left the burst
closed under its 15-minute lease, so the reconciler's merges were no-ops until then.
Measured with bench/chaos: 14 media files and 3 bursts still undone 6 minutes after
PostgreSQL came back from a 6-second restart.

Every job is safe to run twice, so running one again after such a failure is safe.
The back-off doubles from 1 s to 30 s; the job's ``max_tries`` still bounds the tries,
and the reconciler takes whatever outlasts them."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from arq import Retry
from arq.typing import WorkerCoroutine

from app.errors import unavailable_dependency

log = logging.getLogger("balcao.worker")
FIRST_DELAY = 1.0
MAX_DELAY = 30.0


def retry_delay(job_try: int) -> float:
    return float(min(MAX_DELAY, FIRST_DELAY * 2 ** max(job_try - 1, 0)))


def outlives_outages(job: Callable[..., Awaitable[Any]]) -> WorkerCoroutine:
    """``job`` (an arq job: ``ctx`` first), re-queued when the database is unreachable."""

    @functools.wraps(job)
    async def run(ctx: dict[Any, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return await job(ctx, *args, **kwargs)
        except Retry:
            raise
        except Exception as exc:
            if unavailable_dependency(exc) != "database":
                raise
            delay = retry_delay(int(ctx.get("job_try") or 1))
            log.warning(
                "database unavailable, job retried",
                extra={"job": ctx.get("job_id"), "retry_in": delay, "error": type(exc).__name__},
            )
            raise Retry(defer=delay) from exc

    return run
