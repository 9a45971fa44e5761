"""Page-numbered lists, in the shape API.md fixes (snake_case inside `pagination`)."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

import msgspec
import sqlalchemy as sa
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

PageNumber = Annotated[int, QueryParameter(ge=1, le=1_000_000, description="page, from 1")]
PageLimit = Annotated[int, QueryParameter(ge=1, le=200, description="items per page (≤ 200)")]


class Pagination(msgspec.Struct, kw_only=True):
    total_data: int
    total_pages: int
    page: int
    limit: int
    has_next_page: bool


class Page(msgspec.Struct, Generic[T], kw_only=True):
    data: list[T]
    pagination: Pagination


def pagination(total: int, page: int, limit: int) -> Pagination:
    pages = (total + limit - 1) // limit
    return Pagination(
        total_data=total, total_pages=pages, page=page, limit=limit, has_next_page=page < pages
    )


async def paginate(
    db: AsyncSession, stmt: sa.Select[Any], page: int, limit: int
) -> tuple[list[Any], Pagination]:
    """Run ``stmt`` for one page of ORM rows, with the total count (one extra query
    over the same filters)."""
    total = await db.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    rows = list((await db.scalars(stmt.limit(limit).offset((page - 1) * limit))).all())
    return rows, pagination(total or 0, page, limit)
