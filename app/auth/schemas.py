from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from app.db.enums import Role

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]


class Camel(msgspec.Struct, rename="camel", kw_only=True):
    pass


class LoginRequest(Camel):
    email: Email
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


class RefreshRequest(Camel):
    refresh_token: Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]


class TokenPair(Camel):
    access_token: str
    refresh_token: str
    token_type: str
    expires_at: datetime
    refresh_expires_at: datetime


class Me(Camel):
    organization_id: uuid.UUID
    role: Role
    user_id: uuid.UUID | None
    api_key_id: uuid.UUID | None
    email: str | None = None
    name: str | None = None


class ApiKeyCreate(Camel):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] = "default"


class ApiKeyOut(Camel):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str  # shown once


class InviteInfo(Camel):
    """Whom an open invite link signs in (so the page can greet them)."""

    email: str
    name: str
    organization_name: str
    expires_at: datetime


class InviteAccept(Camel):
    # The same rule as every password (app.schemas.Password).
    password: Annotated[str, msgspec.Meta(min_length=8, max_length=1024)]


class OrganizationCreated(Camel):
    organization_id: uuid.UUID
    admin_user_id: uuid.UUID
    api_key: str
