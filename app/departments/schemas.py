from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from app.schemas import Camel, Name, Text


class Department(Camel):
    id: uuid.UUID
    name: str
    description: str | None
    requires_tabulation: bool
    round_robin: bool
    created_at: datetime
    updated_at: datetime


class DepartmentCreate(Camel):
    name: Name
    description: Text | None = None
    requires_tabulation: bool = False
    round_robin: bool = True


class DepartmentUpdate(Camel):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    description: Text | msgspec.UnsetType | None = msgspec.UNSET
    requires_tabulation: bool | msgspec.UnsetType = msgspec.UNSET
    round_robin: bool | msgspec.UnsetType = msgspec.UNSET
