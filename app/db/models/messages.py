from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, created_at, enum_column, pk, updated_at
from app.db.enums import Author, Direction, MessageStatus, MessageType
from app.db.tenancy import TenantScoped


class Message(TenantScoped, Base):
    __tablename__ = "message"
    __table_args__ = (
        # A provider's retry, a concurrent duplicate or a replay of the same message
        # hits this constraint and becomes a counted no-op.
        sa.UniqueConstraint("connection_id", "provider_message_id"),
        sa.Index("ix_message_session_created", "session_id", "created_at"),
        sa.Index("ix_message_contact_created", "contact_id", "created_at"),
        sa.Index("ix_message_org_created", "organization_id", "created_at"),
        # The reconciler's look-ups of unfinished work (workers.reconcile): small,
        # since a message leaves them once its job has run.
        sa.Index(
            "ix_message_pending_out",
            "created_at",
            postgresql_where=sa.text("status = 'PENDING' AND direction = 'OUT'"),
        ),
        # Replies whose original is not stored (yet): ingest resolves them when it is.
        sa.Index(
            "ix_message_unresolved_quote",
            "connection_id",
            "quoted_provider_message_id",
            postgresql_where=sa.text(
                "quoted_provider_message_id IS NOT NULL AND quoted_message_id IS NULL"
            ),
        ),
        sa.Index(
            "ix_message_media_unread",
            "created_at",
            postgresql_where=sa.text(
                "media_source IS NOT NULL AND transcription IS NULL AND transcription_error IS NULL"
            ),
        ),
    )

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    session_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("session.id", ondelete="CASCADE"))
    contact_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("contact.id", ondelete="CASCADE"))
    connection_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("connection.id", ondelete="CASCADE")
    )
    direction: Mapped[Direction] = enum_column(Direction, "direction")
    author: Mapped[Author] = enum_column(Author, "author")
    type: Mapped[MessageType] = enum_column(MessageType, "message_type")
    content: Mapped[dict[str, Any]] = mapped_column(server_default=sa.text("'{}'::jsonb"))
    status: Mapped[MessageStatus] = enum_column(MessageStatus, "message_status")
    external_id: Mapped[str | None] = mapped_column(sa.String(200))
    provider_message_id: Mapped[str | None] = mapped_column(sa.String(255))
    quoted_provider_message_id: Mapped[str | None] = mapped_column(sa.String(255))
    quoted_message_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("message.id", ondelete="SET NULL")
    )
    participant: Mapped[str | None] = mapped_column(sa.String(128))
    # While set and in the future, one delivery job is sending this message: a second
    # job (the reconciler re-enqueued it after Redis lost the chat lock) waits it out
    # instead of sending it again (workers/deliver_store.py).
    send_claimed_until: Mapped[datetime | None]
    # The campaign that sent it (author BUSINESS): the inbox marks it "from campaign X".
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="SET NULL")
    )
    sender_user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="SET NULL")
    )
    # Where the provider keeps the file (url / Meta media id, declared mimetype and
    # name); internal, never shown. media_key is our stored copy once downloaded.
    media_source: Mapped[dict[str, Any] | None] = mapped_column()
    media_key: Mapped[str | None] = mapped_column(sa.String(255))
    media_error: Mapped[str | None] = mapped_column(sa.Text)
    transcription: Mapped[str | None] = mapped_column(sa.Text)
    transcription_error: Mapped[str | None] = mapped_column(sa.Text)
    error: Mapped[str | None] = mapped_column(sa.Text)
    reactions: Mapped[list[Any]] = mapped_column(server_default=sa.text("'[]'::jsonb"))
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]


class PendingAck(Base):
    """An ack that arrived before its message (webhooks are unordered): applied when
    the message arrives, dropped by a cron after a while."""

    __tablename__ = "pending_ack"

    connection_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("connection.id", ondelete="CASCADE"), primary_key=True
    )
    provider_message_id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    status: Mapped[MessageStatus] = enum_column(MessageStatus, "pending_ack_status")
    error: Mapped[str | None] = mapped_column(sa.Text)
    received_at: Mapped[datetime] = created_at()


class InboundMedia(Base):
    """A file that arrived inline (base64) in a webhook, kept in the same transaction
    as its message so a 2xx means it is durable; the media job moves it to storage
    and deletes the row."""

    __tablename__ = "inbound_media"

    message_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("message.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = created_at()
