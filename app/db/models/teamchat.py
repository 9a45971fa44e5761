"""Team chat (app.teamchat): channels between the people of an organization — one per
department, one per pair of users — and their messages. Stored here only: nothing of
it is ever sent to a provider."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, created_at, enum_column, pk
from app.db.tenancy import TenantScoped


class TeamChannelKind(enum.StrEnum):
    DEPARTMENT = "DEPARTMENT"
    DIRECT = "DIRECT"


class TeamChannel(TenantScoped, Base):
    """A department's channel exists once per department and a direct channel once per
    pair (the lower user id first): both are found-or-created with ON CONFLICT on these
    unique keys, so two racing requests end on the same row."""

    __tablename__ = "team_channel"
    __table_args__ = (
        sa.UniqueConstraint("department_id", name="uq_team_channel_department_id"),
        sa.UniqueConstraint(
            "organization_id", "user_low_id", "user_high_id", name="uq_team_channel_direct_pair"
        ),
        sa.CheckConstraint(
            "(kind = 'DEPARTMENT' AND department_id IS NOT NULL AND user_low_id IS NULL"
            " AND user_high_id IS NULL) OR (kind = 'DIRECT' AND department_id IS NULL"
            " AND user_low_id IS NOT NULL AND user_high_id IS NOT NULL"
            " AND user_low_id < user_high_id)",
            name="shape",
        ),
        sa.Index("ix_team_channel_user_low", "user_low_id"),
        sa.Index("ix_team_channel_user_high", "user_high_id"),
    )

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    kind: Mapped[TeamChannelKind] = enum_column(TeamChannelKind, "team_channel_kind")
    department_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("department.id", ondelete="CASCADE")
    )
    user_low_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="CASCADE")
    )
    user_high_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = created_at()


class TeamMessage(TenantScoped, Base):
    """``seq`` orders a channel's messages strictly (two messages of one transaction
    share ``created_at``) and is what read marks and page cursors compare."""

    __tablename__ = "team_message"
    __table_args__ = (sa.Index("ix_team_message_channel_seq", "channel_id", "seq"),)

    id: Mapped[uuid.UUID] = pk()
    seq: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), unique=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("team_channel.id", ondelete="CASCADE")
    )
    author_user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(sa.Text)
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("session.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at()


class TeamRead(TenantScoped, Base):
    """How far one user has read one channel (the ``seq`` of the last message read)."""

    __tablename__ = "team_read"

    channel_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("team_channel.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    last_read_seq: Mapped[int] = mapped_column(sa.BigInteger, server_default=sa.text("0"))
    updated_at: Mapped[datetime] = created_at()
