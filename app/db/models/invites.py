"""Invite links: a user signs in the first time (or again, after a lost password) by
choosing their password at a link an administrator gave them."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, created_at, org_fk, pk
from app.db.tenancy import TenantScoped


class UserInvite(TenantScoped, Base):
    """One issued link. Only the SHA-256 of its token is kept (the token carries 256
    bits, so a slow KDF would add nothing); a link works once, until ``expires_at``,
    and issuing a new one for the same user revokes the one before."""

    __tablename__ = "user_invite"

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at()
