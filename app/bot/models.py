"""Keyword bot rules (API.md "Business hours and bot rules") and what the bot remembers
per session.

``bot_rule`` keeps match / when / actions as the API spells them (JSONB): the worker
compiles an organization's rules once per ``bot_rule_version.version``, which every
change to a rule bumps in the same transaction, so the hot path never re-parses them.
``bot_state`` is one row per session the bot has talked in: the open menu (its rule and
the keys chosen so far), retries, its inactivity deadline (the cron that fires timeouts
scans it: PostgreSQL, not a Redis job, is what survives a restart), when each rule last
fired (cooldowns) and the recent exchanges the loop guard looks at."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, created_at, org_fk, pk, updated_at
from app.db.tenancy import TenantScoped


class BotRule(TenantScoped, Base):
    __tablename__ = "bot_rule"
    __table_args__ = (sa.Index("ix_bot_rule_org_priority", "organization_id", "priority"),)

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    name: Mapped[str] = mapped_column(sa.String(200))
    # Lower runs first; ties by creation.
    priority: Mapped[int] = mapped_column(server_default=sa.text("0"))
    is_active: Mapped[bool] = mapped_column(server_default=sa.true())
    connection_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("connection.id", ondelete="CASCADE")
    )
    department_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("department.id", ondelete="CASCADE")
    )
    match: Mapped[dict[str, Any]] = mapped_column(server_default=sa.text("'{}'::jsonb"))
    conditions: Mapped[dict[str, Any]] = mapped_column(server_default=sa.text("'{}'::jsonb"))
    actions: Mapped[list[Any]] = mapped_column(server_default=sa.text("'[]'::jsonb"))
    cooldown_minutes: Mapped[int] = mapped_column(server_default=sa.text("0"))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class BotRuleVersion(Base):
    """Bumped by every rule change: the worker's compiled cache is keyed by it."""

    __tablename__ = "bot_rule_version"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(sa.BigInteger, server_default=sa.text("0"))


class BotState(Base):
    __tablename__ = "bot_state"
    __table_args__ = (
        sa.Index(
            "ix_bot_state_menu_deadline",
            "menu_deadline",
            postgresql_where=sa.text("menu_deadline IS NOT NULL"),
        ),
    )

    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("session.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[uuid.UUID] = org_fk()
    # {ruleId, path: [option keys], retries} while a menu waits for its answer.
    menu: Mapped[dict[str, Any] | None] = mapped_column()
    menu_deadline: Mapped[datetime | None] = mapped_column()
    # {ruleId: ISO time it last fired} for the rules' cooldowns.
    fired: Mapped[dict[str, Any]] = mapped_column(server_default=sa.text("'{}'::jsonb"))
    # [{at, fast, text}] the last bot exchanges, for the loop guard.
    recent: Mapped[list[Any]] = mapped_column(server_default=sa.text("'[]'::jsonb"))
    last_bot_at: Mapped[datetime | None] = mapped_column()
    paused_at: Mapped[datetime | None] = mapped_column()
    paused_reason: Mapped[str | None] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = updated_at()
