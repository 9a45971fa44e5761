"""Rows that carry work across the commit boundary: the outbox, inbound dead
letters, outbound webhook subscriptions and their delivery log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, created_at, enum_column, org_fk, pk
from app.db.enums import DeliveryStatus
from app.db.tenancy import TenantScoped


class Outbox(Base):
    """A job to enqueue after the transaction that wrote it commits. A row is deleted
    once its job is in Redis; the relay re-enqueues rows whose enqueue failed (Redis
    down), so nothing is lost."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(64))
    args: Mapped[list[Any]] = mapped_column(server_default=sa.text("'[]'::jsonb"))
    job_id: Mapped[str | None] = mapped_column(sa.String(200))
    defer_seconds: Mapped[float | None]
    created_at: Mapped[datetime] = created_at()
    attempts: Mapped[int] = mapped_column(server_default=sa.text("0"))


class DeadLetter(TenantScoped, Base):
    """A webhook body we could not parse, kept whole for `balcao webhooks replay`."""

    __tablename__ = "dead_letter"

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    connection_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("connection.id", ondelete="CASCADE")
    )
    provider: Mapped[str] = mapped_column(sa.String(24))
    code: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.Text)
    headers: Mapped[dict[str, Any]] = mapped_column(server_default=sa.text("'{}'::jsonb"))
    body: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = created_at()
    replayed_at: Mapped[datetime | None]
    replay_result: Mapped[str | None] = mapped_column(sa.Text)


class WebhookSubscription(TenantScoped, Base):
    __tablename__ = "webhook_subscription"

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    url: Mapped[str] = mapped_column(sa.Text)
    events: Mapped[list[str]] = mapped_column(ARRAY(sa.String(64)))
    secret: Mapped[str] = mapped_column(sa.String(200))
    is_active: Mapped[bool] = mapped_column(server_default=sa.true())
    created_at: Mapped[datetime] = created_at()


class WebhookDelivery(TenantScoped, Base):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.Index(None, "subscription_id", "created_at"),
        sa.Index(
            "ix_webhook_delivery_pending",
            "created_at",
            postgresql_where=sa.text("status = 'PENDING'"),
        ),
    )

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("webhook_subscription.id", ondelete="CASCADE")
    )
    event: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[DeliveryStatus] = enum_column(
        DeliveryStatus, "delivery_status", server_default=DeliveryStatus.PENDING.value
    )
    attempts: Mapped[int] = mapped_column(server_default=sa.text("0"))
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    # The start of what the receiver answered last (the delivery log shows it).
    last_response_body: Mapped[str | None] = mapped_column(sa.Text)
    last_attempt_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at()
