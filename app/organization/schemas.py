from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from app.schemas import NO_NUL, Camel, Label

# As long as the column (organization.timezone): the zone itself is checked against
# the IANA database by the service.
ZoneName = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=NO_NUL)]
Subdivision = Annotated[str, msgspec.Meta(min_length=1, max_length=16, pattern=NO_NUL)]
OPT_OUT_MAX = 1000
OptOutText = Annotated[str, msgspec.Meta(max_length=OPT_OUT_MAX, pattern=NO_NUL)]


class Organization(Camel):
    """The caller's organization. Plan limits and their usage (API.md "Security and
    plans") join as their own nested objects, so these fields stay as they are."""

    id: uuid.UUID
    name: str
    timezone: str
    holiday_subdivision: str | None
    # None: customers who opt out get optOutMessageDefault, the built-in text.
    opt_out_message: str | None
    opt_out_message_default: str
    created_at: datetime
    updated_at: datetime


class OrganizationUpdate(Camel):
    name: Label | msgspec.UnsetType = msgspec.UNSET
    timezone: ZoneName | msgspec.UnsetType = msgspec.UNSET
    holiday_subdivision: Subdivision | msgspec.UnsetType | None = msgspec.UNSET
    opt_out_message: OptOutText | msgspec.UnsetType | None = msgspec.UNSET
