from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, created_at, enum_column, org_fk, pk, updated_at
from app.db.models.history import AutoTrigger
from app.db.tenancy import TenantScoped


class Contact(TenantScoped, Base):
    __tablename__ = "contact"
    # Phone is null only for contacts known by a BSUID/LID alone; Postgres lets
    # several NULLs through a unique constraint.
    __table_args__ = (sa.UniqueConstraint("organization_id", "phone_number"),)

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    phone_number: Mapped[str | None] = mapped_column(sa.String(32))
    name: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    external_id: Mapped[str | None] = mapped_column(sa.String(200))
    source: Mapped[str | None] = mapped_column(sa.String(64))
    bypass_bots: Mapped[bool] = mapped_column(server_default=sa.false())
    # Custom key/values (import columns), usable as campaign variables.
    fields: Mapped[dict[str, Any]] = mapped_column(server_default=sa.text("'{}'::jsonb"))
    # LGPD opt-out of campaigns: when, how (KEYWORD, AGENT, API, PROVIDER, IMPORT), why.
    opted_out_at: Mapped[datetime | None]
    opt_out_source: Mapped[str | None] = mapped_column(sa.String(32))
    opt_out_reason: Mapped[str | None] = mapped_column(sa.Text)
    erased_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class Tabulation(TenantScoped, Base):
    __tablename__ = "tabulation"
    __table_args__ = (sa.UniqueConstraint("organization_id", "name"),)

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    background_color: Mapped[str | None] = mapped_column(sa.String(32))
    auto_tabulation: Mapped[bool] = mapped_column(server_default=sa.false())
    department_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("department.id", ondelete="SET NULL")
    )
    # The outcome an autoTabulation tabulation is applied on (app/tabulations/auto.py).
    auto_trigger: Mapped[AutoTrigger | None] = enum_column(
        AutoTrigger, "tabulation_auto_trigger", nullable=True
    )
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class ContactTabulation(Base):
    __tablename__ = "contact_tabulation"

    contact_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True
    )
    tabulation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("tabulation.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = created_at()
