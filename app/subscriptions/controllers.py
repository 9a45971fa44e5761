from __future__ import annotations

import uuid

import sqlalchemy as sa
from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from app.auth.guards import admin_only
from app.db import models as m
from app.db.enums import DeliveryStatus
from app.deps import Caller, Db, Shared
from app.jobs import commit_with_jobs
from app.pagination import Page, PageLimit, PageNumber, paginate
from app.records import require, unset_fields
from app.subscriptions import services
from app.subscriptions.schemas import (
    SecretRotated,
    WebhookDelivery,
    WebhookSubscription,
    WebhookSubscriptionCreate,
    WebhookSubscriptionCreated,
    WebhookSubscriptionUpdate,
)


class WebhookSubscriptionController(Controller):
    path = "/api/v1/webhook-subscriptions"
    tags = ["webhooks out"]
    guards = [admin_only]

    @get("/")
    async def list_subscriptions(
        self, db: Db, page: FromQuery[PageNumber] = 1, limit: FromQuery[PageLimit] = 50
    ) -> Page[WebhookSubscription]:
        stmt = sa.select(m.WebhookSubscription).order_by(
            m.WebhookSubscription.created_at, m.WebhookSubscription.id
        )
        rows, pages = await paginate(db, stmt, page, limit)
        return Page(data=[services.subscription_out(r) for r in rows], pagination=pages)

    @post("/")
    async def create_subscription(
        self, db: Db, principal: Caller, data: JSONBody[WebhookSubscriptionCreate]
    ) -> WebhookSubscriptionCreated:
        """Without a secret one is generated; either way it is shown only here."""
        row = m.WebhookSubscription(
            organization_id=principal.organization_id,
            url=data.url,
            events=services.check_events(data.events),
            secret=data.secret or services.new_secret(),
            is_active=data.is_active,
        )
        db.add(row)
        await db.commit()
        await db.refresh(row)
        out = services.subscription_out(row)
        fields = {f: getattr(out, f) for f in out.__struct_fields__}
        return WebhookSubscriptionCreated(**fields, secret=row.secret)

    @get("/events")
    async def list_events(self) -> list[str]:
        """The event names a subscription may list."""
        return services.event_names()

    @get("/{subscription_id:uuid}")
    async def get_subscription(
        self, db: Db, subscription_id: FromPath[uuid.UUID]
    ) -> WebhookSubscription:
        return services.subscription_out(await require(db, m.WebhookSubscription, subscription_id))

    @patch("/{subscription_id:uuid}")
    async def update_subscription(
        self,
        db: Db,
        subscription_id: FromPath[uuid.UUID],
        data: JSONBody[WebhookSubscriptionUpdate],
    ) -> WebhookSubscription:
        row = await require(db, m.WebhookSubscription, subscription_id)
        changes = unset_fields(data)
        if "events" in changes:
            changes["events"] = services.check_events(changes["events"])
        for key, value in changes.items():
            setattr(row, key, value)
        await db.commit()
        await db.refresh(row)
        return services.subscription_out(row)

    @post("/{subscription_id:uuid}/rotate-secret", status_code=200)
    async def rotate_secret(self, db: Db, subscription_id: FromPath[uuid.UUID]) -> SecretRotated:
        """A new generated secret, shown only here; deliveries from now on are signed
        with it (the old one stops at once)."""
        row = await require(db, m.WebhookSubscription, subscription_id)
        row.secret = services.new_secret()
        await db.commit()
        return SecretRotated(id=row.id, secret=row.secret)

    @delete("/{subscription_id:uuid}")
    async def delete_subscription(self, db: Db, subscription_id: FromPath[uuid.UUID]) -> None:
        row = await require(db, m.WebhookSubscription, subscription_id)
        await db.delete(row)
        await db.commit()

    @get("/{subscription_id:uuid}/deliveries")
    async def list_deliveries(
        self,
        db: Db,
        subscription_id: FromPath[uuid.UUID],
        status: FromQuery[DeliveryStatus | None] = None,
        page: FromQuery[PageNumber] = 1,
        limit: FromQuery[PageLimit] = 50,
    ) -> Page[WebhookDelivery]:
        """Newest first."""
        await require(db, m.WebhookSubscription, subscription_id)
        stmt = services.deliveries_query(subscription_id, status)
        rows, pages = await paginate(db, stmt, page, limit)
        return Page(data=[services.delivery_out(r) for r in rows], pagination=pages)

    @get("/deliveries/{delivery_id:uuid}")
    async def get_delivery(self, db: Db, delivery_id: FromPath[uuid.UUID]) -> WebhookDelivery:
        return services.delivery_out(await require(db, m.WebhookDelivery, delivery_id))

    @post("/deliveries/{delivery_id:uuid}/replay", status_code=202)
    async def replay_delivery(
        self, db: Db, app_state: Shared, delivery_id: FromPath[uuid.UUID]
    ) -> WebhookDelivery:
        """Queue the delivery again (also one already delivered)."""
        row = await require(db, m.WebhookDelivery, delivery_id)
        await commit_with_jobs(db, app_state, services.replay(row))
        await db.refresh(row)
        return services.delivery_out(row)
