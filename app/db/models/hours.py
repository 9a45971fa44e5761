"""The organization's and each department's business hours (a connection's live on its
own row, ``connection.business_hours``): one document per level, read by the API and,
joined into the turn's query, by the AI responder (app/hours/calendar.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, org_fk, pk, updated_at
from app.db.tenancy import TenantScoped


class BusinessHoursRow(TenantScoped, Base):
    __tablename__ = "business_hours"
    __table_args__ = (
        # One organization-wide document, and one per department.
        sa.Index(
            "uq_business_hours_organization",
            "organization_id",
            unique=True,
            postgresql_where=sa.text("department_id IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    department_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("department.id", ondelete="CASCADE"), unique=True
    )
    # {timezone, weekly, holidays, overrides} (app/hours/calendar.py's document).
    document: Mapped[dict[str, Any]] = mapped_column()
    out_of_hours_message: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = updated_at()
