"""Small helpers every feature uses to load and change rows."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound

M = TypeVar("M")


async def require(db: AsyncSession, model: type[M], row_id: uuid.UUID) -> M:
    """The row, or 404. The session's tenant scope makes another organization's row
    indistinguishable from a missing one."""
    id_column: Any = getattr(model, "id")  # noqa: B009  every model has an id
    row: M | None = (await db.execute(sa.select(model).where(id_column == row_id))).scalar()
    if row is None:
        raise NotFound(f"No such {model.__name__.lower()}.", id=str(row_id))
    return row


def unset_fields(data: msgspec.Struct) -> dict[str, Any]:
    """The fields a PATCH body actually carries (msgspec.UNSET for the others)."""
    return {
        name: value
        for name in data.__struct_fields__
        if (value := getattr(data, name)) is not msgspec.UNSET
    }
