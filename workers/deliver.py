"""``deliver_message(ctx, message_id)`` — send one PENDING outbound message (AI replies,
SYSTEM notices, and ``POST /api/v1/messages``) through its connection's provider.

Order of work: one chat at a time (a Redis lock per session, and older parts of the
same reply first), failover to the connection's ``failoverConnectionId`` when the
connection is DISCONNECTED/FAILED, token buckets per chat and per connection, a
"typing…" indicator for about as long as a person would type the text, then the send.
Success stores SENT + the provider's id (and settles an echo or an early ack,
workers/deliver_store.py); a transient failure retries with back-off; a permanent one,
or the last try, stores FAILED with the provider's words on the message.

Safe twice: only a PENDING message is sent; the per-chat lock keeps two runs of the
same chat from sending at once, and a claim on the message row in PostgreSQL
(``send_claimed_until``, taken in the same statement that reads the chat's state) keeps
a second job from starting the same send even when Redis lost the lock mid-send. A
worker killed after the provider accepted the send but before SENT was stored sends
again once its claim runs out (``LOCK_SECONDS``) — a duplicate beats a lost reply; our
message id goes with every send, for providers that deduplicate by it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from typing import Any

from arq import Retry
from arq.connections import ArqRedis
from redis.exceptions import RedisError

from app.outbox import flush_outbox
from providers import UnknownProvider, get_provider
from providers.base import MediaKind, MediaRef, OutboundMessage, Provider, SendError
from providers.http import RateLimited
from workers.context import WorkerContext, context, redis_of
from workers.deliver_limits import ChatLock, take_send_tokens, typing_ms
from workers.deliver_media import send_outbound, with_media_id
from workers.deliver_store import (
    ChatState,
    DeliveryRow,
    Sent,
    claim_send,
    load_message,
    record_failed,
    record_opted_out,
    record_sent,
    record_sent_many,
    release_claim,
)

log = logging.getLogger("balcao.deliver")
_DOWN = frozenset({"DISCONNECTED", "FAILED"})
_MEDIA_KINDS: dict[str, MediaKind] = {
    "image": "image",
    "audio": "audio",
    "video": "video",
    "document": "document",
}
LOCK_SECONDS = 180.0  # above the longest send (60 s read timeout + typing)
WAIT_IN_JOB = 5.0  # how long a job waits for the chat in-process before re-queueing
# Sends attempted per message; counted in Redis because arq's job_try also counts the
# re-queues of a job that only waited for its chat.
_TRIES_KEY = "balcao:deliver:tries:{}"
DEFERRED = "deferred"  # deliver_now: the message is left to its queued job


async def deliver_message(ctx: dict[str, Any], message_id: str) -> str:
    deps = context(ctx)
    redis = redis_of(ctx)
    mid = uuid.UUID(message_id)
    row = await load_message(deps.autocommit, mid)
    if row is None:
        return "missing"
    if row.status != "PENDING" or row.direction != "OUT":
        return f"skipped:{row.status}"
    lock = ChatLock(redis, str(row.session_id), LOCK_SECONDS)
    state = await _take_turn(deps, lock, row)
    if state is None:
        raise Retry(defer=0.5)
    try:
        if state.status != "PENDING":
            return "skipped:done"
        if state.held == "campaign_stopped":
            # Paused or ended: the dispatcher hands it back to delivery on resume.
            return "skipped:campaign_stopped"
        if state.held == "opted_out":
            jobs = await record_opted_out(deps.engine, row)
            if jobs:
                await flush_outbox(deps.autocommit, redis, jobs)
            return "skipped:opted_out"
        if not state.claimed:
            # Another job is sending it (Redis lost the chat lock meanwhile): come back
            # when its claim ends; by then it is SENT, or its job died and this one sends.
            raise Retry(defer=max(state.claim_left, 0.5))
        try:
            return await _send(deps, redis, row)
        except BaseException:  # a retry, a crash, a cancel: nothing was recorded
            await release_claim(deps.autocommit, row)
            raise
    finally:
        await lock.release()


async def deliver_loaded(
    deps: WorkerContext, redis: ArqRedis, row: DeliveryRow, recorder: SentRecorder
) -> str:
    """``deliver_message`` for a campaign's message loaded with its claim batch
    (workers/campaigns.py): the same claim, checks, send and answers, without the chat
    lock — no reply part waits before a campaign message, and the claim in PostgreSQL
    keeps it sent once — and with its SENT write shared with the sends that finished
    meanwhile (``SentRecorder``). What must wait raises Retry, for the message's job."""
    if row.status != "PENDING" or row.direction != "OUT":
        return f"skipped:{row.status}"
    state = await claim_send(deps.autocommit, row, LOCK_SECONDS)
    if state.status != "PENDING":
        return "skipped:done"
    if state.held == "campaign_stopped":
        return "skipped:campaign_stopped"
    if state.held == "opted_out":
        jobs = await record_opted_out(deps.engine, row)
        if jobs:
            await flush_outbox(deps.autocommit, redis, jobs)
        return "skipped:opted_out"
    if not state.claimed:
        raise Retry(defer=max(state.claim_left, 0.5))
    try:
        connection_id, pmid = await send_claimed(deps, redis, row)
    except SendError as exc:
        try:
            return await failed(deps, redis, row, exc)
        except BaseException:
            await release_claim(deps.autocommit, row)
            raise
    except BaseException:
        await release_claim(deps.autocommit, row)
        raise
    await recorder.record(Sent(row, connection_id, pmid))
    return f"SENT:{pmid}"


class SentRecorder:
    """Records concurrent sends many per transaction (``record_sent_many``): each
    caller waits for the commit that holds its send, and sends that finish while one
    write runs go in the next — so under load a write carries many, and alone it
    carries one at once. A failed write fails its callers; their claims then run out
    and the sends go again (as when a worker dies after the provider's answer)."""

    def __init__(self, deps: WorkerContext, redis: ArqRedis) -> None:
        self._deps = deps
        self._redis = redis
        self._queue: list[tuple[Sent, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, sent: Sent) -> bool:
        """True: recorded SENT; False: the message had left PENDING meanwhile."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((sent, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await done

    async def _write(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                recorded, jobs = await record_sent_many(self._deps.engine, [s for s, _ in batch])
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            with contextlib.suppress(RedisError, OSError):  # they expire by themselves
                await forget_tries(self._redis, [s.row.id for s, _ in batch])
            if jobs:
                await flush_outbox(self._deps.autocommit, self._redis, jobs)
            for sent, done in batch:
                if not done.done():
                    done.set_result(sent.row.id in recorded)


async def deliver_now(ctx: dict[str, Any], message_id: str) -> str:
    """deliver_message run in-process by the responder; what must wait or retry is left
    to the message's queued job."""
    try:
        return await deliver_message(ctx, message_id)
    except Retry:
        return DEFERRED


async def _take_turn(deps: WorkerContext, lock: ChatLock, row: DeliveryRow) -> ChatState | None:
    """Wait briefly, in the job, for the chat's lock and for older parts to go first.
    Holding the lock, returns the chat's state read (and the send claimed) under it;
    None: gave up."""
    deadline = time.monotonic() + WAIT_IN_JOB
    while True:
        if await lock.acquire():
            state = await claim_send(deps.autocommit, row, LOCK_SECONDS)
            if not state.waiting or state.status != "PENDING":
                return state
            await lock.release()
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(0.05)


async def _send(deps: WorkerContext, redis: ArqRedis, row: DeliveryRow) -> str:
    try:
        connection_id, pmid = await send_claimed(deps, redis, row)
    except SendError as exc:
        return await failed(deps, redis, row, exc)
    jobs = await record_sent(deps.engine, row, connection_id, pmid)
    await redis.delete(_TRIES_KEY.format(row.id))
    if jobs:
        await flush_outbox(deps.autocommit, redis, jobs)
    return f"SENT:{pmid}"


async def send_claimed(
    deps: WorkerContext, redis: ArqRedis, row: DeliveryRow
) -> tuple[uuid.UUID, str | None]:
    """The send of a message whose claim this job holds: route, rate tokens, "typing…",
    the provider's call. Returns the connection it went through and the provider's id;
    raises SendError (to record) or Retry (the tokens ask for a wait)."""
    connection_id, kind, provider_config = _route(row)
    outbound = _outbound(deps, row)
    outbound = await with_media_id(deps, row, kind, connection_id, provider_config, outbound)
    wait = await take_send_tokens(redis, deps.config, str(connection_id), outbound.to)
    if wait > 2.0:
        raise Retry(defer=wait)
    if wait > 0:
        await asyncio.sleep(wait)
    provider = _provider(kind)
    if _types_first(row):
        await _show_typing(deps, provider, outbound, provider_config, row.last_inbound_pmid)
    result = await send_outbound(deps, provider, connection_id, outbound, provider_config)
    return connection_id, result.provider_message_id


def forget_tries(redis: ArqRedis, message_ids: list[uuid.UUID]) -> Any:
    """Drop the send counters of messages that went (one command for many)."""
    return redis.delete(*(_TRIES_KEY.format(i) for i in message_ids))


async def failed(deps: WorkerContext, redis: ArqRedis, row: DeliveryRow, exc: SendError) -> str:
    """A send that raised: Retry with back-off while tries are left and the error is
    transient, else the message FAILED with the provider's words."""
    config = deps.config
    key = _TRIES_KEY.format(row.id)
    tries = int(await redis.incr(key))
    await redis.expire(key, 86_400)
    if exc.transient and tries < config.delivery_tries:
        delay = min(config.delivery_max_backoff, config.delivery_backoff * 2 ** (tries - 1))
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            delay = max(delay, exc.retry_after)
        log.info("send retried", extra={"message_id": str(row.id), "try": tries})
        raise Retry(defer=delay)
    jobs = await record_failed(deps.engine, row, exc.detail)
    await redis.delete(key)
    if jobs:
        await flush_outbox(deps.autocommit, redis, jobs)
    log.warning("send failed", extra={"message_id": str(row.id), "error": exc.detail})
    return f"FAILED:{exc.detail}"


def _types_first(row: DeliveryRow) -> bool:
    """Every reply shows "typing…"; a campaign only before its ``typingShare`` of sends
    (pacing; default 0.3, none at full speed), picked by the message's id so a retry
    decides the same way."""
    if row.campaign_id is None:
        return True
    pacing = row.campaign_pacing or {}
    share = pacing.get("typingShare")
    if not isinstance(share, int | float):
        share = 0.3 if pacing.get("maxDelaySeconds", 60) else 0.0
    return (row.id.int % 1000) < share * 1000


def _route(row: DeliveryRow) -> tuple[uuid.UUID, str, dict[str, Any]]:
    """The connection to send through: the message's own, or its failover when the own
    one is down and the failover is not."""
    if (
        row.conn_status in _DOWN
        and row.fo_id is not None
        and row.fo_provider is not None
        and row.fo_deleted is None
        and row.fo_status not in _DOWN
    ):
        return row.fo_id, row.fo_provider, dict(row.fo_config or {})
    return row.conn_id, row.provider, dict(row.config or {})


def _recipient(row: DeliveryRow) -> str:
    kind, _, value = (row.identity or "").partition(":")
    if kind == "group":
        return str(value)
    if row.phone_number:
        return str(row.phone_number)
    if kind == "lid":
        return f"{value}@lid"
    if value:
        return str(value)
    raise SendError("the contact has no phone number or chat id", transient=False)


def _outbound(deps: WorkerContext, row: DeliveryRow) -> OutboundMessage:
    content: dict[str, Any] = row.content or {}
    media: dict[str, Any] | None = content.get("media")
    media_ref, media_path = None, None
    if media:
        url = media.get("url")
        if row.media_key:
            path = deps.storage.local_path(row.media_key)
            media_path = str(path) if path is not None else None
        media_ref = MediaRef(
            kind=_MEDIA_KINDS.get(str(media.get("type")), "document"),
            mimetype=media.get("mimeType"),
            filename=media.get("name"),
            url=url if isinstance(url, str) and url.startswith(("http://", "https://")) else None,
        )
    return OutboundMessage(
        message_id=str(row.id),
        to=_recipient(row),
        text=content.get("text"),
        media=media_ref,
        media_path=media_path,
        quoted_provider_message_id=row.quoted_pmid,
    )


def _provider(kind: str) -> Provider:
    """The connection's provider from the registry; an unregistered one fails here,
    clearly (transient: a deployment may be missing a BALCAO_PROVIDERS module)."""
    try:
        return get_provider(kind)
    except UnknownProvider as exc:
        raise SendError(f"{kind}: no sender is available ({exc})", transient=True) from exc


async def _show_typing(
    deps: WorkerContext,
    provider: Provider,
    outbound: OutboundMessage,
    config: dict[str, Any],
    last_inbound: str | None,
) -> None:
    """ "typing…" for about as long as a person would type the text. Providers differ:
    Evolution holds the call for the whole delay, the others return at once, so we
    wait out whatever the call did not; one that types like a person itself (WhatsApp
    Web) gets no pause. A failed indicator never stops the send."""
    duration = typing_ms(deps.config, outbound.text if outbound.media is None else None)
    if duration <= 0 or provider.capabilities.paces_itself:
        return
    started = time.monotonic()
    try:
        await provider.send_presence(
            outbound.to,
            config,
            typing=True,
            duration_ms=duration,
            reply_to=last_inbound,  # Meta shows typing against a received message
            client=deps.http,
        )
    except SendError as exc:
        log.info("typing indicator failed", extra={"error": exc.detail})
    remaining = duration / 1000 - (time.monotonic() - started)
    if remaining > 0:
        await asyncio.sleep(remaining)
