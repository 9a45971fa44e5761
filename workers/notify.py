"""Domain events out: realtime pub/sub and signed webhooks for CRMs.

``publish_event`` (enqueued from the outbox after the commit that changed something)
loads the entity as the API shows it *now* and records one ``webhook_delivery`` per
matching active subscription, each with its own ``deliver_webhook`` job staged in the
outbox of the same transaction. (Realtime subscribers heard of the event already, when
this job was enqueued: app.realtime.)

``deliver_webhook`` POSTs ``{event, deliveryId, createdAt, data}`` signed with the
subscription's secret. 2xx → DELIVERED; anything else (or a timeout) is written on the
row and retried with exponential back-off until ``max attempts``, then FAILED. Both jobs
take ids and are safe to run twice: delivery ids derive from the arq job id (a retried
job re-creates the same rows, ignored on conflict), and a delivery is locked while it is
sent and never re-sent once DELIVERED.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.connections.services import connection_out
from app.contacts.services import load_contact
from app.db import models as m
from app.db.enums import DeliveryStatus
from app.db.tenancy import set_tenant
from app.errors import NotFound
from app.messages.services import message_out
from app.outbox import OutboxJob, flush_outbox, outbox_row, write_outbox
from app.records import require
from app.sessions import notes
from app.sessions.services import load_session
from app.subscriptions.services import delivery_body
from workers.config import JobConfig
from workers.context import context, redis_of

log = logging.getLogger("balcao.notify")

# Attempts, back-off base and timeout are tuning (workers.config.JobConfig).
RETRY_MAX_SECONDS = 3600.0
_DELIVERY_NS = uuid.UUID("6f1c7a52-2f55-4e55-9a7e-5b0e1f1d9c11")
_ERROR_LIMIT = 500
_RESPONSE_LIMIT = 2000  # of the receiver's answer, kept for the delivery log


async def entity_data(db: AsyncSession, settings: Any, event: str, entity_id: uuid.UUID) -> Any:
    """The entity in its API shape, or ``{"id", "deleted": true}`` once it is gone."""
    kind = event.split(".", 1)[0]
    try:
        if kind == "message":
            out: Any = message_out(await require(db, m.Message, entity_id))
        elif kind == "session":
            out = await load_session(db, entity_id)
        elif kind == "contact":
            out = await load_contact(db, entity_id)
        elif kind == "connection":
            out = connection_out(await require(db, m.Connection, entity_id), settings.base_url)
        elif kind == "note":
            out = await notes.get_note(db, entity_id)
            if out is None:
                raise NotFound()
        else:
            return {"id": str(entity_id)}
    except NotFound:
        return {"id": str(entity_id), "deleted": True}
    return msgspec.to_builtins(out)


async def publish_event(
    ctx: dict[str, Any],
    organization_id: str,
    event: str,
    entity_id: str,
    session_id: str | None = None,  # for realtime notices (app.realtime)
) -> int:
    """Fan one event out to webhooks; the number of deliveries it created."""
    org, shared = uuid.UUID(organization_id), context(ctx)
    async with shared.sessionmaker() as db:
        set_tenant(db, org)
        subscriptions = (
            await db.scalars(
                sa.select(m.WebhookSubscription.id).where(
                    m.WebhookSubscription.is_active.is_(True),
                    m.WebhookSubscription.events.any_() == event,
                )
            )
        ).all()
        if not subscriptions:
            return 0
        data = await entity_data(db, shared.settings, event, uuid.UUID(entity_id))
        job = str(ctx.get("job_id") or uuid.uuid4())
        values = [
            {
                "id": uuid.uuid5(_DELIVERY_NS, f"{job}:{sub}"),
                "organization_id": org,
                "subscription_id": sub,
                "event": event,
                "payload": data,
            }
            for sub in subscriptions
        ]
        created = list(
            await db.scalars(
                insert(m.WebhookDelivery)
                .values(values)
                .on_conflict_do_nothing()
                .returning(m.WebhookDelivery.id)
            )
        )
        rows = [
            outbox_row("deliver_webhook", str(i), job_id=f"deliver_webhook:{i}:0") for i in created
        ]
        jobs = await write_outbox(await db.connection(), rows)
        await db.commit()
    await flush_outbox(shared.engine, redis_of(ctx), jobs)
    return len(created)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(config: JobConfig, attempts: int) -> float:
    return float(min(config.webhook_retry_base * 2 ** (attempts - 1), RETRY_MAX_SECONDS))


class Attempt(msgspec.Struct, frozen=True):
    code: int | None
    error: str | None
    response_body: str | None = None


async def _post(config: JobConfig, row: m.WebhookDelivery, sub: m.WebhookSubscription) -> Attempt:
    body = msgspec.json.encode(delivery_body(row))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Balcao-Webhooks/1",
        "X-Balcao-Event": row.event,
        "X-Balcao-Delivery": str(row.id),
        "X-Balcao-Signature": signature(sub.secret, body),
    }
    timeout = config.webhook_timeout
    try:
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            response = await client.post(sub.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return Attempt(None, f"{type(exc).__name__}: {exc}"[:_ERROR_LIMIT])
    # PostgreSQL text cannot hold NUL; a receiver may answer anything.
    answer = response.text[:_RESPONSE_LIMIT].replace("\x00", "\ufffd")
    if 200 <= response.status_code < 300:
        return Attempt(response.status_code, None, answer)
    return Attempt(
        response.status_code, f"HTTP {response.status_code}: {response.text[:200]}", answer
    )


async def deliver_webhook(ctx: dict[str, Any], delivery_id: str) -> str:
    """One attempt; the outcome (``delivered``, ``retry``, ``failed``, ``skipped``)."""
    shared = context(ctx)
    async with shared.sessionmaker() as db:
        row = await db.scalar(
            sa.select(m.WebhookDelivery)
            .where(m.WebhookDelivery.id == uuid.UUID(delivery_id))
            .with_for_update(skip_locked=True)
        )
        # Missing, already delivered, or being sent by another run of this job.
        if row is None or row.status == DeliveryStatus.DELIVERED:
            return "skipped"
        sub = await db.get(m.WebhookSubscription, row.subscription_id)
        if sub is None or not sub.is_active:
            row.status, row.last_error = DeliveryStatus.FAILED, "subscription inactive"
            await db.commit()
            return "failed"
        attempt = await _post(shared.config, row, sub)
        outcome, jobs = await _record_attempt(shared.config, db, row, attempt)
        await db.commit()
    await flush_outbox(shared.engine, redis_of(ctx), jobs)
    return outcome


async def _record_attempt(
    config: JobConfig,
    db: AsyncSession,
    row: m.WebhookDelivery,
    attempt: Attempt,
) -> tuple[str, list[OutboxJob]]:
    now = datetime.now(UTC)
    error = attempt.error
    row.attempts += 1
    row.last_status_code, row.last_error = attempt.code, error
    row.last_response_body, row.last_attempt_at = attempt.response_body, now
    if error is None:
        row.status, row.delivered_at, row.next_attempt_at = DeliveryStatus.DELIVERED, now, None
        return "delivered", []
    if row.attempts >= config.webhook_max_attempts:
        row.status, row.next_attempt_at = DeliveryStatus.FAILED, None
        log.warning("webhook delivery failed", extra={"delivery": str(row.id), "error": error})
        return "failed", []
    delay = backoff(config, row.attempts)
    row.next_attempt_at = now + timedelta(seconds=delay)
    retry = outbox_row(
        "deliver_webhook",
        str(row.id),
        job_id=f"deliver_webhook:{row.id}:{row.attempts}",
        defer=delay,
    )
    return "retry", await write_outbox(await db.connection(), [retry])
