"""The tenant and who acts in it: organizations, users, API keys, departments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, created_at, enum_column, org_fk, pk, updated_at
from app.db.enums import Role
from app.db.tenancy import TenantScoped


class Organization(Base):
    __tablename__ = "organization"

    id: Mapped[uuid.UUID] = pk()
    name: Mapped[str] = mapped_column(sa.String(200))
    # The organization's clock for campaigns, greetings and holidays (never the
    # server's); holiday_subdivision adds a state's holidays to the national ones.
    timezone: Mapped[str] = mapped_column(sa.String(64), server_default="America/Sao_Paulo")
    holiday_subdivision: Mapped[str | None] = mapped_column(sa.String(16))
    # The one reply to a customer who opts out of campaigns (None: the built-in text).
    opt_out_message: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class User(TenantScoped, Base):
    __tablename__ = "app_user"
    __table_args__ = (sa.Index("uq_app_user_email", sa.text("lower(email)"), unique=True),)

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    email: Mapped[str] = mapped_column(sa.String(320))
    name: Mapped[str] = mapped_column(sa.String(200), server_default="")
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = enum_column(Role, "user_role")
    is_active: Mapped[bool] = mapped_column(server_default=sa.true())
    # Round-robin assignment picks the available agent assigned longest ago.
    is_available: Mapped[bool] = mapped_column(server_default=sa.true())
    last_assigned_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class ApiKey(TenantScoped, Base):
    """Keys are shown once and stored as a SHA-256 digest: they carry 256 bits of
    entropy, so a slow KDF would only slow every API call down."""

    __tablename__ = "api_key"

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    name: Mapped[str] = mapped_column(sa.String(200), server_default="default")
    prefix: Mapped[str] = mapped_column(sa.String(16))
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = created_at()
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class RefreshToken(Base):
    """Issued refresh tokens, so a refresh can be used once (rotation) and revoked."""

    __tablename__ = "refresh_token"

    id: Mapped[uuid.UUID] = pk()
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at()


class Department(TenantScoped, Base):
    __tablename__ = "department"
    __table_args__ = (sa.UniqueConstraint("organization_id", "name"),)

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    requires_tabulation: Mapped[bool] = mapped_column(server_default=sa.false())
    # Off: a session sent to the department waits in its queue for an agent to take it.
    round_robin: Mapped[bool] = mapped_column(server_default=sa.true())
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class DepartmentMember(Base):
    __tablename__ = "department_member"

    department_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("department.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AiSettings(TenantScoped, Base):
    """The organization's OpenAI-compatible endpoint; absent means the platform
    defaults (BALCAO_LLM_*) apply."""

    __tablename__ = "ai_settings"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
    )
    provider: Mapped[str] = mapped_column(sa.String(24), server_default="CUSTOM")
    base_url: Mapped[str | None] = mapped_column(sa.Text)
    api_key: Mapped[str | None] = mapped_column(sa.Text)
    chat_model: Mapped[str | None] = mapped_column(sa.String(200))
    vision_model: Mapped[str | None] = mapped_column(sa.String(200))
    transcription_model: Mapped[str | None] = mapped_column(sa.String(200))
    temperature: Mapped[float] = mapped_column(server_default=sa.text("0.3"))
    updated_at: Mapped[datetime] = updated_at()


class QuickReply(TenantScoped, Base):
    __tablename__ = "quick_reply"
    __table_args__ = (sa.UniqueConstraint("organization_id", "shortcut"),)

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    shortcut: Mapped[str] = mapped_column(sa.String(64))
    content: Mapped[str] = mapped_column(sa.Text)
    department_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("department.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = created_at()


class AuditLog(TenantScoped, Base):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index(None, "organization_id", "created_at"),)

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="SET NULL")
    )
    actor_api_key_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("api_key.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(sa.String(64))
    target_type: Mapped[str | None] = mapped_column(sa.String(64))
    target_id: Mapped[str | None] = mapped_column(sa.String(64))
    data: Mapped[dict[str, Any]] = mapped_column(server_default=sa.text("'{}'::jsonb"))
    created_at: Mapped[datetime] = created_at()
