"""WorkerSettings: the one registry of jobs and crons. What jobs share (the
:class:`~workers.context.WorkerContext`) is built once in on_startup and handed to every
job through ``ctx``."""

from __future__ import annotations

import dataclasses
from typing import Any

from arq import cron, func
from arq.connections import RedisSettings
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.config import load_settings
from app.secret_key import ensure_secret_key
from workers.ai_cron import emit_ai_unblocked
from workers.bot import bot_menu_timeouts
from workers.campaigns import RUN_SECONDS as CAMPAIGN_RUN_SECONDS
from workers.campaigns import SLEEP_IN_JOB as CAMPAIGN_SLEEP
from workers.campaigns import run_campaign
from workers.config import load_job_config
from workers.context import CONTEXT_KEY, build_context
from workers.cron import relay_outbox_job
from workers.deliver import deliver_message
from workers.groups import sync_connection_groups, sync_stale_groups
from workers.imports import TIMEOUT_SECONDS as IMPORT_TIMEOUT
from workers.imports import import_contacts
from workers.media_job import LOCK_SECONDS, process_media
from workers.merge import complete_turn, fire_turn, merge_burst
from workers.mirror import MEDIA_TRIES as MIRROR_MEDIA_TRIES
from workers.mirror import POST_EVERY_SECONDS as MIRROR_POST_EVERY
from workers.mirror import intake_mirror_post, post_mirrors
from workers.notify import deliver_webhook, publish_event
from workers.outage import outlives_outages
from workers.provision import CRON_EVERY_SECONDS, check_connections, provision_connection
from workers.provision import MAX_TRIES as PROVISION_TRIES
from workers.reconcile import EVERY_SECONDS, reconcile
from workers.respond import respond_turn

_settings = load_settings()
REDIS_OUTAGE_RETRIES = 120
_config = load_job_config()

# Every job this worker runs, each re-queued with back-off when it fails on an
# unreachable database (workers.outage). fire_turn keeps no result: its ids are
# versioned by deadline, and a kept result would make arq refuse a re-schedule under the
# same id.
FUNCTIONS: list[Any] = [
    func(outlives_outages(publish_event), name="publish_event"),
    func(outlives_outages(deliver_webhook), name="deliver_webhook"),
    func(outlives_outages(merge_burst), name="merge_burst"),
    func(
        outlives_outages(fire_turn),
        name="fire_turn",
        keep_result=0,
        timeout=_config.merge_media_wait + 120,
    ),
    func(
        outlives_outages(complete_turn),
        name="complete_turn",
        timeout=_config.merge_media_wait + 120,
    ),
    # One more try than the job retries itself, so a run killed mid-way (worker
    # crash) still gets a last run that stores the failure.
    func(
        outlives_outages(process_media),
        name="process_media",
        timeout=LOCK_SECONDS,
        max_tries=_config.media_max_tries + 1,
    ),
    # The model call retries inside the job (llm_attempts); arq retries only a run that
    # died, and a re-run of a decided turn just re-enqueues its undelivered messages.
    func(outlives_outages(respond_turn), name="respond_turn", max_tries=3),
    # Send failures are counted by the job itself (delivery_tries); arq's tries also
    # count re-queues while the chat is busy, hence the headroom.
    func(
        outlives_outages(deliver_message),
        name="deliver_message",
        max_tries=_config.delivery_tries * 10,
    ),
    # The campaign dispatcher (workers.campaigns): a run sends for RUN_SECONDS (plus
    # one pacing wait) and schedules the next; ids are versioned by wake-up time, so no
    # result is kept (a kept one would refuse the same wake-up asked again).
    func(
        outlives_outages(run_campaign),
        name="run_campaign",
        keep_result=0,
        timeout=CAMPAIGN_RUN_SECONDS + CAMPAIGN_SLEEP + 120,
    ),
    # Sets a provider's session up (workers.provision); it retries transient failures
    # itself with back-off, and stores the last one as FAILED.
    func(
        outlives_outages(provision_connection),
        name="provision_connection",
        max_tries=PROVISION_TRIES + 1,
        timeout=120,
    ),
    # Group mirrors (workers.mirror): intake waits for the source's image with Retry;
    # posting claims its rows in PostgreSQL, so a nudge per intake keeps no result.
    func(
        outlives_outages(intake_mirror_post),
        name="intake_mirror_post",
        max_tries=MIRROR_MEDIA_TRIES + 1,
    ),
    func(outlives_outages(post_mirrors), name="post_mirrors", keep_result=0),
    # Resumes at its last committed batch when run again (a crash, a retry).
    func(outlives_outages(import_contacts), name="import_contacts", timeout=IMPORT_TIMEOUT),
    # Lists a connection's groups into connection_group (workers.groups); one per
    # connection at a time (its job id), none kept so a refresh can follow at once.
    func(outlives_outages(sync_connection_groups), name="sync_connection_groups", keep_result=0),
]


def worker_redis_settings(url: str) -> RedisSettings:
    """arq's connection, made to wait out a Redis outage instead of exiting: each command
    is retried on a lost or refused connection (back-off 0.2 s doubling to 5 s, about ten
    minutes in all), and the worker carries on where it was once Redis answers. Past that
    it exits and its supervisor (``balcao run``, compose's restart policy) starts it."""
    retry = Retry(ExponentialBackoff(cap=5.0, base=0.2), retries=REDIS_OUTAGE_RETRIES)
    return dataclasses.replace(
        RedisSettings.from_dsn(url),
        retry=retry,
        retry_on_error=[RedisConnectionError, RedisTimeoutError, OSError],
        conn_retries=REDIS_OUTAGE_RETRIES,
        conn_retry_delay=5,
    )


async def on_startup(ctx: dict[str, Any]) -> None:
    ctx[CONTEXT_KEY] = build_context(ensure_secret_key(load_settings()), _config)


async def on_shutdown(ctx: dict[str, Any]) -> None:
    shared = ctx.pop(CONTEXT_KEY, None)
    if shared is not None:
        await shared.aclose()


class WorkerSettings:
    functions: list[Any] = FUNCTIONS
    cron_jobs = [
        cron(relay_outbox_job, second=set(range(0, 60, 5)), run_at_startup=True, unique=True),
        cron(emit_ai_unblocked, second=set(range(0, 60, 15)), unique=True),
        # Rebuilds from PostgreSQL whatever work Redis lost (workers.reconcile).
        cron(
            reconcile,
            second=set(range(0, 60, EVERY_SECONDS)),
            run_at_startup=True,
            unique=True,
            timeout=60,
        ),
        # Group mirror posts that are due (workers.mirror).
        cron(post_mirrors, second=set(range(0, 60, MIRROR_POST_EVERY)), unique=True, timeout=55),
        # Each provisioned connection's state from its provider (workers.provision).
        cron(
            check_connections,
            second=set(range(0, 60, CRON_EVERY_SECONDS)),
            unique=True,
            timeout=55,
        ),
        # Connected numbers whose groups were not listed lately (workers.groups).
        cron(sync_stale_groups, second={30}, unique=True, timeout=55),
        # Bot menus whose answer is overdue run their timeout actions (workers.bot).
        cron(bot_menu_timeouts, second=set(range(0, 60, 20)), unique=True, timeout=55),
    ]
    on_startup = on_startup
    on_shutdown = on_shutdown
    redis_settings = worker_redis_settings(_settings.redis_url or "redis://127.0.0.1:6379/0")
    max_jobs = 50
    job_timeout = 300
    keep_result = 60
    # workers.merge.FIRE_LEAD must stay above this: turns fire on time only if a due
    # job is picked up before its deadline.
    poll_delay = 0.2
