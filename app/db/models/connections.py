"""One WhatsApp number on one provider, and the identities it knows contacts by."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, created_at, enum_column, org_fk, pk, updated_at
from app.db.enums import ConnectionStatus
from app.db.tenancy import TenantScoped


class Connection(TenantScoped, Base):
    __tablename__ = "connection"
    __table_args__ = (
        # Any registered provider kind (providers.register): the registry says which
        # kinds exist, the column only keeps their shape (providers.contract.KIND_RE).
        sa.CheckConstraint("provider ~ '^[A-Z][A-Z0-9_]*$'", name="provider_kind"),
    )

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    name: Mapped[str] = mapped_column(sa.String(200))
    provider: Mapped[str] = mapped_column(sa.String(24))
    status: Mapped[ConnectionStatus] = enum_column(
        ConnectionStatus, "connection_status", server_default=ConnectionStatus.DISCONNECTED.value
    )
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    phone_number: Mapped[str | None] = mapped_column(sa.String(32))
    # Provider settings including secrets: write-only through the API, never logged.
    config: Mapped[dict[str, Any]] = mapped_column(server_default=sa.text("'{}'::jsonb"))
    webhook_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    qr_code: Mapped[str | None] = mapped_column(sa.Text)
    last_seen_at: Mapped[datetime | None]
    # Set by a trigger the first time it turns CONNECTED (migration 0015): campaign
    # warm-up counts a number's age from it.
    first_connected_at: Mapped[datetime | None]
    ai_enabled: Mapped[bool] = mapped_column(server_default=sa.true())
    ai_block_ttl_minutes: Mapped[int] = mapped_column(server_default=sa.text("60"))
    concat_timeout: Mapped[int] = mapped_column(server_default=sa.text("8"))
    system_prompt: Mapped[str | None] = mapped_column(sa.Text)
    business_hours: Mapped[dict[str, Any] | None] = mapped_column()
    out_of_hours_message: Mapped[str | None] = mapped_column(sa.Text)
    allow_groups: Mapped[bool] = mapped_column(server_default=sa.false())
    handoff_keywords: Mapped[list[Any]] = mapped_column(server_default=sa.text("'[]'::jsonb"))
    failover_connection_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("connection.id", ondelete="SET NULL")
    )
    deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class ContactIdentity(Base):
    """The per-connection LID↔phone map: WhatsApp addresses some chats by a LID (or
    Meta by a BSUID) and acks for them carry no phone, so the first payload that
    shows both links them here and later LID-only events still find their contact."""

    __tablename__ = "contact_identity"
    __table_args__ = (sa.UniqueConstraint("connection_id", "kind", "value"),)

    id: Mapped[uuid.UUID] = pk()
    connection_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("connection.id", ondelete="CASCADE")
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("contact.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(16))  # "lid" | "bsuid"
    value: Mapped[str] = mapped_column(sa.String(128))
    created_at: Mapped[datetime] = created_at()


class ProviderMedia(Base):
    """A stored file of ours uploaded to a connection's provider ahead of sending
    (Meta's media id): one upload per connection and file, reused by every send of that
    file until the provider's reuse window ends (``Capabilities.media_reuse_days``,
    workers/deliver_media.py). A media key names one file forever, so the pair is the
    whole identity; the ids are tied to the number that uploaded them, hence per
    connection."""

    __tablename__ = "provider_media"
    __table_args__ = (sa.UniqueConstraint("connection_id", "media_key"),)

    id: Mapped[uuid.UUID] = pk()
    connection_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("connection.id", ondelete="CASCADE")
    )
    media_key: Mapped[str] = mapped_column(sa.String(255))
    provider_media_id: Mapped[str] = mapped_column(sa.String(255))
    uploaded_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
