"""Outbound webhook subscriptions and their delivery log (delivery itself runs in
workers/notify.py, never in a request)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from app.db import models as m
from app.db.enums import DeliveryStatus
from app.errors import ValidationFailed
from app.events import EVENTS
from app.outbox import OutboxRow, outbox_row
from app.subscriptions.schemas import WebhookDelivery, WebhookSubscription


def subscription_out(row: m.WebhookSubscription) -> WebhookSubscription:
    return WebhookSubscription(
        id=row.id,
        url=row.url,
        events=list(row.events),
        is_active=row.is_active,
        created_at=row.created_at,
    )


def delivery_out(row: m.WebhookDelivery) -> WebhookDelivery:
    return WebhookDelivery(
        id=row.id,
        subscription_id=row.subscription_id,
        event=row.event,
        status=row.status,
        attempts=row.attempts,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        last_response_body=row.last_response_body,
        last_attempt_at=row.last_attempt_at,
        next_attempt_at=row.next_attempt_at,
        delivered_at=row.delivered_at,
        created_at=row.created_at,
        payload=row.payload,
    )


def delivery_body(row: m.WebhookDelivery) -> dict[str, Any]:
    """What a delivery POSTs (workers/notify.py), and what the delivery log shows."""
    return {
        "event": row.event,
        "deliveryId": str(row.id),
        "createdAt": row.created_at.isoformat(),
        "data": row.payload,
    }


def deliveries_query(
    subscription_id: uuid.UUID, status: DeliveryStatus | None = None
) -> sa.Select[Any]:
    """A subscription's delivery log, newest first."""
    stmt = (
        sa.select(m.WebhookDelivery)
        .where(m.WebhookDelivery.subscription_id == subscription_id)
        .order_by(m.WebhookDelivery.created_at.desc(), m.WebhookDelivery.id)
    )
    if status is not None:
        stmt = stmt.where(m.WebhookDelivery.status == status)
    return stmt


def event_names() -> list[str]:
    """Every event a subscription may ask for, grouped by what they are about."""
    return sorted(EVENTS)


def check_events(names: Sequence[str]) -> list[str]:
    for index, name in enumerate(names):
        if name not in EVENTS:
            raise ValidationFailed(
                f"Unknown event {name!r} (known: {', '.join(sorted(EVENTS))}).",
                code="unknown_event",
                field=f"events[{index}]",
            )
    return list(dict.fromkeys(names))


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def replay(row: m.WebhookDelivery) -> list[OutboxRow]:
    """Send the delivery again from a fresh attempt count; earlier outcomes stay in
    lastStatusCode/lastError until the new attempt overwrites them."""
    row.status = DeliveryStatus.PENDING
    row.attempts = 0
    row.next_attempt_at = None
    return [
        outbox_row(
            "deliver_webhook", str(row.id), job_id=f"deliver_webhook:{row.id}:replay:{uuid.uuid4()}"
        )
    ]
