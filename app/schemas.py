"""Shared schema pieces: camelCase at the boundary, bounded strings.

PostgreSQL text cannot hold NUL, so the CRM-facing strings refuse it here, as a 422
naming the field, instead of failing in the database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

import msgspec
from litestar.params import QueryParameter


class Camel(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=False):
    pass


Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Text = Annotated[str, msgspec.Meta(max_length=10_000)]
Password = Annotated[str, msgspec.Meta(min_length=8, max_length=1024)]

NO_NUL = r"^[^\x00]*$"

Label = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NO_NUL)]
Reason = Annotated[str, msgspec.Meta(max_length=2000, pattern=NO_NUL)]
LongText = Annotated[str, msgspec.Meta(max_length=65_536, pattern=NO_NUL)]
ExternalId = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NO_NUL)]
Color = Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=NO_NUL)]
Email = Annotated[
    str,
    msgspec.Meta(min_length=3, max_length=320, pattern=r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$"),
]
PhoneInput = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=NO_NUL)]
HttpUrl = Annotated[
    str, msgspec.Meta(min_length=8, max_length=2000, pattern=r"^https?://[^\s\x00]+$")
]
# Custom contact fields (import columns, campaign variables): short keys, scalar values.
FieldKey = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=NO_NUL)]
FieldValue = (
    Annotated[str, msgspec.Meta(max_length=2000, pattern=NO_NUL)] | int | float | bool | None
)
FieldValues = Annotated[dict[FieldKey, FieldValue], msgspec.Meta(max_length=100)]
IdList = Annotated[list[uuid.UUID], msgspec.Meta(max_length=100)]
NonEmptyIdList = Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=100)]

# Multi-word query parameters are declared with their camelCase API.md names as the
# Python parameter names, so a validation error names the field the client sent.
ProviderIdQuery = Annotated[str | None, QueryParameter(min_length=1, max_length=255)]
SearchQuery = Annotated[
    str | None, QueryParameter(max_length=200, description="name, phone or email")
]


def aware(moment: datetime | None) -> datetime | None:
    """A time given without an offset (a query parameter) is read as UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment
