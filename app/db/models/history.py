"""The session history: one ``session_event`` row per status change or assignment of a
session, written by the ``record_session_event`` trigger (migration 0022), never by
application code. Its enums and the tabulation triggers live here with it."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, enum_column
from app.db.enums import SessionStatus
from app.db.tenancy import TenantScoped


class EventKind(enum.StrEnum):
    STATUS = "STATUS"  # the session opened or its status changed (maybe with its assignment)
    ASSIGNMENT = "ASSIGNMENT"  # only the department, agent or external customer id changed


class ActorType(enum.StrEnum):
    USER = "USER"
    API_KEY = "API_KEY"
    AI = "AI"
    BOT_RULE = "BOT_RULE"
    SYSTEM = "SYSTEM"
    CUSTOMER = "CUSTOMER"


class AutoTrigger(enum.StrEnum):
    """The outcomes an autoTabulation tabulation is applied on (app/tabulations/auto.py)."""

    AI_HANDOFF = "AI_HANDOFF"  # the AI handed off: its tool, a handoff keyword, its failure
    AI_CLOSED = "AI_CLOSED"  # the AI closed the session
    OUT_OF_HOURS = "OUT_OF_HOURS"  # a customer wrote out of business hours
    OPTED_OUT = "OPTED_OUT"  # the customer opted out with a keyword
    CAMPAIGN_REPLY = "CAMPAIGN_REPLY"  # the customer answered a campaign message
    BOT_HANDOFF = "BOT_HANDOFF"  # a bot rule handed off
    BOT_CLOSED = "BOT_CLOSED"  # a bot rule closed the session
    BOT_RETRY_LIMIT = "BOT_RETRY_LIMIT"  # a bot menu ran out of retries


class SessionEvent(TenantScoped, Base):
    __tablename__ = "session_event"
    __table_args__ = (
        sa.Index("ix_session_event_session", "session_id", "id"),
        sa.Index("ix_session_event_org_at", "organization_id", "at"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=False), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    session_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("session.id", ondelete="CASCADE"))
    kind: Mapped[EventKind] = enum_column(EventKind, "session_event_kind")
    # The state after the change, and the status before it (None when the session opened).
    status: Mapped[SessionStatus] = enum_column(SessionStatus, "session_event_status")
    from_status: Mapped[SessionStatus | None] = enum_column(
        SessionStatus, "session_event_from_status", nullable=True
    )
    reason: Mapped[str | None] = mapped_column(sa.Text)
    actor_type: Mapped[ActorType] = enum_column(ActorType, "session_event_actor")
    actor_id: Mapped[str | None] = mapped_column(sa.String(64))
    # No foreign keys: the history keeps the ids of a department or agent since removed.
    assigned_department_id: Mapped[uuid.UUID | None]
    assigned_agent_id: Mapped[uuid.UUID | None]
    assigned_customer_id: Mapped[str | None] = mapped_column(sa.String(200))
    at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
