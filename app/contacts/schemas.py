from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from app.schemas import (
    Camel,
    Email,
    ExternalId,
    FieldValues,
    IdList,
    Label,
    NonEmptyIdList,
    PhoneInput,
    Reason,
)
from app.tabulations.schemas import Tabulation


class ContactTabulationLink(Camel):
    tabulation: Tabulation


class Contact(Camel):
    id: uuid.UUID
    name: str | None
    email: str | None
    phone_number: str | None
    organization_id: uuid.UUID
    external_id: str | None
    source: str | None
    bypass_bots: bool
    created_at: datetime
    updated_at: datetime
    erased_at: datetime | None
    fields: dict[str, Any]
    opted_out_at: datetime | None
    opt_out_source: str | None
    # falecomigo's spelling, kept exactly (API.md).
    contact_tabulation: list[ContactTabulationLink] = msgspec.field(name="ContactTabulation")


class ContactCreate(Camel):
    phone_number: PhoneInput
    name: Label | None = None
    email: Email | None = None
    external_id: ExternalId | None = None
    source: Label | None = "API"
    bypass_bots: bool = False
    fields: FieldValues = msgspec.field(default_factory=dict)
    tabulation_ids: IdList = msgspec.field(default_factory=list)


class ContactUpdate(Camel):
    phone_number: PhoneInput | msgspec.UnsetType = msgspec.UNSET
    name: Label | msgspec.UnsetType | None = msgspec.UNSET
    email: Email | msgspec.UnsetType | None = msgspec.UNSET
    external_id: ExternalId | msgspec.UnsetType | None = msgspec.UNSET
    source: Label | msgspec.UnsetType | None = msgspec.UNSET
    bypass_bots: bool | msgspec.UnsetType = msgspec.UNSET
    # Replaces the whole set (a key left out is removed).
    fields: FieldValues | msgspec.UnsetType = msgspec.UNSET


class TabulationIds(Camel):
    tabulation_ids: NonEmptyIdList


class OptOutCreate(Camel):
    reason: Reason | None = None
