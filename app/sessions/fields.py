"""Bounded strings for the CRM-facing bodies. PostgreSQL text cannot hold NUL, so a
NUL is refused here as a 422 naming the field instead of failing in the database."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar.params import QueryParameter

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
IdList = Annotated[list[uuid.UUID], msgspec.Meta(max_length=100)]
NonEmptyIdList = Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=100)]

# Multi-word query parameters are declared with their camelCase API.md names as the
# Python parameter names, so a validation error names the field the client sent.
ProviderIdQuery = Annotated[str | None, QueryParameter(min_length=1, max_length=255)]
SearchQuery = Annotated[
    str | None, QueryParameter(max_length=200, description="name, phone or email")
]
