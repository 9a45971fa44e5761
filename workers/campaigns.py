"""``run_campaign(ctx, campaign_id)`` — the campaign dispatcher.

One run sends a slice of a RUNNING campaign and leaves the rest to the next run it
schedules. Each round: the campaign as PostgreSQL has it now (paused, cancelled or
expired stops the run), its send window (outside it the run schedules itself at the
next opening, holidays included, in the campaign's time zone), the number to send from
(the first of ``connectionIds`` that is connected, under its daily cap and warm-up, and
has not failed too often in a row), then a claim (workers/campaigns_store.py) and the
sends, each through delivery's own path (workers/deliver.py: per-chat lock, token
buckets, "typing…", retries, failover, the send claimed once).

Exactly once: a recipient row is claimed with ``FOR UPDATE SKIP LOCKED`` and, in the
same transaction, pointed at the one message it produces; that message is sent at
most once by delivery's claim. A run killed anywhere leaves either a PENDING recipient
(claimed again) or a SENDING one with its message, which the next run or the
reconciler hands to delivery. A pause is one UPDATE of the campaign row: delivery's
claim reads that row ``FOR SHARE``, so once the pause has returned no send of the
campaign starts.

Pacing: with delays, one run at a time per campaign (a session advisory lock, gone
with a killed worker's connection) sends one message, waits a random delay, takes a
long pause every N; short waits happen in the job, long ones as a deferred run. With
every brake off (delays 0) ``slots`` runs share the work across workers, each with a
few sends in flight.

Failures: delivery records the provider's reason on the message and the recipient
follows it (trigger, migration 0015); consecutive failures on a number move the rest
of the campaign to the next number, and a spike of failures pauses the campaign with
the reason shown in the UI.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import sqlalchemy as sa
from arq import Retry
from redis.exceptions import RedisError

from app import realtime
from app.campaigns.copy import MissingVariable, RenderContact, render
from app.campaigns.dispatch import JOB, dispatch_row
from app.campaigns.pacing import Pacing, daily_cap, delay_before_next
from app.campaigns.schedule import Schedule, next_open
from app.connections.services import provisions
from app.media.sniff import mimetype_of_key
from app.outbox import flush_outbox, outbox_row, write_outbox
from workers import campaigns_store as store
from workers.context import WorkerContext, context, redis_of
from workers.deliver import SentRecorder, deliver_loaded
from workers.deliver_store import DeliveryRow, load_messages

log = logging.getLogger("balcao.campaigns")

RUN_SECONDS = 240.0  # one run's share of work; the next run carries on
LEASE_SECONDS = 60.0  # how far ahead a running dispatcher keeps next_run_at
SLEEP_IN_JOB = 75.0  # longer waits become a deferred run
FAILOVER_STREAK = 5  # failures in a row on one number move the campaign to the next
BREAKER_WINDOW = 20  # the circuit breaker looks at this many last sends...
BREAKER_FAILURES = 12  # ...and pauses the campaign when this many of them failed
ORPHAN_SETTLED = 30.0  # a SENDING message untouched this long lost its delivery
RECHECK_SECONDS = 5.0  # with only sends in flight left, when to look again
GATE_HOURS = 72  # how long a reply-gate question waits for its answer
PROGRESS_EVERY = 1.0  # live counters: at most one notice a second per run
_LOCK_NAMESPACE = 0x0BA1CA0  # pg_try_advisory_lock(namespace, key): campaign runs
# Meta's per-user marketing limit: the contact gets no more marketing for a while.
# Never retried at once, and no sign that the number is in trouble.
_NOT_THE_NUMBER = ("131049",)


@dataclass(frozen=True, slots=True)
class Plan:
    """One campaign as a run sees it at the top of a round."""

    id: uuid.UUID
    organization_id: uuid.UUID
    status: str
    connection_ids: list[uuid.UUID]
    active_connection_id: uuid.UUID | None
    messages: list[dict[str, Any]]
    schedule: Schedule
    pacing: Pacing
    reply_gate: dict[str, Any] | None
    skip_agent: bool
    cooldown_hours: int
    sends_since_pause: int
    failure_streak: int
    tz: ZoneInfo
    subdivision: str | None

    @property
    def full_speed(self) -> bool:
        p = self.pacing
        return not p.max_delay_seconds and not (p.pause_every and p.pause_seconds)


@dataclass(frozen=True, slots=True)
class Sender:
    connection_id: uuid.UUID
    allowance: int | None  # sends left today (None: no cap)


class Stop(Exception):
    """The run ends: ``why`` is its result."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


async def run_campaign(ctx: dict[str, Any], campaign_id: str) -> str:
    deps = context(ctx)
    cid = uuid.UUID(campaign_id)
    plan = await _load(deps, cid)
    if plan is None:
        return "missing"
    if plan.status not in ("SCHEDULED", "RUNNING"):
        return f"skipped:{plan.status}"
    slots = deps.config.campaign_slots if plan.full_speed else 1
    async with deps.autocommit.connect() as lock_conn:
        slot = await _take_slot(lock_conn, cid, slots)
        if slot is None:
            return "busy"  # every run this campaign may have is going
        try:
            return await Dispatcher(ctx, deps, cid, slot).run()
        except Stop as stop:
            return stop.why
        finally:
            await _release_slots(lock_conn)


async def _take_slot(conn: Any, cid: uuid.UUID, slots: int) -> int | None:
    for slot in range(slots):
        key = f"{cid}:{slot}"
        got = await conn.scalar(
            sa.text("SELECT pg_try_advisory_lock(:ns, hashtext(:key))"),
            {"ns": _LOCK_NAMESPACE, "key": key},
        )
        if got:
            return slot
    return None


async def _release_slots(conn: Any) -> None:
    try:
        await conn.execute(sa.text("SELECT pg_advisory_unlock_all()"))
    except Exception:  # the connection is broken: dropping it releases the locks
        await conn.invalidate()


async def _load(deps: WorkerContext, cid: uuid.UUID) -> Plan | None:
    async with deps.autocommit.connect() as conn:
        row = (await conn.execute(store.LOAD_CAMPAIGN, {"id": cid})).first()
    if row is None:
        return None
    schedule = msgspec.convert(row.schedule or {}, Schedule, strict=False)
    pacing = msgspec.convert(row.pacing or {}, Pacing, strict=False)
    zone = schedule.timezone or row.org_timezone or "America/Sao_Paulo"
    try:
        tz = ZoneInfo(zone)
    except (KeyError, ValueError):
        tz = ZoneInfo("America/Sao_Paulo")
    return Plan(
        id=row.id,
        organization_id=row.organization_id,
        status=str(row.status),
        connection_ids=list(row.connection_ids or []),
        active_connection_id=row.active_connection_id,
        messages=list(row.messages or []),
        schedule=schedule,
        pacing=pacing,
        reply_gate=row.reply_gate,
        skip_agent=bool(row.skip_agent_conversations),
        cooldown_hours=int(row.contact_cooldown_hours or 0),
        sends_since_pause=int(row.sends_since_pause or 0),
        failure_streak=int(row.failure_streak or 0),
        tz=tz,
        subdivision=schedule.holiday_subdivision or row.holiday_subdivision,
    )


class Dispatcher:
    """One run of one campaign (one slot)."""

    def __init__(self, ctx: dict[str, Any], deps: WorkerContext, cid: uuid.UUID, slot: int):
        self.ctx, self.deps, self.cid, self.slot = ctx, deps, cid, slot
        self.redis = redis_of(ctx)
        self.recorder = SentRecorder(deps, self.redis)
        self.rng = random.Random()  # noqa: S311 - pacing and spintax, not secrets
        self.outcomes: deque[bool] = deque(maxlen=BREAKER_WINDOW)
        self.last_error: str | None = None
        self.sent = 0
        self.last_progress = 0.0
        self.streak = 0
        self.sends_since_pause = 0

    async def run(self) -> str:
        started = time.monotonic()
        plan = await self._round_plan()
        self.streak, self.sends_since_pause = plan.failure_streak, plan.sends_since_pause
        if self.slot == 0 and plan.full_speed:
            await self._wake_peers(plan)
        await self._orphans(plan)
        while time.monotonic() - started < RUN_SECONDS:
            plan = await self._round_plan()
            sender = await self._sender(plan)
            size = self.deps.config.campaign_batch if plan.full_speed else 1
            if sender.allowance is not None:
                size = min(size, sender.allowance)
            message_ids = await self._claim(plan, sender.connection_id, size)
            if message_ids is None:
                return await self._drained(plan)
            await self._deliver(plan, sender.connection_id, message_ids)
            await self._progress(plan)
            if not plan.full_speed and message_ids:
                await self._pace(plan)
        await self._reschedule(datetime.now(UTC))
        return f"continued:{self.sent}"

    async def _round_plan(self) -> Plan:
        """The campaign now: promoted when its start has come, expired past validUntil,
        waiting outside its windows."""
        plan = await _load(self.deps, self.cid)
        if plan is None:
            raise Stop("missing")
        now = datetime.now(UTC)
        until = _aware(plan.schedule.valid_until, plan.tz)
        if until is not None and now >= until:
            async with self.deps.engine.begin() as conn:
                await conn.execute(store.EXPIRE, {"id": self.cid, "reason": "valid_until"})
            await self._notify(plan)
            raise Stop("expired")
        if plan.status == "SCHEDULED":
            start = _aware(plan.schedule.start_at, plan.tz)
            if start is not None and start > now:
                await self._reschedule(start)
                raise Stop("scheduled")
            async with self.deps.autocommit.connect() as conn:
                await conn.execute(store.PROMOTE, {"id": self.cid})
            plan = await _load(self.deps, self.cid) or plan
        if plan.status != "RUNNING":
            raise Stop(f"stopped:{plan.status}")
        opens = next_open(plan.schedule, now, plan.tz, plan.subdivision)
        if opens is None:
            await self._pause(plan, "no_window: no send window opens in the next 400 days")
            raise Stop("no_window")
        if opens > now:
            await self._reschedule(opens)
            raise Stop("outside_window")
        return plan

    async def _sender(self, plan: Plan) -> Sender:
        """The number to send from: the active one, or the next usable one in order."""
        async with self.deps.autocommit.connect() as conn:
            rows = {
                r.id: r
                for r in (
                    await conn.execute(
                        store.CONNECTIONS, {"ids": plan.connection_ids, "org": plan.organization_id}
                    )
                ).all()
            }
            order = plan.connection_ids
            if plan.active_connection_id in order:
                start = order.index(plan.active_connection_id)
                order = order[start:] + order[:start]
            local_now = datetime.now(plan.tz)
            midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
            capped = False
            for conn_id in order:
                row = rows.get(conn_id)
                if row is None or not _usable(row):
                    continue
                cap = daily_cap(plan.pacing, row.first_connected_at, local_now.date())
                allowance = None
                if cap is not None:
                    today = int(
                        await conn.scalar(store.SENT_TODAY, {"conn": conn_id, "since": midnight})
                        or 0
                    )
                    allowance = cap - today
                    if allowance <= 0:
                        capped = True
                        continue
                if conn_id != plan.active_connection_id:
                    await conn.execute(
                        store.FAIL_OVER,
                        {"id": self.cid, "conn": conn_id, "reason": None},
                    )
                    self.streak = 0
                return Sender(conn_id, allowance)
        if capped:
            # Every usable number reached its cap: carry on from the next local midnight
            # (the window check then finds the first opening after it).
            tomorrow = midnight + timedelta(days=1)
            await self._reschedule(tomorrow.astimezone(UTC))
            raise Stop("daily_cap")
        await self._pause(plan, "no_connection: none of the campaign's numbers is connected")
        raise Stop("no_connection")

    async def _claim(
        self, plan: Plan, connection_id: uuid.UUID, size: int
    ) -> list[uuid.UUID] | None:
        """Claim up to ``size`` recipients and stage their sends; None: none is due."""
        now_local = datetime.now(plan.tz)
        async with self.deps.engine.begin() as conn:
            claimed = await store.claim(conn, self.cid, size)
            if not claimed:
                return None
            live = [c for c in claimed if not c.opted_out]
            cooling, with_agent = await store.busy_contacts(
                conn,
                self.cid,
                [c.contact_id for c in live],
                cooldown_hours=plan.cooldown_hours,
                skip_agent=plan.skip_agent,
            )
            settled = store.Settled()
            outgoing: list[store.Outgoing] = []
            for c in claimed:
                if c.opted_out:
                    settled.add(c.recipient_id, "OPTED_OUT", "opted_out")
                elif c.contact_id in with_agent:
                    settled.add(c.recipient_id, "SKIPPED", "agent_conversation")
                elif c.contact_id in cooling:
                    settled.add(c.recipient_id, "SKIPPED", "cooldown")
                elif not c.phone_number:
                    settled.add(c.recipient_id, "FAILED", "invalid_phone", "no phone number")
                else:
                    try:
                        out = self._compose(plan, c, now_local)
                    except MissingVariable as exc:
                        settled.add(
                            c.recipient_id,
                            "SKIPPED",
                            "missing_variable",
                            f"{{{{{exc.name}}}}} has no value and no fallback",
                        )
                        continue
                    outgoing.append(out)
            await store.settle(conn, settled)
            message_ids, events = await store.stage_sends(
                conn,
                organization_id=plan.organization_id,
                campaign_id=self.cid,
                connection_id=connection_id,
                outgoing=outgoing,
            )
            jobs = await write_outbox(conn, events)
        await flush_outbox(self.deps.autocommit, self.redis, jobs)
        return message_ids

    def _compose(self, plan: Plan, c: store.Claimed, now_local: datetime) -> store.Outgoing:
        contact = RenderContact(name=c.name, phone_number=c.phone_number or "", fields=c.fields)
        gate = plan.reply_gate is not None and c.gate_message_id is None
        if gate and plan.reply_gate is not None:
            text = render(str(plan.reply_gate.get("text") or ""), contact, now_local, self.rng)
            return store.Outgoing(c.recipient_id, c.contact_id, "TEXT", {"text": text}, True)
        variant = (c.variant or 0) % max(len(plan.messages), 1)
        message = plan.messages[variant] if plan.messages else {}
        text = render(str(message.get("text") or ""), contact, now_local, self.rng)
        content: dict[str, Any] = {"text": text} if text else {}
        media = message.get("media")
        key: str | None = None
        kind = "TEXT"
        if isinstance(media, dict) and (media.get("url") or media.get("mediaKey")):
            kind = "MEDIA"
            key = media.get("mediaKey")
            mime = str(media.get("mimeType") or "")
            if not mime and key:
                # The API stores only {mediaKey}: the type its upload was sniffed as.
                mime = mimetype_of_key(str(key)) or ""
            stored = {
                "type": _media_type(mime, media.get("type")),
                "url": media.get("url"),
                "mimeType": mime or None,
                "name": media.get("name"),
            }
            content["media"] = {k: v for k, v in stored.items() if v}
        return store.Outgoing(c.recipient_id, c.contact_id, kind, content, False, key)

    async def _deliver(
        self, plan: Plan, connection_id: uuid.UUID, message_ids: list[uuid.UUID]
    ) -> None:
        if not message_ids:
            return
        gate = asyncio.Semaphore(self.deps.config.campaign_in_flight)
        rows = await load_messages(self.deps.autocommit, message_ids)

        async def one(row: DeliveryRow) -> None:
            async with gate:
                await self._deliver_one(row)

        await asyncio.gather(*(one(row) for row in rows))
        failed = sum(1 for ok in self.outcomes if not ok)
        if len(self.outcomes) >= BREAKER_WINDOW // 2 and failed >= BREAKER_FAILURES:
            reason = (
                f"circuit_breaker: {failed} of the last {len(self.outcomes)} sends failed"
                f" (last error: {self.last_error})"
            )
            await self._pause(plan, reason)
            raise Stop("circuit_breaker")
        if self.streak >= FAILOVER_STREAK:
            await self._fail_over(plan, connection_id)

    async def _deliver_one(self, row: DeliveryRow) -> None:
        try:
            result = await deliver_loaded(self.deps, self.redis, row, self.recorder)
        except Retry as retry:
            # Waiting (rate limit, a claim held elsewhere) or retrying a transient
            # failure: the message's own job carries on from here.
            defer = (retry.defer_score or 0) / 1000
            await self._enqueue_delivery(row.id, defer)
            return
        if result.startswith("SENT"):
            self.sent += 1
            self.streak = 0
            self.outcomes.append(True)
        elif result.startswith("FAILED"):
            detail = result.partition(":")[2]
            if not any(code in detail for code in _NOT_THE_NUMBER):
                self.streak += 1
                self.outcomes.append(False)
                self.last_error = detail[:200]

    async def _enqueue_delivery(self, mid: uuid.UUID, defer: float) -> None:
        row = outbox_row("deliver_message", str(mid), defer=defer if defer > 0 else None)
        async with self.deps.autocommit.connect() as conn:
            jobs = await write_outbox(conn, [row])
        await flush_outbox(self.deps.autocommit, self.redis, jobs)

    async def _fail_over(self, plan: Plan, connection_id: uuid.UUID) -> None:
        order = plan.connection_ids
        later = order[order.index(connection_id) + 1 :] if connection_id in order else []
        reason = f"failover: {self.streak} sends in a row failed on {connection_id}"
        async with self.deps.autocommit.connect() as conn:
            usable = {
                r.id
                for r in (
                    await conn.execute(
                        store.CONNECTIONS, {"ids": later, "org": plan.organization_id}
                    )
                ).all()
                if _usable(r)
            }
            target = next((c for c in later if c in usable), None)
            if target is None:
                await self._pause(plan, f"{reason} (last error: {self.last_error})")
                raise Stop("failing")
            await conn.execute(store.FAIL_OVER, {"id": self.cid, "conn": target, "reason": reason})
        log.warning("campaign failed over", extra={"campaign_id": str(self.cid)})
        self.streak = 0

    async def _pace(self, plan: Plan) -> None:
        self.sends_since_pause += 1
        delay, long_pause = delay_before_next(plan.pacing, self.sends_since_pause, self.rng)
        if long_pause:
            self.sends_since_pause = 0
        if delay <= 0:
            return
        if delay > SLEEP_IN_JOB:
            await self._reschedule(datetime.now(UTC) + timedelta(seconds=delay))
            raise Stop("pausing")
        await self._heartbeat(lease=delay + LEASE_SECONDS)
        await asyncio.sleep(delay)

    async def _drained(self, plan: Plan) -> str:
        """Nothing due to claim: finished, waiting for retries, or sends in flight."""
        await self._orphans(plan)
        async with self.deps.autocommit.connect() as conn:
            left = (await conn.execute(store.PENDING_LEFT, {"id": self.cid})).one()
            gate_from = None
            if not left.pending and not left.sending:
                params = {"id": self.cid, "gate_hours": GATE_HOURS}
                done = await conn.scalar(store.COMPLETE, params)
                if done:
                    await self._notify(plan)
                    return "completed"
                gate_from = await conn.scalar(store.GATE_LEFT, params)
        if self.slot != 0:
            return "drained"  # slot 0 keeps watch over what is left
        if gate_from is not None:
            # Only answers to the question are left: they wake the campaign themselves
            # (workers/respond_store.py); it completes once the last may no longer come.
            await self._reschedule(gate_from + timedelta(hours=GATE_HOURS, seconds=1))
        elif left.pending and left.next_at is not None:
            await self._reschedule(max(left.next_at, datetime.now(UTC)))
        else:  # sends in flight (another run's, or delivery's retries): look again soon
            await self._reschedule(datetime.now(UTC) + timedelta(seconds=RECHECK_SECONDS))
        return "waiting"

    async def _orphans(self, plan: Plan) -> None:
        async with self.deps.autocommit.connect() as conn:
            ids = list(
                (
                    await conn.scalars(store.ORPHANS, {"id": self.cid, "settled": ORPHAN_SETTLED})
                ).all()
            )
        if ids:
            log.info("campaign sends resumed", extra={"campaign_id": str(self.cid), "n": len(ids)})
            await self._deliver(plan, plan.active_connection_id or plan.connection_ids[0], ids)

    async def _wake_peers(self, plan: Plan) -> None:
        slots = self.deps.config.campaign_slots
        if slots <= 1:
            return
        stamp = int(time.time() * 1000)
        rows = [
            outbox_row(JOB, str(self.cid), job_id=f"campaign:{self.cid}:peer{n}:{stamp}")
            for n in range(1, slots)
        ]
        async with self.deps.autocommit.connect() as conn:
            jobs = await write_outbox(conn, rows)
        await flush_outbox(self.deps.autocommit, self.redis, jobs)

    async def _heartbeat(self, lease: float = LEASE_SECONDS) -> None:
        async with self.deps.autocommit.connect() as conn:
            await conn.execute(
                store.HEARTBEAT,
                {
                    "id": self.cid,
                    "lease": lease,
                    "sends": self.sends_since_pause,
                    "streak": self.streak,
                },
            )

    async def _reschedule(self, at: datetime) -> None:
        async with self.deps.engine.begin() as conn:
            kept = await conn.scalar(
                store.RESCHEDULE, {"id": self.cid, "at": at, "sends": self.sends_since_pause}
            )
            jobs = await write_outbox(conn, [dispatch_row(self.cid, at)]) if kept else []
        await flush_outbox(self.deps.autocommit, self.redis, jobs)

    async def _pause(self, plan: Plan, reason: str) -> None:
        async with self.deps.autocommit.connect() as conn:
            await conn.execute(store.PAUSE, {"id": self.cid, "reason": reason[:500]})
        log.warning("campaign paused", extra={"campaign_id": str(self.cid), "reason": reason})
        await self._notify(plan)

    async def _progress(self, plan: Plan) -> None:
        await self._heartbeat()
        now = time.monotonic()
        if now - self.last_progress >= PROGRESS_EVERY:
            self.last_progress = now
            await self._notify(plan)

    async def _notify(self, plan: Plan) -> None:
        """A notice on the organization's realtime channel: the campaign pages fetch
        the counters when they hear it (ids only, like every notice)."""
        notice = realtime.Notice(event="campaign.progress", id=str(self.cid))
        with contextlib.suppress(RedisError):  # a missed notice only delays the counters
            await self.redis.publish(
                realtime.channel(plan.organization_id), msgspec.json.encode(notice)
            )


def _aware(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    """A schedule's date; one written without an offset is the campaign's local time."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=tz)


def _usable(row: Any) -> bool:
    """Whether a campaign may send from this connection now. A provider the platform
    provisions (QR sessions) must be CONNECTED; the others (Meta, native integrations)
    report no session and are usable unless they failed or dropped after connecting."""
    if row is None or row.deleted_at is not None or row.status == "FAILED":
        return False
    if provisions(row.provider):
        return bool(row.status == "CONNECTED")
    return not (row.status == "DISCONNECTED" and row.first_connected_at is not None)


def _media_type(mime: str, given: Any) -> str:
    if isinstance(given, str) and given in ("image", "audio", "video", "document"):
        return given
    head = mime.partition("/")[0]
    return head if head in ("image", "audio", "video") else "document"
