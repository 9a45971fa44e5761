from __future__ import annotations

import uuid

import sqlalchemy as sa
from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from app.db import models as m
from app.deps import Caller, Db
from app.pagination import Page, PageLimit, PageNumber, paginate
from app.records import require, unset_fields
from app.sessions.access import check_can_manage
from app.tabulations import services
from app.tabulations.schemas import Tabulation, TabulationCreate, TabulationUpdate


class TabulationController(Controller):
    path = "/api/v1/tabulations"
    tags = ["tabulations"]

    @get("/")
    async def list_tabulations(
        self,
        db: Db,
        # camelCase parameter names: they are API.md's, and errors name them.
        departmentId: FromQuery[uuid.UUID | None] = None,
        page: FromQuery[PageNumber] = 1,
        limit: FromQuery[PageLimit] = 50,
    ) -> Page[Tabulation]:
        stmt = sa.select(m.Tabulation).order_by(m.Tabulation.name, m.Tabulation.id)
        if departmentId is not None:
            stmt = stmt.where(m.Tabulation.department_id == departmentId)
        rows, pages = await paginate(db, stmt, page, limit)
        return Page(data=[services.tabulation_out(r) for r in rows], pagination=pages)

    @get("/{tabulation_id:uuid}")
    async def get_tabulation(self, db: Db, tabulation_id: FromPath[uuid.UUID]) -> Tabulation:
        return services.tabulation_out(await require(db, m.Tabulation, tabulation_id))

    @post("/")
    async def create_tabulation(
        self, db: Db, principal: Caller, data: JSONBody[TabulationCreate]
    ) -> Tabulation:
        await check_can_manage(db, principal, data.department_id)
        await services.check_department(db, data.department_id)
        services.check_auto_trigger(data.auto_tabulation, data.auto_trigger)
        await services.check_name_free(db, data.name)
        row = m.Tabulation(
            organization_id=principal.organization_id,
            name=data.name,
            description=data.description,
            background_color=data.background_color,
            auto_tabulation=data.auto_tabulation,
            auto_trigger=data.auto_trigger,
            department_id=data.department_id,
        )
        db.add(row)
        await db.commit()
        await db.refresh(row)
        return services.tabulation_out(row)

    @patch("/{tabulation_id:uuid}")
    async def update_tabulation(
        self,
        db: Db,
        principal: Caller,
        tabulation_id: FromPath[uuid.UUID],
        data: JSONBody[TabulationUpdate],
    ) -> Tabulation:
        row = await require(db, m.Tabulation, tabulation_id)
        changes = unset_fields(data)
        await check_can_manage(db, principal, row.department_id)
        if "department_id" in changes:
            await check_can_manage(db, principal, changes["department_id"])
            await services.check_department(db, changes["department_id"])
        if "name" in changes:
            await services.check_name_free(db, changes["name"], exclude=row.id)
        if changes.get("auto_tabulation") is False and "auto_trigger" not in changes:
            changes["auto_trigger"] = None  # turning a tabulation manual forgets its outcome
        services.check_auto_trigger(
            changes.get("auto_tabulation", row.auto_tabulation),
            changes.get("auto_trigger", row.auto_trigger),
        )
        for key, value in changes.items():
            setattr(row, key, value)
        await db.commit()
        await db.refresh(row)
        return services.tabulation_out(row)

    @delete("/{tabulation_id:uuid}")
    async def delete_tabulation(
        self, db: Db, principal: Caller, tabulation_id: FromPath[uuid.UUID]
    ) -> None:
        """A tabulation in use is detached: its links to contacts and sessions go with
        it (ON DELETE CASCADE), the contacts and sessions stay."""
        row = await require(db, m.Tabulation, tabulation_id)
        await check_can_manage(db, principal, row.department_id)
        await db.delete(row)
        await db.commit()
