"""What the AI responder records beside the turn it answers.

``ai_turn`` is the responder's idempotency key: its primary key is the turn id and it
is inserted in the same transaction as the reply's messages, so a retried or
re-delivered job can never store a second reply. ``ai_block_notice`` makes the
``session.ai_unblocked`` event exactly-once per block."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, created_at, org_fk
from app.db.models.sessions import Session
from app.db.tenancy import TenantScoped


class AiTurn(TenantScoped, Base):
    __tablename__ = "ai_turn"
    __table_args__ = (
        # "The out-of-hours message once per session" is a lookup by (session, notice).
        sa.Index("ix_ai_turn_session_notice", "session_id", "notice"),
    )

    turn_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("turn.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[uuid.UUID] = org_fk()
    session_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("session.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(sa.String(16))  # the turn status it set
    reason: Mapped[str | None] = mapped_column(sa.String(64))
    detail: Mapped[str | None] = mapped_column(sa.Text)
    notice: Mapped[str | None] = mapped_column(sa.String(32))  # out_of_hours | handoff | …
    model: Mapped[str | None] = mapped_column(sa.String(200))
    attempts: Mapped[int] = mapped_column(server_default=sa.text("0"))
    message_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), server_default=sa.text("'{}'::uuid[]")
    )
    tool_calls: Mapped[list[str]] = mapped_column(
        ARRAY(sa.String(64)), server_default=sa.text("'{}'::varchar[]")
    )
    created_at: Mapped[datetime] = created_at()


class AiBlockNotice(Base):
    """One row per AI block whose end was announced (session + the block's end time)."""

    __tablename__ = "ai_block_notice"

    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("session.id", ondelete="CASCADE"), primary_key=True
    )
    blocked_until: Mapped[datetime] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = created_at()


# The unblock cron scans recently ended blocks; most sessions never carry one.
sa.Index(
    "ix_session_ai_blocked_until",
    Session.ai_blocked_until,
    postgresql_where=Session.ai_blocked_until.isnot(None),
)
