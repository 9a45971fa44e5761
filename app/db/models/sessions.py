from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, created_at, enum_column, pk, updated_at
from app.db.enums import SessionStatus, StartedBy
from app.db.tenancy import TenantScoped


class Session(TenantScoped, Base):
    __tablename__ = "session"
    __table_args__ = (
        # At most one open session per contact on a connection: ingest relies on it
        # to find-or-open without races.
        sa.Index(
            "uq_session_open_per_contact",
            "contact_id",
            "connection_id",
            unique=True,
            postgresql_where=sa.text("status <> 'CLOSED'"),
        ),
        sa.Index("ix_session_contact_created", "contact_id", "created_at"),
        sa.Index("ix_session_org_updated", "organization_id", "updated_at"),
        sa.Index("ix_session_org_status_updated", "organization_id", "status", "updated_at"),
        sa.Index("ix_session_department", "assigned_department_id"),
        sa.Index("ix_session_agent", "assigned_agent_id"),
        sa.Index("ix_session_connection", "connection_id"),
        sa.Index(
            "ix_session_open_updated",
            "updated_at",
            postgresql_where=sa.text("status <> 'CLOSED'"),
        ),
    )

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("contact.id", ondelete="CASCADE"))
    connection_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("connection.id", ondelete="CASCADE")
    )
    status: Mapped[SessionStatus] = enum_column(SessionStatus, "session_status")
    started_by: Mapped[StartedBy] = enum_column(StartedBy, "started_by")
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    end_reason: Mapped[str | None] = mapped_column(sa.Text)
    external_id: Mapped[str | None] = mapped_column(sa.String(200))
    assigned_department_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("department.id", ondelete="SET NULL")
    )
    assigned_agent_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="SET NULL")
    )
    assigned_customer_id: Mapped[str | None] = mapped_column(sa.String(200))
    concat_timeout: Mapped[int | None]
    ai_blocked_until: Mapped[datetime | None]
    ai_block_reason: Mapped[str | None] = mapped_column(sa.Text)
    first_response_at: Mapped[datetime | None]
    last_message_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class SessionTabulation(Base):
    __tablename__ = "session_tabulation"

    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("session.id", ondelete="CASCADE"), primary_key=True
    )
    tabulation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("tabulation.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = created_at()


class SessionNote(TenantScoped, Base):
    """An internal note on a session: agents see it in the inbox beside the messages;
    it is never sent to the customer and is not part of the message history."""

    __tablename__ = "session_note"
    __table_args__ = (sa.Index("ix_session_note_session_created", "session_id", "created_at"),)

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    session_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("session.id", ondelete="CASCADE"))
    author_user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = created_at()
