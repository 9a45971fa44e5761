"""A turn: one burst of customer messages merged into the text the AI answers."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, created_at, enum_column, pk, updated_at
from app.db.tenancy import TenantScoped


class TurnStatus(enum.StrEnum):
    PENDING = "PENDING"  # the burst closed; waiting for its media to be understood
    READY = "READY"  # merged text stored; follow-up jobs (the AI responder) enqueued
    ANSWERED = "ANSWERED"
    SKIPPED = "SKIPPED"
    FAILED = "FAILED"


class Turn(TenantScoped, Base):
    __tablename__ = "turn"
    __table_args__ = (
        # The burst key is the id of the burst's first message, so a second fire of the
        # same burst (a retried job, two workers) is refused here even if Redis forgot.
        sa.UniqueConstraint("session_id", "burst_key"),
        sa.Index("ix_turn_session_created", "session_id", "created_at"),
        sa.Index("ix_turn_org_created", "organization_id", "created_at"),
        sa.Index(
            "ix_turn_unfinished",
            "created_at",
            postgresql_where=sa.text("status IN ('PENDING', 'READY')"),
        ),
    )

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    session_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("session.id", ondelete="CASCADE"))
    burst_key: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[TurnStatus] = enum_column(TurnStatus, "turn_status")
    message_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    merged_text: Mapped[str | None] = mapped_column(sa.Text)
    first_message_at: Mapped[datetime]
    last_message_at: Mapped[datetime]
    deadline_at: Mapped[datetime]
    fired_at: Mapped[datetime]
    # fired_at - deadline_at: how late the merge closed the burst (the benchmark's figure).
    lateness_ms: Mapped[float] = mapped_column(sa.Float)
    ready_at: Mapped[datetime | None]
    # What the AI responder looked up for this turn (filled by the responder).
    knowledge: Mapped[dict[str, Any] | None] = mapped_column()
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
