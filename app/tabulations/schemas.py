from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from app.db.models.history import AutoTrigger
from app.schemas import Camel, Color, Label, Reason


class Tabulation(Camel):
    id: uuid.UUID
    name: str
    description: str | None
    background_color: str | None
    auto_tabulation: bool
    # The outcome an automatic tabulation is applied on (None for a manual one).
    auto_trigger: AutoTrigger | None
    department_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class TabulationCreate(Camel):
    name: Label
    description: Reason | None = None
    background_color: Color | None = None
    auto_tabulation: bool = False
    auto_trigger: AutoTrigger | None = None
    department_id: uuid.UUID | None = None


class TabulationUpdate(Camel):
    name: Label | msgspec.UnsetType = msgspec.UNSET
    description: Reason | msgspec.UnsetType | None = msgspec.UNSET
    background_color: Color | msgspec.UnsetType | None = msgspec.UNSET
    auto_tabulation: bool | msgspec.UnsetType = msgspec.UNSET
    auto_trigger: AutoTrigger | msgspec.UnsetType | None = msgspec.UNSET
    department_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
