"""The WhatsApp groups a connection's number is in, as its provider (or the WhatsApp-Web
page) last listed them: the groups API answers from here, never from the provider
inside a request (workers/groups.py refreshes it)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, org_fk, pk
from app.db.tenancy import TenantScoped


class ConnectionGroup(TenantScoped, Base):
    __tablename__ = "connection_group"
    __table_args__ = (sa.UniqueConstraint("connection_id", "group_id"),)

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    connection_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("connection.id", ondelete="CASCADE")
    )
    # The provider's chat id of the group, verbatim (``1203...@g.us``; the look-alike
    # page's own ids for WhatsApp Web): what a send to the group names.
    group_id: Mapped[str] = mapped_column(sa.String(128))
    name: Mapped[str] = mapped_column(sa.String(300), server_default="")
    participants: Mapped[int] = mapped_column(server_default=sa.text("0"))
    synced_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
