"""Shared schema pieces: camelCase at the boundary, bounded strings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import msgspec


class Camel(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=False):
    pass


Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Text = Annotated[str, msgspec.Meta(max_length=10_000)]
Email = Annotated[
    str, msgspec.Meta(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
]
Password = Annotated[str, msgspec.Meta(min_length=8, max_length=1024)]


def aware(moment: datetime | None) -> datetime | None:
    """A time given without an offset (a query parameter) is read as UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment
