"""``reconcile(ctx)`` — a cron that rebuilds lost work from PostgreSQL alone.

Redis holds the queues and the merge state, but it is a cache of work: a restart
without persistence, or a failover to a replica that had not caught up, loses jobs. This
finds every piece of work that PostgreSQL says is still to be done and enqueues its job
again, through the outbox (so a Redis that fails again mid-way loses nothing either):

- customer messages in no turn (their ``merge_burst`` re-derives the burst from the
  messages' own times, so an old burst fires at once);
- turns PENDING (closed, waiting for media) → ``complete_turn``; turns READY without
  an outcome → ``respond_turn``;
- media neither understood nor failed → ``process_media``;
- replies still PENDING → ``deliver_message``;
- outbound webhook deliveries due → ``deliver_webhook`` (the job id arq already knows
  when it is still queued, so a queued retry is not doubled);
- campaigns SCHEDULED/RUNNING whose ``next_run_at`` has passed (a dispatcher's lease
  ran out, or its wake-up was lost) → ``run_campaign``;
- contact imports PENDING or RUNNING that have not moved → ``import_contacts`` (it
  resumes at its last committed batch);
- group mirror posts still RECEIVED → ``intake_mirror_post`` (queued mirror deliveries
  need nothing: the ``post_mirrors`` cron reads them from PostgreSQL every few seconds).

Every job is safe to run twice, so re-enqueueing work that was not lost only costs a
no-op run. Two kinds of sweep keep that rare:

- **full**, when Redis came back empty: a sentinel key set by the last full sweep is
  gone, so nothing queued can be relied on; everything outstanding of the last day is
  enqueued at once;
- **light**, otherwise: only work old enough that its job must have run by now (a
  partial loss), and only of the last hour. "By now" counts the queue's lag: when the
  workers are behind a backlog (the oldest job due has waited that long), work is late,
  not lost, and its job is still queued; re-enqueueing it then only fed the backlog
  (bench/chaos: 13,000 reconciler jobs among 49,000 queued, and a third of a worker's
  CPU in the sweeps' enqueues).

The cron is ``unique``: with several workers one of them runs each tick.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from arq.connections import ArqRedis
from arq.constants import default_queue_name
from sqlalchemy.ext.asyncio import AsyncConnection

from app.campaigns.dispatch import dispatch_row
from app.outbox import OutboxRow, flush_outbox, outbox_row, write_outbox
from workers.context import context, redis_of

log = logging.getLogger("balcao.reconcile")
SENTINEL = "balcao:reconcile:sentinel"
EVERY_SECONDS = 15
LIMIT = 5000  # per kind and run; the next run takes the rest


@dataclass(frozen=True)
class Sweep:
    """How far back to look (``horizon``) and how old work must be to count as lost
    (``settled``), in seconds, per kind."""

    horizon: float
    unmerged: float
    pending_turn: float
    ready_turn: float
    media: float
    reply: float
    webhook: float
    campaign: float
    contact_import: float
    mirror_intake: float = 0

    def behind(self, lag: float) -> Sweep:
        """The same sweep with the workers ``lag`` seconds behind their queue. A
        campaign's is not moved: a running dispatcher renews its own lease (next_run_at),
        so one past its lease is lost however long the queue is — and the queue's oldest
        job may be the very run that died, waiting out its in-progress lease (bench/
        campaigns: a SIGKILLed dispatcher's job held the lag, and with it the sweep, for
        its whole 435 s timeout)."""
        moved = Sweep(*(value + lag for value in dataclasses.astuple(self)))
        return dataclasses.replace(moved, campaign=self.campaign)


def full_sweep() -> Sweep:
    return Sweep(86_400, 0, 0, 0, 0, 0, 0, 0, 0)


def light_sweep(merge_max_wait: float, merge_media_wait: float) -> Sweep:
    return Sweep(
        horizon=3600,
        unmerged=merge_max_wait + 30,  # its burst fired by now
        pending_turn=merge_media_wait + 60,  # counted from the burst's deadline
        ready_turn=300,  # the responder's model calls with their retries
        media=1200,  # a media job's lock lasts 900 s
        reply=600,  # the longest back-off between send attempts is 300 s
        webhook=300,
        campaign=30,  # a run's lease is 60 s past its last round
        contact_import=120,  # a running import moves updated_at every batch (~2,000 rows)
        mirror_intake=120,  # intake waits up to a minute for the source's image
    )


_UNMERGED = sa.text(
    """
    SELECT msg.session_id, msg.id FROM session s
    JOIN connection c ON c.id = s.connection_id
    JOIN LATERAL (
        SELECT m.id, m.session_id FROM message m
        WHERE m.session_id = s.id
          AND m.created_at > now() - make_interval(secs => :horizon)
          AND m.created_at <= now() - make_interval(secs => :settled)
          AND m.author = 'CUSTOMER' AND m.direction = 'IN'
          AND (m.participant IS NULL OR (c.allow_groups AND NOT EXISTS (
                SELECT 1 FROM mirror_post mp WHERE mp.message_id = m.id)))
          AND NOT EXISTS (
              SELECT 1 FROM turn t WHERE t.session_id = s.id AND m.id = ANY(t.message_ids)
          )
    ) msg ON true
    WHERE s.updated_at > now() - make_interval(secs => :horizon) AND s.status <> 'CLOSED'
    LIMIT :limit
    """
)
_PENDING_TURNS = sa.text(
    """
    SELECT id FROM turn
    WHERE status = 'PENDING'
      AND created_at > now() - make_interval(secs => :horizon)
      AND deadline_at <= now() - make_interval(secs => :settled)
    LIMIT :limit
    """
)
_READY_TURNS = sa.text(
    """
    SELECT id FROM turn
    WHERE status = 'READY'
      AND created_at > now() - make_interval(secs => :horizon)
      AND ready_at <= now() - make_interval(secs => :settled)
    LIMIT :limit
    """
)
_MEDIA = sa.text(
    """
    SELECT id FROM message
    WHERE media_source IS NOT NULL AND transcription IS NULL AND transcription_error IS NULL
      AND direction = 'IN'
      AND created_at > now() - make_interval(secs => :horizon)
      AND created_at <= now() - make_interval(secs => :settled)
    LIMIT :limit
    """
)
_REPLIES = sa.text(
    """
    SELECT id FROM message
    WHERE status = 'PENDING' AND direction = 'OUT'
      AND created_at > now() - make_interval(secs => :horizon)
      AND updated_at <= now() - make_interval(secs => :settled)
      -- a paused campaign's sends wait for its resume (the dispatcher hands them back)
      AND (campaign_id IS NULL OR EXISTS (
            SELECT 1 FROM campaign c WHERE c.id = message.campaign_id AND c.status = 'RUNNING'))
    LIMIT :limit
    """
)
# Campaigns whose dispatcher should be running: a running one keeps next_run_at ahead
# of now (its lease, workers/campaigns.py), a waiting one has it at its wake-up.
_CAMPAIGNS = sa.text(
    """
    SELECT id, next_run_at FROM campaign
    WHERE status IN ('SCHEDULED', 'RUNNING') AND next_run_at IS NOT NULL
      AND next_run_at <= now() - make_interval(secs => :settled)
    LIMIT :limit
    """
)
_WEBHOOKS = sa.text(
    """
    SELECT id, attempts FROM webhook_delivery
    WHERE status = 'PENDING'
      AND created_at > now() - make_interval(secs => :horizon)
      AND COALESCE(next_attempt_at, created_at) <= now() - make_interval(secs => :settled)
    LIMIT :limit
    """
)

_MIRROR_POSTS = sa.text(
    """
    SELECT id FROM mirror_post
    WHERE status = 'RECEIVED'
      AND created_at > now() - make_interval(secs => :horizon)
      AND updated_at <= now() - make_interval(secs => :settled)
    LIMIT :limit
    """
)
# No horizon: an import waits, however old, until it is done or failed.
_IMPORTS = sa.text(
    """
    SELECT id FROM contact_import
    WHERE status IN ('PENDING', 'RUNNING')
      AND updated_at <= now() - make_interval(secs => :settled)
    LIMIT :limit
    """
)


async def reconcile(ctx: dict[str, Any]) -> dict[str, int]:
    deps, redis = context(ctx), redis_of(ctx)
    full = not await redis.exists(SENTINEL)
    lag = 0.0 if full else await queue_lag(redis)
    sweep = (
        full_sweep()
        if full
        else light_sweep(deps.config.merge_max_wait, deps.config.merge_media_wait).behind(lag)
    )
    async with deps.engine.begin() as conn:
        found = await _lost_work(conn, sweep)
        rows = [row for rows in found.values() for row in rows]
        jobs = await write_outbox(conn, rows)
    await flush_outbox(deps.engine, redis, jobs)
    if full:
        await redis.set(SENTINEL, "1")
    counts = {kind: len(rows) for kind, rows in found.items()}
    if rows:
        log.warning("lost work re-enqueued", extra={"full": full, "lag": round(lag), **counts})
    return counts


async def queue_lag(redis: ArqRedis) -> float:
    """Seconds the oldest job that is due has waited in the queue (0 when none waits).
    A job being run stays in the queue until it ends, so a long job counts too: the
    sweep then waits a little longer, which costs nothing but time."""
    now_ms = time.time() * 1000
    oldest = await redis.zrangebyscore(
        default_queue_name, "-inf", now_ms, start=0, num=1, withscores=True
    )
    return max(0.0, (now_ms - oldest[0][1]) / 1000) if oldest else 0.0


async def _lost_work(conn: AsyncConnection, sweep: Sweep) -> dict[str, list[OutboxRow]]:
    async def select(query: sa.TextClause, settled: float) -> Sequence[Any]:
        params = {"horizon": sweep.horizon, "settled": settled, "limit": LIMIT}
        return list((await conn.execute(query, params)).all())

    unmerged = await select(_UNMERGED, sweep.unmerged)
    pending = await select(_PENDING_TURNS, sweep.pending_turn)
    ready = await select(_READY_TURNS, sweep.ready_turn)
    media = await select(_MEDIA, sweep.media)
    replies = await select(_REPLIES, sweep.reply)
    webhooks = await select(_WEBHOOKS, sweep.webhook)
    campaigns = await select(_CAMPAIGNS, sweep.campaign)
    imports = await select(_IMPORTS, sweep.contact_import)
    mirror_posts = await select(_MIRROR_POSTS, sweep.mirror_intake)
    return {
        "merge_burst": [_again("merge_burst", str(s), str(m)) for s, m in unmerged],
        "complete_turn": [_again("complete_turn", str(r.id)) for r in pending],
        "respond_turn": [_again("respond_turn", str(r.id)) for r in ready],
        "process_media": [_again("process_media", str(r.id)) for r in media],
        "deliver_message": [_again("deliver_message", str(r.id)) for r in replies],
        "deliver_webhook": [
            outbox_row("deliver_webhook", str(r.id), job_id=f"deliver_webhook:{r.id}:{r.attempts}")
            for r in webhooks
        ],
        "run_campaign": [dispatch_row(r.id, r.next_run_at) for r in campaigns],
        "import_contacts": [_again("import_contacts", str(r.id)) for r in imports],
        "intake_mirror_post": [_again("intake_mirror_post", str(r.id)) for r in mirror_posts],
    }


def _again(job: str, *args: str) -> OutboxRow:
    """The job for work found lost, under an id of its own per piece of work: when the
    work was not lost but only late (workers behind a backlog), the next sweeps find it
    again, and arq refuses a second copy of an id still queued. Without it every sweep
    added one more copy of all late work, and a backlog grew faster than it drained
    (bench/chaos: 149,106 queued jobs for ~3,000 pieces of work)."""
    return outbox_row(job, *args, job_id=f"reconcile:{job}:{args[-1]}")


async def forget_sentinel(redis: ArqRedis) -> None:
    """For tests and operators: make the next run a full sweep."""
    await redis.delete(SENTINEL)
