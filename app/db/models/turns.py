"""A turn: one burst of customer messages merged into the text the AI answers.

The burst-merge work (branch ``merge``) owns this table; this copy carries only the
columns the AI responder relies on, so the responder works against either version."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, created_at, enum_column, pk
from app.db.tenancy import TenantScoped


class TurnStatus(enum.StrEnum):
    PENDING = "PENDING"  # the burst closed; waiting for its media to be understood
    READY = "READY"  # merged text stored; the responder may answer it
    ANSWERED = "ANSWERED"
    SKIPPED = "SKIPPED"
    FAILED = "FAILED"


class Turn(TenantScoped, Base):
    __tablename__ = "turn"
    __table_args__ = (sa.UniqueConstraint("session_id", "first_message_at"),)

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    session_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("session.id", ondelete="CASCADE"))
    status: Mapped[TurnStatus] = enum_column(TurnStatus, "turn_status")
    message_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    merged_text: Mapped[str | None] = mapped_column(sa.Text)
    first_message_at: Mapped[datetime]
    last_message_at: Mapped[datetime]
    deadline_at: Mapped[datetime]
    fired_at: Mapped[datetime]
    created_at: Mapped[datetime] = created_at()
    # What the AI responder looked up for this turn (knowledge chunk ids and scores).
    knowledge: Mapped[dict[str, Any] | None] = mapped_column()
