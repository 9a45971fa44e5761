from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from app.db.enums import Role
from app.schemas import Camel, Email, Name, Password


class User(Camel):
    id: uuid.UUID
    email: str
    name: str
    role: Role
    department_ids: list[uuid.UUID]
    is_active: bool
    is_available: bool
    created_at: datetime
    updated_at: datetime


class Invite(Camel):
    """An invite link (shown once: only its hash is kept). Opening it lets the user
    choose their password and signs them in; it works once, until ``expiresAt``."""

    user_id: uuid.UUID
    invite_url: str
    expires_at: datetime


class UserCreated(User, omit_defaults=True):
    """A created user is the User it always was; ``invite`` only when asked for."""

    invite: Invite | None = None


class UserCreate(Camel):
    """Give a ``password`` (a one-time password handed over by hand), or ``invite:
    true`` for an invite link, or both."""

    email: Email
    role: Role
    password: Password | None = None
    name: Name | None = None
    department_ids: list[uuid.UUID] = msgspec.field(default_factory=list)
    is_available: bool = True
    invite: bool = False


class UserUpdate(Camel):
    email: Email | msgspec.UnsetType = msgspec.UNSET
    password: Password | msgspec.UnsetType = msgspec.UNSET
    role: Role | msgspec.UnsetType = msgspec.UNSET
    name: Name | msgspec.UnsetType = msgspec.UNSET
    department_ids: list[uuid.UUID] | msgspec.UnsetType = msgspec.UNSET
    is_active: bool | msgspec.UnsetType = msgspec.UNSET
    is_available: bool | msgspec.UnsetType = msgspec.UNSET
