from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from app.schemas import Camel

Shortcut = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
]
ReplyText = Annotated[str, msgspec.Meta(min_length=1, max_length=4000, pattern=r"^[^\x00]*\S")]


class QuickReply(Camel):
    """``content`` may use variables, filled in for the session at hand:
    ``{contact.name}``, ``{contact.firstName}``, ``{contact.phone}``, ``{agent.name}``,
    ``{agent.firstName}``, ``{department.name}``, ``{organization.name}``."""

    id: uuid.UUID
    shortcut: str
    content: str
    department_id: uuid.UUID | None
    created_at: datetime


class QuickReplyCreate(Camel):
    shortcut: Shortcut
    content: ReplyText
    department_id: uuid.UUID | None = None


class QuickReplyUpdate(Camel):
    shortcut: Shortcut | msgspec.UnsetType = msgspec.UNSET
    content: ReplyText | msgspec.UnsetType = msgspec.UNSET
    department_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
