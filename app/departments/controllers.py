from __future__ import annotations

import uuid

import msgspec
import sqlalchemy as sa
from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from app.auth.guards import admin_only
from app.db import models as m
from app.departments.schemas import Department, DepartmentCreate, DepartmentUpdate
from app.deps import Caller, Db
from app.errors import Conflict
from app.pagination import Page, PageLimit, PageNumber, paginate
from app.records import require, unset_fields


def department_out(row: m.Department) -> Department:
    return Department(
        id=row.id,
        name=row.name,
        description=row.description,
        requires_tabulation=row.requires_tabulation,
        round_robin=row.round_robin,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _check_name_free(db: Db, name: str, exclude: uuid.UUID | None = None) -> None:
    stmt = sa.select(m.Department.id).where(sa.func.lower(m.Department.name) == name.lower())
    if exclude is not None:
        stmt = stmt.where(m.Department.id != exclude)
    if await db.scalar(stmt) is not None:
        raise Conflict("A department with this name exists.", code="name_taken", field="name")


class DepartmentController(Controller):
    path = "/api/v1/departments"
    tags = ["departments"]

    @get("/")
    async def list_departments(
        self, db: Db, page: FromQuery[PageNumber] = 1, limit: FromQuery[PageLimit] = 50
    ) -> Page[Department]:
        rows, pages = await paginate(
            db, sa.select(m.Department).order_by(m.Department.name), page, limit
        )
        return Page(data=[department_out(r) for r in rows], pagination=pages)

    @get("/{department_id:uuid}")
    async def get_department(self, db: Db, department_id: FromPath[uuid.UUID]) -> Department:
        return department_out(await require(db, m.Department, department_id))

    @post("/", guards=[admin_only])
    async def create_department(
        self, db: Db, principal: Caller, data: JSONBody[DepartmentCreate]
    ) -> Department:
        await _check_name_free(db, data.name)
        row = m.Department(
            organization_id=principal.organization_id, **msgspec.structs.asdict(data)
        )
        db.add(row)
        await db.commit()
        return department_out(row)

    @patch("/{department_id:uuid}", guards=[admin_only])
    async def update_department(
        self, db: Db, department_id: FromPath[uuid.UUID], data: JSONBody[DepartmentUpdate]
    ) -> Department:
        row = await require(db, m.Department, department_id)
        changes = unset_fields(data)
        if "name" in changes:
            await _check_name_free(db, changes["name"], exclude=row.id)
        for key, value in changes.items():
            setattr(row, key, value)
        await db.commit()
        await db.refresh(row)
        return department_out(row)

    @delete("/{department_id:uuid}", guards=[admin_only])
    async def delete_department(self, db: Db, department_id: FromPath[uuid.UUID]) -> None:
        row = await require(db, m.Department, department_id)
        await db.delete(row)
        await db.commit()
