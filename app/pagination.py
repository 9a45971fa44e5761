"""Page-numbered lists, in the shape API.md fixes (snake_case inside `pagination`)."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar, TypeVarTuple

import msgspec
import sqlalchemy as sa
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

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


async def _count(db: AsyncSession, stmt: sa.Select[*tuple[Any, ...]]) -> int:
    total = await db.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    return total or 0


async def paginate(
    db: AsyncSession, stmt: sa.Select[Any], page: int, limit: int
) -> tuple[list[Any], Pagination]:
    """Run ``stmt`` for one page of ORM rows, with the total count (one extra query
    over the same filters)."""
    rows = list((await db.scalars(stmt.limit(limit).offset((page - 1) * limit))).all())
    return rows, pagination(await _count(db, stmt), page, limit)


async def paginate_rows(
    db: AsyncSession, stmt: sa.Select[*Ts], page: int, limit: int
) -> tuple[list[sa.Row[*Ts]], Pagination]:
    """``paginate`` for a select of columns: plain rows, for pages that only show them.
    Every ORM instance is a reference cycle with its state, left for the collector,
    which then stops a request for tens of ms every few dozen pages."""
    rows = list((await db.execute(stmt.limit(limit).offset((page - 1) * limit))).all())
    return rows, pagination(await _count(db, stmt), page, limit)
