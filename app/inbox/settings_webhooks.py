"""The webhooks settings pages (administrators only): the subscriptions with their
events and counts, and one subscription's delivery log with the bodies sent and
received.

The pages only read (the log with the API's own query and shapes); creating, editing,
deleting, rotating a secret and replaying a delivery are the page script calling
/api/v1/webhook-subscriptions, as any other client would."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import sqlalchemy as sa
from litestar import Request, Response, get
from litestar.params import FromPath, FromQuery, QueryParameter

from app.db import models as m
from app.db.enums import DeliveryStatus
from app.deps import Db, Shared
from app.inbox.render import html
from app.inbox.settings_shell import SettingsBase, require_page, settings_context
from app.inbox.viewer import Viewer
from app.inbox.web import Me, translator
from app.pagination import paginate
from app.records import require
from app.subscriptions import services
from app.subscriptions.schemas import WebhookDelivery, WebhookSubscription

LOG_PAGE_SIZE = 20
COUNT_WINDOW = timedelta(days=7)
LogPage = Annotated[int, QueryParameter(ge=1, le=100_000)]


@dataclass(frozen=True, slots=True)
class Subscription:
    """A subscription as the list shows it: the API's shape and its delivery counts."""

    out: WebhookSubscription
    total: int
    failed: int

    def record(self) -> dict[str, Any]:
        """What the edit dialog is filled with (the API's field names)."""
        return {
            "id": str(self.out.id),
            "url": self.out.url,
            "events": self.out.events,
            "isActive": self.out.is_active,
        }


@dataclass(frozen=True, slots=True)
class Delivery:
    out: WebhookDelivery
    request_body: str  # pretty JSON, as POSTed


def _page(
    request: Request[Any, Any, Any], app_state: Shared, viewer: Viewer, **extra: Any
) -> dict[str, Any]:
    page = settings_context(request, app_state, viewer, "webhooks", **extra)
    page["boot"]["hook"] = translator(request).prefixed("hook.")
    page["boot"]["timezone"] = app_state.settings.timezone  # times as the server shows them
    return page


async def _counts(db: Db) -> dict[uuid.UUID, tuple[int, int]]:
    """Deliveries and failures per subscription over COUNT_WINDOW: a bounded range of
    the (subscription_id, created_at) index, however long the log grows."""
    failed = sa.func.count().filter(m.WebhookDelivery.status == DeliveryStatus.FAILED)
    since = datetime.now(UTC) - COUNT_WINDOW
    rows = await db.execute(
        sa.select(m.WebhookDelivery.subscription_id, sa.func.count(), failed)
        .where(m.WebhookDelivery.created_at >= since)
        .group_by(m.WebhookDelivery.subscription_id)
    )
    return {sub: (total, failed_count) for sub, total, failed_count in rows}


class WebhooksSettingsController(SettingsBase):
    @get("/settings/webhooks")
    async def webhooks_page(
        self, request: Request[Any, Any, Any], db: Db, app_state: Shared, viewer: Me
    ) -> Response[str]:
        require_page(viewer, "webhooks")
        rows = await db.scalars(
            sa.select(m.WebhookSubscription).order_by(
                m.WebhookSubscription.created_at, m.WebhookSubscription.id
            )
        )
        counts = await _counts(db)
        subscriptions = [
            Subscription(services.subscription_out(r), *counts.get(r.id, (0, 0))) for r in rows
        ]
        page = _page(
            request, app_state, viewer, subscriptions=subscriptions, events=services.event_names()
        )
        return html("settings/webhooks.html", **page)

    @get("/settings/webhooks/{subscription_id:uuid}")
    async def deliveries_page(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        viewer: Me,
        subscription_id: FromPath[uuid.UUID],
        status: FromQuery[DeliveryStatus | None] = None,
        page: FromQuery[LogPage] = 1,
    ) -> Response[str]:
        require_page(viewer, "webhooks")
        row = await require(db, m.WebhookSubscription, subscription_id)  # 404 page
        stmt = services.deliveries_query(row.id, status)
        deliveries, pages = await paginate(db, stmt, page, LOG_PAGE_SIZE)
        shown = [
            Delivery(
                services.delivery_out(d),
                json.dumps(services.delivery_body(d), indent=2, ensure_ascii=False),
            )
            for d in deliveries
        ]
        context = _page(
            request,
            app_state,
            viewer,
            subscription=services.subscription_out(row),
            deliveries=shown,
            pages=pages,
            status=status.value if status else "",
            statuses=[s.value for s in DeliveryStatus],
        )
        return html("settings/webhook_deliveries.html", **context)
