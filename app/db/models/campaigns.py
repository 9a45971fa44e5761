"""Contact lists and their imports; campaigns and their recipients.

A campaign recipient is the unit of exactly-once sending: one row per (campaign,
contact), claimed atomically by the dispatcher (workers/campaigns.py) and linked to the
one Message it produced, whose delivery outcome it follows.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, created_at, enum_column, org_fk, pk, updated_at
from app.db.enums import CampaignStatus, ImportStatus, RecipientStatus
from app.db.tenancy import TenantScoped


class ContactList(TenantScoped, Base):
    __tablename__ = "contact_list"
    __table_args__ = (sa.UniqueConstraint("organization_id", "name"),)

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class ContactListMember(Base):
    __tablename__ = "contact_list_member"

    contact_list_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("contact_list.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = created_at()


class ContactImport(TenantScoped, Base):
    """One uploaded file being imported into a list (a job: workers/imports.py). The
    file stays in media storage under ``media_key`` until the import ends."""

    __tablename__ = "contact_import"

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    contact_list_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("contact_list.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ImportStatus] = enum_column(
        ImportStatus, "import_status", server_default=ImportStatus.PENDING.value
    )
    file_name: Mapped[str] = mapped_column(sa.String(255))
    media_key: Mapped[str | None] = mapped_column(sa.String(255))
    mapping: Mapped[dict[str, Any] | None] = mapped_column()
    total_rows: Mapped[int] = mapped_column(server_default=sa.text("0"))
    processed_rows: Mapped[int] = mapped_column(server_default=sa.text("0"))
    created: Mapped[int] = mapped_column(server_default=sa.text("0"))
    updated: Mapped[int] = mapped_column(server_default=sa.text("0"))
    duplicates: Mapped[int] = mapped_column(server_default=sa.text("0"))
    invalid: Mapped[int] = mapped_column(server_default=sa.text("0"))
    opted_out: Mapped[int] = mapped_column(server_default=sa.text("0"))
    # [{line, column, value, code}], capped (the counters stay exact).
    errors: Mapped[list[Any]] = mapped_column(server_default=sa.text("'[]'::jsonb"))
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
    finished_at: Mapped[datetime | None]


class Campaign(TenantScoped, Base):
    __tablename__ = "campaign"
    __table_args__ = (
        # The dispatcher's and the reconciler's look-up of campaigns with work to do.
        sa.Index(
            "ix_campaign_due",
            "next_run_at",
            postgresql_where=sa.text("status IN ('SCHEDULED', 'RUNNING')"),
        ),
    )

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    name: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[CampaignStatus] = enum_column(
        CampaignStatus, "campaign_status", server_default=CampaignStatus.DRAFT.value
    )
    # Why it is PAUSED/EXPIRED/CANCELLED when the platform did it (circuit breaker,
    # every number down, validUntil...): shown in the UI.
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Ordered: the first is the primary, the others take over when it fails.
    connection_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), server_default=sa.text("'{}'::uuid[]")
    )
    contact_list_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), server_default=sa.text("'{}'::uuid[]")
    )
    messages: Mapped[list[Any]] = mapped_column(server_default=sa.text("'[]'::jsonb"))
    schedule: Mapped[dict[str, Any]] = mapped_column(server_default=sa.text("'{}'::jsonb"))
    pacing: Mapped[dict[str, Any]] = mapped_column(server_default=sa.text("'{}'::jsonb"))
    reply_gate: Mapped[dict[str, Any] | None] = mapped_column()
    # Contacts in a conversation with an agent are skipped unless this is false.
    skip_agent_conversations: Mapped[bool] = mapped_column(server_default=sa.true())
    # No contact gets two campaign messages within this many hours (0: no limit).
    contact_cooldown_hours: Mapped[int] = mapped_column(server_default=sa.text("24"))
    # The dispatcher's state: when it should run next, the connection now sending
    # (after a failover), sends since the last long pause, failures in a row.
    next_run_at: Mapped[datetime | None]
    active_connection_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("connection.id", ondelete="SET NULL")
    )
    sends_since_pause: Mapped[int] = mapped_column(server_default=sa.text("0"))
    failure_streak: Mapped[int] = mapped_column(server_default=sa.text("0"))
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
    started_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class CampaignRecipient(TenantScoped, Base):
    __tablename__ = "campaign_recipient"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "contact_id"),
        sa.Index("ix_campaign_recipient_campaign_status", "campaign_id", "status"),
        # Claims take the oldest PENDING rows that are due.
        sa.Index(
            "ix_campaign_recipient_pending",
            "campaign_id",
            "next_attempt_at",
            postgresql_where=sa.text("status = 'PENDING'"),
        ),
        # Cross-campaign cooldown per contact, daily cap per number.
        sa.Index(
            "ix_campaign_recipient_contact_sent",
            "contact_id",
            "sent_at",
            postgresql_where=sa.text("sent_at IS NOT NULL"),
        ),
        sa.Index(
            "ix_campaign_recipient_connection_sent",
            "connection_id",
            "sent_at",
            postgresql_where=sa.text("sent_at IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    campaign_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"))
    contact_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("contact.id", ondelete="CASCADE"))
    status: Mapped[RecipientStatus] = enum_column(
        RecipientStatus, "recipient_status", server_default=RecipientStatus.PENDING.value
    )
    variant: Mapped[int | None] = mapped_column(sa.SmallInteger)
    connection_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("connection.id", ondelete="SET NULL")
    )
    message_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("message.id", ondelete="SET NULL"), index=True
    )
    # The reply gate's question, when the campaign has one: the campaign message goes
    # only after the contact answers it.
    gate_message_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("message.id", ondelete="SET NULL"), index=True
    )
    error: Mapped[str | None] = mapped_column(sa.Text)
    reason: Mapped[str | None] = mapped_column(sa.String(64))
    attempts: Mapped[int] = mapped_column(server_default=sa.text("0"))
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    replied_at: Mapped[datetime | None]
