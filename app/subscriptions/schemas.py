from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec

from app.db.enums import DeliveryStatus
from app.schemas import Camel, HttpUrl

EventName = Annotated[str, msgspec.Meta(min_length=3, max_length=64, pattern=r"^[a-z_]+\.[a-z_]+$")]
Events = Annotated[list[EventName], msgspec.Meta(min_length=1, max_length=20)]
Secret = Annotated[str, msgspec.Meta(min_length=16, max_length=200, pattern=r"^[\x21-\x7e]+$")]


class WebhookSubscription(Camel):
    """The secret is write-only: it is shown once, in the answer to the creation."""

    id: uuid.UUID
    url: str
    events: list[str]
    is_active: bool
    created_at: datetime


class WebhookSubscriptionCreated(WebhookSubscription):
    secret: str


class WebhookSubscriptionCreate(Camel):
    url: HttpUrl
    events: Events
    secret: Secret | None = None
    is_active: bool = True


class WebhookSubscriptionUpdate(Camel):
    url: HttpUrl | msgspec.UnsetType = msgspec.UNSET
    events: Events | msgspec.UnsetType = msgspec.UNSET
    secret: Secret | msgspec.UnsetType = msgspec.UNSET
    is_active: bool | msgspec.UnsetType = msgspec.UNSET


class WebhookDelivery(Camel):
    id: uuid.UUID
    subscription_id: uuid.UUID
    event: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    last_response_body: str | None  # the start of the receiver's last answer
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime
    payload: dict[str, Any]


class SecretRotated(Camel):
    """The subscription's new signing secret, shown only in this answer."""

    id: uuid.UUID
    secret: str
