"""``/api/v1/business-hours`` (the organization's) and the same under a department and
a connection: read by everyone in the organization, written by administrators (and API
keys). app/hours/effective.py says which level wins."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from litestar import Controller, delete, get, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from app.auth.guards import admin_only
from app.deps import Caller, Db
from app.hours import services
from app.hours.schemas import BusinessHours, BusinessHoursInput, Holiday, HoursStatus
from app.hours.services import Target
from app.schemas import aware

At = Annotated[
    datetime | None,
    QueryParameter(description="ISO instant (default now); one without an offset is UTC"),
]
Year = Annotated[int, QueryParameter(ge=1900, le=2200)]
CountryQuery = Annotated[str, QueryParameter(min_length=2, max_length=3)]
SubdivisionQuery = Annotated[str | None, QueryParameter(max_length=16)]


class BusinessHoursController(Controller):
    path = "/api/v1"
    tags = ["business-hours"]

    @get("/business-hours")
    async def get_organization_hours(self, db: Db, principal: Caller) -> BusinessHours:
        return await services.read(db, principal, Target("organization"))

    @put("/business-hours", guards=[admin_only])
    async def put_organization_hours(
        self, db: Db, principal: Caller, data: JSONBody[BusinessHoursInput]
    ) -> BusinessHours:
        """The whole document (a field left out takes its default: a day left out of
        ``weekly`` is closed)."""
        return await services.write(db, principal, Target("organization"), data)

    @delete("/business-hours", guards=[admin_only])
    async def delete_organization_hours(self, db: Db, principal: Caller) -> None:
        """Back to no hours at all: always open."""
        await services.remove(db, principal, Target("organization"))

    @get("/business-hours/status")
    async def get_organization_status(
        self, db: Db, principal: Caller, at: FromQuery[At] = None
    ) -> HoursStatus:
        return await services.current_status(db, principal, Target("organization"), aware(at))

    @get("/business-hours/holidays")
    async def list_holidays(
        self,
        year: FromQuery[Year],
        country: FromQuery[CountryQuery] = "BR",
        subdivision: FromQuery[SubdivisionQuery] = None,
    ) -> list[Holiday]:
        """The year's public holidays of ``country`` (+ ``subdivision``'s), by date."""
        return services.holiday_preview(year, country, subdivision)

    @get("/departments/{department_id:uuid}/business-hours")
    async def get_department_hours(
        self, db: Db, principal: Caller, department_id: FromPath[uuid.UUID]
    ) -> BusinessHours:
        return await services.read(db, principal, Target("department", department_id))

    @put("/departments/{department_id:uuid}/business-hours", guards=[admin_only])
    async def put_department_hours(
        self,
        db: Db,
        principal: Caller,
        department_id: FromPath[uuid.UUID],
        data: JSONBody[BusinessHoursInput],
    ) -> BusinessHours:
        return await services.write(db, principal, Target("department", department_id), data)

    @delete("/departments/{department_id:uuid}/business-hours", guards=[admin_only])
    async def delete_department_hours(
        self, db: Db, principal: Caller, department_id: FromPath[uuid.UUID]
    ) -> None:
        """The department falls back to the organization's hours."""
        await services.remove(db, principal, Target("department", department_id))

    @get("/departments/{department_id:uuid}/business-hours/status")
    async def get_department_status(
        self,
        db: Db,
        principal: Caller,
        department_id: FromPath[uuid.UUID],
        at: FromQuery[At] = None,
    ) -> HoursStatus:
        target = Target("department", department_id)
        return await services.current_status(db, principal, target, aware(at))

    @get("/connections/{connection_id:uuid}/business-hours")
    async def get_connection_hours(
        self, db: Db, principal: Caller, connection_id: FromPath[uuid.UUID]
    ) -> BusinessHours:
        return await services.read(db, principal, Target("connection", connection_id))

    @put("/connections/{connection_id:uuid}/business-hours", guards=[admin_only])
    async def put_connection_hours(
        self,
        db: Db,
        principal: Caller,
        connection_id: FromPath[uuid.UUID],
        data: JSONBody[BusinessHoursInput],
    ) -> BusinessHours:
        """The same hours as the connection's ``businessHours``/``outOfHoursMessage``."""
        return await services.write(db, principal, Target("connection", connection_id), data)

    @delete("/connections/{connection_id:uuid}/business-hours", guards=[admin_only])
    async def delete_connection_hours(
        self, db: Db, principal: Caller, connection_id: FromPath[uuid.UUID]
    ) -> None:
        """The number falls back to the organization's hours."""
        await services.remove(db, principal, Target("connection", connection_id))

    @get("/connections/{connection_id:uuid}/business-hours/status")
    async def get_connection_status(
        self,
        db: Db,
        principal: Caller,
        connection_id: FromPath[uuid.UUID],
        at: FromQuery[At] = None,
    ) -> HoursStatus:
        target = Target("connection", connection_id)
        return await services.current_status(db, principal, target, aware(at))
