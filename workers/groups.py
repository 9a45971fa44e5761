"""The groups of each connection, kept in ``connection_group`` for the groups API.

``sync_connection_groups(ctx, connection_id)`` — enqueued through the outbox by the API
(``GET /connections/{id}/groups?refresh=true``, or a first read that finds nothing
synced) and by the cron below — asks the provider for the groups the number is in
(``GroupLister``: Evolution, WAHA, UAZapi, a native ``groupsUrl``) and stores them,
or asks the WhatsApp-Web runner to read them off the page and store them itself
(``GroupReporter``). A transient failure is retried with back-off; a permanent one
(key refused) is logged and leaves the stored list as it was.

``sync_stale_groups(ctx)`` — a cron every minute — enqueues the sync for each
CONNECTED connection whose groups were not synced for ``STALE_SECONDS``: a number that
just connected is listed within a minute, and lists follow the phone's joins and
leaves a few times a day. The marks are Redis ``SET NX`` keys: losing them only
means one sync more.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import sqlalchemy as sa
from arq import Retry

from app.groups.services import SYNC_JOB, sync_job
from app.groups.store import STORE_GROUPS, store_params
from app.outbox import flush_outbox, write_outbox
from providers import find_provider, registered
from providers.base import SendError, group_lister_of, group_reporter_of
from workers.context import context, redis_of

log = logging.getLogger("balcao.groups")
JOB = SYNC_JOB
MAX_TRIES = 6  # transient failures, with back-off 5 s doubling to 5 min
CALL_TIMEOUT = 60.0
STALE_SECONDS = 6 * 3600
SYNCED_KEY = "balcao:groups:synced:{}"

_LOAD = sa.text(
    """
    SELECT id, organization_id, provider, config FROM connection
    WHERE id = :id AND deleted_at IS NULL
    """
)
_CONNECTED = sa.text(
    """
    SELECT id FROM connection
    WHERE deleted_at IS NULL AND status = 'CONNECTED' AND provider = ANY(:kinds)
    ORDER BY id
    """
)


def group_kinds() -> list[str]:
    """The kinds whose groups can be listed (by their API or their own process)."""
    return [
        kind
        for kind, provider in registered().items()
        if group_lister_of(provider) is not None or group_reporter_of(provider) is not None
    ]


def retry_delay(job_try: int) -> float:
    return float(min(300.0, 5.0 * 2 ** max(job_try - 1, 0)))


async def sync_connection_groups(ctx: dict[str, Any], connection_id: str) -> str:
    deps, redis = context(ctx), redis_of(ctx)
    async with deps.autocommit.connect() as conn:
        row = (await conn.execute(_LOAD, {"id": connection_id})).mappings().one_or_none()
    if row is None:
        return "gone"
    provider = find_provider(row["provider"])
    reporter = group_reporter_of(provider)
    if reporter is not None:
        await reporter.request_groups(redis, str(row["id"]))
        await redis.set(SYNCED_KEY.format(connection_id), "1", ex=STALE_SECONDS)
        return "requested"
    lister = group_lister_of(provider)
    if lister is None:
        return "no groups"
    try:
        groups = await asyncio.wait_for(
            lister.list_groups(row["config"], client=deps.http), CALL_TIMEOUT
        )
    except (SendError, TimeoutError) as exc:
        transient = not isinstance(exc, SendError) or exc.transient
        job_try = int(ctx.get("job_try") or 1)
        if transient and job_try < MAX_TRIES:
            raise Retry(defer=retry_delay(job_try)) from exc
        log.warning(
            "group list failed", extra={"connection": connection_id, "error": str(exc)[:300]}
        )
        return "failed"
    async with deps.engine.begin() as conn:
        params = store_params(row["organization_id"], row["id"], groups)
        await conn.exec_driver_sql(STORE_GROUPS, params)
    await redis.set(SYNCED_KEY.format(connection_id), "1", ex=STALE_SECONDS)
    return f"{len(groups)} groups"


async def sync_stale_groups(ctx: dict[str, Any]) -> int:
    """Enqueue the sync of every connected connection not synced lately; returns how
    many."""
    deps, redis = context(ctx), redis_of(ctx)
    kinds = group_kinds()
    if not kinds:
        return 0
    async with deps.autocommit.connect() as conn:
        ids = [str(i) for (i,) in (await conn.execute(_CONNECTED, {"kinds": kinds})).all()]
    due = [
        connection_id
        for connection_id in ids
        if await redis.set(SYNCED_KEY.format(connection_id), "1", nx=True, ex=STALE_SECONDS)
    ]
    if due:
        async with deps.engine.begin() as conn:
            jobs = await write_outbox(conn, [sync_job(c) for c in due])
        await flush_outbox(deps.engine, redis, jobs)
    return len(due)
