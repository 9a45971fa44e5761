"""The group mirrors' jobs (API.md "Groups and group mirrors").

``intake_mirror_post(ctx, post_id)`` — one post, recorded RECEIVED by ingest
(app/mirrors/intake.py): filters (keywords, stores, quiet hours, daily cap), link
rewriting (``prepare_offer``), dedup per destination group, then one QUEUED
``mirror_delivery`` per destination. Safe to run twice: it acts only on a RECEIVED
post, under the post's row lock.

``post_mirrors(ctx)`` — a cron (and a nudge after each intake) that posts what is due:
newest offers first, a minimum interval per destination group and per number (with
jitter), quiet hours and the daily cap honoured, offers older than their dedup window
dropped. It claims deliveries with FOR UPDATE SKIP LOCKED and turns each into a
PENDING group message in the same transaction, so two workers — or a restart mid-way —
never post one twice; the message then goes the normal delivery path, and its outcome
flows back to the delivery by trigger (migration 0017). Nothing here lives in Redis:
what is queued is what PostgreSQL says, so a lost job loses nothing.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import sqlalchemy as sa
from arq import Retry
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import BalcaoError
from app.groups.services import queue_group_message
from app.mirrors import links as offers
from app.mirrors import rules
from app.mirrors.intake import INTAKE_JOB
from app.mirrors.links import LinkService
from app.mirrors.links.identity import TEXT_KEY_PREFIX
from app.outbox import OutboxJob, OutboxRow, flush_outbox, outbox_row, write_outbox
from workers.context import WorkerContext, context, redis_of

log = logging.getLogger("balcao.mirror")
POST_JOB = "post_mirrors"
POST_EVERY_SECONDS = 5
MEDIA_TRIES = 20  # the source's image is awaited this many times (MEDIA_WAIT apart)
MEDIA_WAIT = 3.0
CLAIM_LIMIT = 200
FUZZY_CANDIDATES = 300  # recent link-less posts a new link-less text is compared with
REASON_CHARS = 500
LINKS_KEY = "mirror_links"

_LOAD = sa.text(
    """
    SELECT p.id, p.organization_id, p.mirror_id, p.connection_id, p.status, p.original_text,
           mi.is_active, mi.destination_group_ids, mi.filters, mi.affiliate, mi.unmapped_links,
           mi.dedup_hours, mi.quiet_hours, mi.daily_cap, mi.template, o.timezone,
           msg.media_source IS NOT NULL AS has_media, msg.media_key, msg.media_error
    FROM mirror_post p
    JOIN mirror mi ON mi.id = p.mirror_id
    JOIN organization o ON o.id = p.organization_id
    LEFT JOIN message msg ON msg.id = p.message_id
    WHERE p.id = :id
    """
)
_SETTLE = sa.text(
    """
    UPDATE mirror_post SET status = :status, reason = :reason, offer_key = :key, store = :store,
           price_cents = :price, text = :text, links = CAST(:links AS jsonb),
           media_key = :media_key, updated_at = now()
    WHERE id = :id AND status = 'RECEIVED'
    """
)
_LOCK_POST = sa.text("SELECT status FROM mirror_post WHERE id = :id FOR UPDATE")
_LOCK_CONNECTION = sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
# Posts today from a number: on their way (SENDING) or posted since local midnight.
_POSTED_TODAY = sa.text(
    """
    SELECT connection_id, count(*) AS n FROM mirror_delivery
    WHERE connection_id = ANY(:conns)
      AND (status = 'SENDING' OR (status = 'POSTED' AND posted_at >= :midnight))
    GROUP BY connection_id
    """
)
_SAME_OFFER = sa.text(
    """
    SELECT group_id, price_cents FROM mirror_delivery
    WHERE connection_id = :conn AND group_id = ANY(:groups) AND offer_key = :key
      AND created_at > :since AND status IN ('QUEUED', 'SENDING', 'POSTED') AND post_id <> :post
    """
)
# The link-less offers (key TEXT_KEY_PREFIX…) recently queued or posted to these groups, one row
# per post with the groups it went to, newest first: each text is compared once.
_RECENT_TEXTS = sa.text(
    """
    SELECT p.original_text, array_agg(d.group_id) AS groups FROM mirror_delivery d
    JOIN mirror_post p ON p.id = d.post_id
    WHERE d.connection_id = :conn AND d.group_id = ANY(:groups) AND d.created_at > :since
      AND starts_with(d.offer_key, :text_prefix) AND d.status IN ('QUEUED', 'SENDING', 'POSTED')
      AND d.post_id <> :post
    GROUP BY p.id, p.original_text
    ORDER BY max(d.created_at) DESC LIMIT :limit
    """
)
_INSERT_DELIVERIES = sa.text(
    """
    INSERT INTO mirror_delivery (organization_id, post_id, mirror_id, connection_id, group_id,
                                 status, offer_key, price_cents)
    SELECT :org, :post, :mirror, :conn, g.group_id, g.status, :key, :price
    FROM unnest(CAST(:groups AS varchar[]), CAST(:statuses AS varchar[])) AS g(group_id, status)
    ON CONFLICT (post_id, group_id) DO NOTHING
    """
)


def _now() -> datetime:
    return datetime.now(UTC)


# -- intake ---------------------------------------------------------------------------


def links_of(ctx: dict[str, Any], deps: WorkerContext) -> LinkService:
    """The worker's one LinkService (its resolution cache is shared by every intake)."""
    found = ctx.get(LINKS_KEY)
    if not isinstance(found, LinkService):
        found = LinkService(
            deps.http,
            shopee_url=deps.config.mirror_shopee_url,
            aliexpress_url=deps.config.mirror_aliexpress_url,
        )
        ctx[LINKS_KEY] = found
    return found


async def intake_mirror_post(ctx: dict[str, Any], post_id: str) -> str:
    deps = context(ctx)
    job_try = int(ctx.get("job_try") or 1)
    outcome, jobs = await intake(
        deps, uuid.UUID(post_id), _now(), links=links_of(ctx, deps), job_try=job_try
    )
    await flush_outbox(deps.engine, redis_of(ctx), jobs)
    return outcome


def _affiliate(stored: dict[str, Any]) -> offers.Affiliate:
    ml = stored.get("mercadoLivre") or {}
    shopee = stored.get("shopee") or {}
    ali = stored.get("aliexpress") or {}
    return offers.Affiliate(
        amazon_tag=stored.get("amazonTag"),
        ml_matt_word=ml.get("mattWord"),
        ml_matt_tool=ml.get("mattTool"),
        magalu_store=stored.get("magaluStore"),
        shopee_app_id=shopee.get("appId"),
        shopee_secret=shopee.get("secret"),
        aliexpress_app_key=ali.get("appKey"),
        aliexpress_secret=ali.get("secret"),
        aliexpress_tracking_id=ali.get("trackingId"),
    )


async def intake(
    deps: WorkerContext,
    post_id: uuid.UUID,
    now: datetime,
    *,
    links: LinkService,
    job_try: int = MEDIA_TRIES,
) -> tuple[str, list[OutboxJob]]:
    """The post's outcome (its new status, or why nothing changed) and the jobs to
    enqueue after it."""
    async with deps.sessionmaker() as db:
        row = (await db.execute(_LOAD, {"id": post_id})).mappings().first()
    if row is None:
        return "missing", []
    if row["status"] != "RECEIVED":
        return "done", []
    media_pending = row["has_media"] and row["media_key"] is None and row["media_error"] is None
    if media_pending and job_try < MEDIA_TRIES:
        raise Retry(defer=MEDIA_WAIT)  # the image is re-sent with the offer
    text: str = row["original_text"]
    filters: dict[str, Any] = row["filters"] or {}
    store, key = offers.offer_identity(text)
    reason = await _filtered(deps, row, text, filters, now)
    if reason is not None:
        await _settle(deps, row, "FILTERED", reason, key=key, store=store)
        return "FILTERED", []
    unmapped: offers.Unmapped = "KEEP" if row["unmapped_links"] == "KEEP" else "DROP"
    offer = await offers.prepare_offer(
        text, _affiliate(row["affiliate"] or {}), unmapped=unmapped, links=links
    )
    if offer.failed:
        # Parked for review: never posted with a link that does not pay the business.
        await _settle(deps, row, "REWRITE_FAILED", offer.failed[:REASON_CHARS], offer=offer)
        return "REWRITE_FAILED", []
    stores = filters.get("stores")
    if stores and (offer.store or offers.Store.OTHER).value not in stores:
        await _settle(deps, row, "FILTERED", "store", offer=offer)
        return "FILTERED", []
    return await _queue(deps, row, offer, now)


async def _filtered(
    deps: WorkerContext,
    row: Any,
    text: str,
    filters: dict[str, Any],
    now: datetime,
) -> str | None:
    if not row["is_active"]:
        return "mirror_inactive"
    reason = rules.keyword_outcome(text, filters)
    if reason is not None:
        return reason
    if rules.in_quiet_hours(row["quiet_hours"], now, row["timezone"]):
        return "quiet_hours"
    cap = row["daily_cap"]
    if cap is not None:
        midnight = rules.local_midnight(now, row["timezone"])
        async with deps.sessionmaker() as db:
            counts = await db.execute(
                _POSTED_TODAY, {"conns": [row["connection_id"]], "midnight": midnight}
            )
            posted = sum(int(n) for _, n in counts)
        if posted >= cap:
            return "daily_cap"
    return None


def _links(offer: offers.PreparedOffer | None) -> str:
    links = [
        {"original": x.original, "resolved": x.resolved, "rewritten": x.rewritten}
        for x in (offer.links if offer else [])
    ]
    return msgspec.json.encode(links).decode()


async def _settle(
    deps: WorkerContext,
    row: Any,
    status: str,
    reason: str | None,
    *,
    key: str | None = None,
    store: offers.Store | None = None,
    offer: offers.PreparedOffer | None = None,
    text: str | None = None,
    db: AsyncSession | None = None,
) -> None:
    params = {
        "id": row["id"],
        "status": status,
        "reason": reason,
        "key": offer.offer_key if offer else key,
        "store": (offer.store if offer else store) or None,
        "price": offer.price_cents if offer else None,
        "text": text if text is not None else (offer.text if offer else None),
        "links": _links(offer),
        "media_key": row["media_key"],
    }
    if db is not None:
        await db.execute(_SETTLE, params)
        return
    async with deps.sessionmaker() as own:
        await own.execute(_SETTLE, params)
        await own.commit()


async def _queue(
    deps: WorkerContext, row: Any, offer: offers.PreparedOffer, now: datetime
) -> tuple[str, list[OutboxJob]]:
    """Dedup per destination and queue, one number at a time (the advisory lock): two
    intakes of the same offer from two sources cannot both find it new."""
    groups: list[str] = list(row["destination_group_ids"])
    since = now - timedelta(hours=int(row["dedup_hours"]))
    async with deps.sessionmaker() as db:
        await db.execute(_LOCK_CONNECTION, {"key": f"mirror:{row['connection_id']}"})
        if await db.scalar(_LOCK_POST, {"id": row["id"]}) != "RECEIVED":
            return "done", []
        duplicate = await _duplicates(db, row, offer, groups, since)
        await db.execute(
            _INSERT_DELIVERIES,
            {
                "org": row["organization_id"],
                "post": row["id"],
                "mirror": row["mirror_id"],
                "conn": row["connection_id"],
                "groups": groups,
                "statuses": ["DUPLICATE" if g in duplicate else "QUEUED" for g in groups],
                "key": offer.offer_key,
                "price": offer.price_cents,
            },
        )
        queued = [g for g in groups if g not in duplicate]
        status = "QUEUED" if queued else "DUPLICATE"
        final = rules.wrapped(offer.text, row["template"])
        await _settle(
            deps, row, status, None if queued else "duplicate", offer=offer, text=final, db=db
        )
        jobs = (
            await write_outbox(
                await db.connection(), [outbox_row(POST_JOB, job_id=f"{POST_JOB}:{row['id']}")]
            )
            if queued
            else []
        )
        await db.commit()
    return status, jobs


async def _duplicates(
    db: AsyncSession,
    row: Any,
    offer: offers.PreparedOffer,
    groups: Sequence[str],
    since: datetime,
) -> set[str]:
    """The destinations that already have this offer within the window: the same offer
    key (unless the price is now lower than every time before), or — for a text with no
    links — a near-identical text."""
    params = {"conn": row["connection_id"], "groups": list(groups), "since": since}
    params["post"] = row["id"]
    duplicate: set[str] = set()
    if offer.offer_key:
        earlier: dict[str, list[int | None]] = {}
        for group, price in await db.execute(_SAME_OFFER, {**params, "key": offer.offer_key}):
            earlier.setdefault(group, []).append(price)
        for group, prices in earlier.items():
            new = offer.price_cents
            cheaper = new is not None and all(p is not None and new < p for p in prices)
            if not cheaper:
                duplicate.add(group)
    if not offer.links:
        text = row["original_text"]
        recent = await db.execute(
            _RECENT_TEXTS,
            {**params, "limit": FUZZY_CANDIDATES, "text_prefix": TEXT_KEY_PREFIX},
        )
        for other, sent_to in recent:
            if not set(sent_to) <= duplicate and (
                offers.similarity(text, other) >= offers.FUZZY_THRESHOLD
            ):
                duplicate.update(sent_to)
    return duplicate


# -- posting --------------------------------------------------------------------------

_EXPIRE = sa.text(
    """
    UPDATE mirror_delivery d SET status = 'EXPIRED', updated_at = now()
    FROM mirror mi
    WHERE mi.id = d.mirror_id AND d.status = 'QUEUED'
      AND d.created_at < CAST(:now AS timestamptz) - make_interval(hours => mi.dedup_hours)
    RETURNING d.post_id
    """
)
# A separate statement: one statement does not see its own CTE's updates.
_EXPIRED_POSTS = sa.text(
    """
    UPDATE mirror_post p SET status = 'FILTERED', reason = 'expired', updated_at = now()
    WHERE p.id = ANY(:posts) AND p.status = 'QUEUED'
      AND NOT EXISTS (SELECT 1 FROM mirror_delivery x WHERE x.post_id = p.id
                      AND x.status IN ('QUEUED', 'SENDING', 'POSTED'))
    """
)
_CLAIM = sa.text(
    """
    SELECT d.id, d.organization_id, d.connection_id, d.group_id, p.text, p.media_key,
           mi.min_interval_seconds, mi.min_interval_per_group_seconds, mi.quiet_hours,
           mi.daily_cap, o.timezone
    FROM mirror_delivery d
    JOIN mirror_post p ON p.id = d.post_id
    JOIN mirror mi ON mi.id = d.mirror_id
    JOIN organization o ON o.id = d.organization_id
    WHERE d.status = 'QUEUED' AND mi.is_active
    ORDER BY p.created_at DESC, d.created_at, d.id
    LIMIT :limit
    FOR UPDATE OF d SKIP LOCKED
    """
)
_PACE_ROWS = sa.text(
    """
    INSERT INTO mirror_pace (connection_id, group_id, next_at)
    SELECT * FROM unnest(CAST(:conns AS uuid[]), CAST(:groups AS text[]),
                         CAST(:times AS timestamptz[]))
    ON CONFLICT (connection_id, group_id) DO NOTHING
    """
)
_LOCK_PACE = sa.text(
    """
    SELECT connection_id, group_id, next_at FROM mirror_pace
    WHERE (connection_id, group_id) IN (
      SELECT * FROM unnest(CAST(:conns AS uuid[]), CAST(:groups AS text[])))
    ORDER BY connection_id, group_id
    FOR UPDATE
    """
)
_SET_PACE = sa.text(
    """
    UPDATE mirror_pace SET next_at = :next_at
    WHERE connection_id = :conn AND group_id = :group
    """
)
_SENDING = sa.text(
    """
    UPDATE mirror_delivery SET status = 'SENDING', message_id = :message, updated_at = now()
    WHERE id = :id
    """
)
_REFUSED = sa.text(
    """
    UPDATE mirror_delivery SET status = 'FAILED', error = :error, updated_at = now()
    WHERE id = :id
    """
)
# As the message-status trigger does (migration 0017), for a delivery that got no message.
_SETTLE_POST = sa.text(
    """
    UPDATE mirror_post p SET
      status = CASE
        WHEN EXISTS (SELECT 1 FROM mirror_delivery x WHERE x.post_id = p.id
                     AND x.status = 'POSTED') THEN 'POSTED'
        WHEN NOT EXISTS (SELECT 1 FROM mirror_delivery x WHERE x.post_id = p.id
                         AND x.status IN ('QUEUED', 'SENDING')) THEN 'FAILED'
        ELSE p.status END,
      updated_at = now()
    WHERE p.id = (SELECT post_id FROM mirror_delivery WHERE id = :id)
    """
)
_Pace = tuple[uuid.UUID, str]
NUMBER = ""  # mirror_pace.group_id of a number's own interval


async def post_mirrors(ctx: dict[str, Any]) -> int:
    deps = context(ctx)
    posted, jobs = await post_due(deps, _now())
    await flush_outbox(deps.engine, redis_of(ctx), jobs)
    return posted


async def post_due(
    deps: WorkerContext, now: datetime, rng: random.Random | None = None
) -> tuple[int, list[OutboxJob]]:
    """Post every delivery that is due at ``now``; how many, and their delivery jobs."""
    rng = rng or random.Random()  # noqa: S311  jitter, not a secret
    rows: list[OutboxRow] = []
    async with deps.sessionmaker() as db:
        expired = list({r for (r,) in await db.execute(_EXPIRE, {"now": now})})
        if expired:
            await db.execute(_EXPIRED_POSTS, {"posts": expired})
        claimed = list((await db.execute(_CLAIM, {"limit": CLAIM_LIMIT})).mappings())
        if not claimed:
            await db.commit()
            return 0, []
        pace = await _lock_pace(db, claimed, now)
        conns = list({c["connection_id"] for c in claimed})
        midnight = rules.local_midnight(now, claimed[0]["timezone"])
        counted = await db.execute(_POSTED_TODAY, {"conns": conns, "midnight": midnight})
        today: dict[uuid.UUID, int] = {conn: int(n) for conn, n in counted}
        posted = 0
        for c in claimed:
            conn, group = c["connection_id"], c["group_id"]
            if rules.in_quiet_hours(c["quiet_hours"], now, c["timezone"]):
                continue
            if c["daily_cap"] is not None and today.get(conn, 0) >= c["daily_cap"]:
                continue
            if pace[(conn, NUMBER)] > now or pace[(conn, group)] > now:
                continue
            if not await _post_one(db, c, rows):
                continue  # refused (not in the group any more, …): recorded on the delivery
            pace[(conn, NUMBER)] = rules.next_free(now, c["min_interval_seconds"], rng)
            pace[(conn, group)] = rules.next_free(now, c["min_interval_per_group_seconds"], rng)
            today[conn] = today.get(conn, 0) + 1
            posted += 1
        for (conn, group), next_at in pace.items():
            await db.execute(_SET_PACE, {"conn": conn, "group": group, "next_at": next_at})
        jobs = await write_outbox(await db.connection(), rows)
        await db.commit()
    if posted:
        log.info("mirror posts queued", extra={"posted": posted})
    return posted, jobs


async def _post_one(db: AsyncSession, claimed: Any, rows: list[OutboxRow]) -> bool:
    """A new message to the group (never a forward), in a savepoint: a post the groups
    module refuses is recorded on its delivery and the others of the run go on."""
    try:
        async with db.begin_nested():
            message_id = await queue_group_message(
                db,
                org_id=claimed["organization_id"],
                connection_id=claimed["connection_id"],
                group_id=claimed["group_id"],
                text=claimed["text"] or "",
                media_key=claimed["media_key"],
                outbox=rows,
            )
    except BalcaoError as exc:
        error = f"{exc.code}: {exc.detail}"[:REASON_CHARS]
        await db.execute(_REFUSED, {"id": claimed["id"], "error": error})
        await db.execute(_SETTLE_POST, {"id": claimed["id"]})
        log.warning("mirror post refused", extra={"code": exc.code})
        return False
    await db.execute(_SENDING, {"id": claimed["id"], "message": message_id})
    return True


async def _lock_pace(
    db: AsyncSession, claimed: Sequence[Any], now: datetime
) -> dict[_Pace, datetime]:
    keys = sorted(
        {(c["connection_id"], NUMBER) for c in claimed}
        | {(c["connection_id"], c["group_id"]) for c in claimed}
    )
    conns, groups = [k[0] for k in keys], [k[1] for k in keys]
    past = now - timedelta(days=1)
    await db.execute(_PACE_ROWS, {"conns": conns, "groups": groups, "times": [past] * len(keys)})
    rows = await db.execute(_LOCK_PACE, {"conns": conns, "groups": groups})
    return {(conn, group): next_at for conn, group, next_at in rows}


__all__ = ["INTAKE_JOB", "POST_EVERY_SECONDS", "POST_JOB", "intake_mirror_post", "post_mirrors"]
