"""Group mirrors (API.md "Groups and group mirrors"): offers read in a connection's
source groups are re-posted, rewritten, to its destination groups.

One ``mirror_post`` per (mirror, source message): the unit of "handled once". One
``mirror_delivery`` per (post, destination group): the unit of "posted at most once",
and what dedup looks at (an offer is a duplicate *per destination*). ``mirror_pace``
keeps, per number and per destination group, when the next post may go out: the
posting job claims it under a row lock, so two workers never post inside one interval."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, created_at, enum_column, org_fk, pk, updated_at
from app.db.tenancy import TenantScoped


class MirrorPostStatus(enum.StrEnum):
    RECEIVED = "RECEIVED"  # stored by ingest, intake not done yet
    FILTERED = "FILTERED"  # keywords, store, quiet hours, daily cap, deleted in the source
    DUPLICATE = "DUPLICATE"  # every destination already had it within dedupHours
    QUEUED = "QUEUED"  # at least one destination waits for its turn
    POSTED = "POSTED"  # at least one destination got it
    FAILED = "FAILED"  # every destination's send failed (or expired in the queue)
    REWRITE_FAILED = "REWRITE_FAILED"  # parked for review: never posted with a clean link


class MirrorDeliveryStatus(enum.StrEnum):
    QUEUED = "QUEUED"
    SENDING = "SENDING"  # its message exists and is in the delivery path
    POSTED = "POSTED"
    FAILED = "FAILED"
    DUPLICATE = "DUPLICATE"
    EXPIRED = "EXPIRED"  # waited longer than the dedup window: stale offers are dropped
    CANCELLED = "CANCELLED"  # the source message was edited or deleted before its turn


class UnmappedLinks(enum.StrEnum):
    DROP = "DROP"
    KEEP = "KEEP"


class Mirror(TenantScoped, Base):
    __tablename__ = "mirror"
    __table_args__ = (
        # Ingest's look-up for every group message: is this chat a source here?
        sa.Index(
            "ix_mirror_active_connection",
            "connection_id",
            postgresql_where=sa.text("is_active"),
        ),
    )

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    connection_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("connection.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    is_active: Mapped[bool] = mapped_column(server_default=sa.true())
    source_group_ids: Mapped[list[str]] = mapped_column(
        ARRAY(sa.String(128)), server_default=sa.text("'{}'::varchar[]")
    )
    destination_group_ids: Mapped[list[str]] = mapped_column(
        ARRAY(sa.String(128)), server_default=sa.text("'{}'::varchar[]")
    )
    # {keywords?, excludeKeywords?, stores?} as the API spells them.
    filters: Mapped[dict[str, Any]] = mapped_column(server_default=sa.text("'{}'::jsonb"))
    # The affiliate settings, secrets included (Shopee's and AliExpress's): kept like a
    # connection's config, write-only through the API and never logged.
    affiliate: Mapped[dict[str, Any]] = mapped_column(server_default=sa.text("'{}'::jsonb"))
    unmapped_links: Mapped[UnmappedLinks] = enum_column(
        UnmappedLinks, "mirror_unmapped_links", server_default=UnmappedLinks.DROP.value
    )
    dedup_hours: Mapped[int] = mapped_column(server_default=sa.text("6"))
    min_interval_per_group_seconds: Mapped[int] = mapped_column(server_default=sa.text("180"))
    min_interval_seconds: Mapped[int] = mapped_column(server_default=sa.text("30"))
    quiet_hours: Mapped[dict[str, Any] | None] = mapped_column()  # {start, end} "HH:MM"
    daily_cap: Mapped[int | None]
    template: Mapped[str | None] = mapped_column(sa.Text)
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class MirrorPost(TenantScoped, Base):
    __tablename__ = "mirror_post"
    __table_args__ = (
        # A retried job, a re-delivered webhook or a replay hits this and adds nothing.
        sa.UniqueConstraint("mirror_id", "source_message_id"),
        sa.Index("ix_mirror_post_mirror_created", "mirror_id", "created_at"),
        sa.Index("ix_mirror_post_connection_source", "connection_id", "source_message_id"),
        # The reconciler tells a mirror's source messages from customer ones by it.
        sa.Index("ix_mirror_post_message", "message_id"),
        sa.Index(
            "ix_mirror_post_received",
            "created_at",
            postgresql_where=sa.text("status = 'RECEIVED'"),
        ),
    )

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    mirror_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("mirror.id", ondelete="CASCADE"))
    connection_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("connection.id", ondelete="CASCADE")
    )
    source_group_id: Mapped[str] = mapped_column(sa.String(128))
    source_message_id: Mapped[str] = mapped_column(sa.String(255))  # the provider's id
    # The stored inbound message (its text, edits, and media_key once downloaded).
    message_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("message.id", ondelete="SET NULL")
    )
    status: Mapped[MirrorPostStatus] = enum_column(
        MirrorPostStatus, "mirror_post_status", server_default=MirrorPostStatus.RECEIVED.value
    )
    # Why FILTERED/DUPLICATE (a code), or why the rewrite failed (a sentence).
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    offer_key: Mapped[str | None] = mapped_column(sa.String(512))
    store: Mapped[str | None] = mapped_column(sa.String(24))
    price_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    original_text: Mapped[str] = mapped_column(sa.Text, server_default="")
    text: Mapped[str | None] = mapped_column(sa.Text)  # rewritten, template applied
    links: Mapped[list[Any]] = mapped_column(server_default=sa.text("'[]'::jsonb"))
    media_key: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class MirrorDelivery(TenantScoped, Base):
    __tablename__ = "mirror_delivery"
    __table_args__ = (
        sa.UniqueConstraint("post_id", "group_id"),
        # Dedup: the same offer to the same group of the same number, recently.
        sa.Index(
            "ix_mirror_delivery_dedup", "connection_id", "group_id", "offer_key", "created_at"
        ),
        sa.Index("ix_mirror_delivery_mirror_created", "mirror_id", "created_at"),
        sa.Index(
            "ix_mirror_delivery_queued",
            "created_at",
            postgresql_where=sa.text("status = 'QUEUED'"),
        ),
        # The message-status trigger's look-up (migration 0017).
        sa.Index(
            "ix_mirror_delivery_message",
            "message_id",
            postgresql_where=sa.text("message_id IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    post_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("mirror_post.id", ondelete="CASCADE"))
    mirror_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("mirror.id", ondelete="CASCADE"))
    connection_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("connection.id", ondelete="CASCADE")
    )
    group_id: Mapped[str] = mapped_column(sa.String(128))
    status: Mapped[MirrorDeliveryStatus] = enum_column(
        MirrorDeliveryStatus,
        "mirror_delivery_status",
        server_default=MirrorDeliveryStatus.QUEUED.value,
    )
    offer_key: Mapped[str | None] = mapped_column(sa.String(512))
    price_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    message_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("message.id", ondelete="SET NULL")
    )
    posted_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class MirrorPace(Base):
    """When the next mirror post may leave a number (``group_id`` '') or reach one of
    its groups: claimed under a row lock by the posting job (workers/mirror.py)."""

    __tablename__ = "mirror_pace"

    connection_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("connection.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    next_at: Mapped[datetime]
