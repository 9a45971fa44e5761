"""The business-hours page (/inbox/settings/hours, administrators): the week grid
(several ranges a day, past midnight allowed), the time zone, public holidays with the
year's preview, the organization's own dates, the out-of-hours message, a live
"agora: aberto/fechado" line and a scope switch (organization, a department, a number).

The page is a shell with the words and choices; its script reads and writes only
through /api/v1/business-hours (and the department's and connection's), as any other
client would."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from litestar import Request, Response, get

from app.db import models as m
from app.deps import Db, Shared
from app.hours import holiday_calendar
from app.hours.calendar import DAYS
from app.hours.validation import MAX_RANGES_PER_DAY
from app.inbox.render import html
from app.inbox.settings_organization import STATE_NAMES, zone_choices
from app.inbox.settings_shell import SettingsBase, require_page, settings_context
from app.inbox.web import Me, translator

# Countries offered first (the holidays package knows ~200 more, listed after them).
COMMON_COUNTRIES = ("BR", "PT", "AR", "UY", "PY", "CL", "MX", "US")
# The subdivisions the page offers by name; other countries keep national holidays.
_SUBDIVIDED = ("BR", "US")


def _subdivisions() -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for country in _SUBDIVIDED:
        codes = holiday_calendar.subdivisions(country)
        if country == "BR":  # the states; its other codes are cities
            codes = tuple(sorted(c for c in codes if len(c) == 2 and c.isalpha()))
        out[country] = [
            {"value": c, "label": f"{STATE_NAMES.get(c, c)} ({c})" if country == "BR" else c}
            for c in codes
        ]
    return out


class HoursSettingsController(SettingsBase):
    @get("/settings/hours")
    async def hours_page(
        self, request: Request[Any, Any, Any], db: Db, app_state: Shared, viewer: Me
    ) -> Response[str]:
        require_page(viewer, "hours")
        t = translator(request)
        departments = (await db.scalars(sa.select(m.Department).order_by(m.Department.name))).all()
        connections = (
            await db.scalars(
                sa.select(m.Connection)
                .where(m.Connection.deleted_at.is_(None))
                .order_by(m.Connection.name)
            )
        ).all()
        brazil, others = zone_choices(t, datetime.now(UTC))
        others_codes = [c for c in holiday_calendar.countries() if c not in COMMON_COUNTRIES]
        page = settings_context(
            request,
            app_state,
            viewer,
            "hours",
            days=DAYS,
            brazil_zones=brazil,
            other_zones=others,
            countries=[*COMMON_COUNTRIES, *others_codes],
            departments=departments,
            connections=connections,
            this_year=datetime.now(UTC).year,
        )
        page["boot"]["hours"] = t.prefixed("hours.")
        page["boot"]["hoursSetup"] = msgspec.to_builtins(
            {
                "days": DAYS,
                "maxRanges": MAX_RANGES_PER_DAY,
                "subdivisions": _subdivisions(),
                "departments": [{"id": str(d.id), "name": d.name} for d in departments],
                "connections": [{"id": str(c.id), "name": c.name} for c in connections],
            }
        )
        return html("settings/hours.html", **page)
