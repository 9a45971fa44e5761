"""The team and tabulation settings pages: users and departments, and tabulations.
The pages only read; every change is made by the page script (settings_team.js)
through /api/v1/users, /departments and /tabulations, so the API's role rules (what a
supervisor may not do) apply as they do for any client.

They read columns, not ORM instances (app.pagination.paginate_rows): a page of ORM
objects is garbage in reference cycles, and its collection paused one request in ~50
for 60-100 ms (bench/settings, 200 users and 500 tabulations)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

import sqlalchemy as sa
from litestar import Request, Response, get
from litestar.params import FromQuery, QueryParameter

from app.db import models as m
from app.db.enums import Role
from app.deps import Db, Shared
from app.inbox.render import html
from app.inbox.settings_shell import SettingsBase, require_page, settings_context
from app.inbox.web import Me
from app.pagination import Pagination, paginate_rows
from app.users.services import department_ids_of

ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.VIEWER)
PAGE_SIZE = 50  # users or tabulations a page lists; the search box finds the rest
Search = Annotated[str, QueryParameter(max_length=200, description="name or e-mail contains")]
ListPage = Annotated[int, QueryParameter(ge=1, le=100_000)]


@dataclass(frozen=True, slots=True)
class Member:
    """A user as the team page lists them: the row and their departments' ids."""

    user: Any  # a row of USER_COLUMNS
    department_ids: list[uuid.UUID]


USER_COLUMNS = (
    m.User.id,
    m.User.name,
    m.User.email,
    m.User.role,
    m.User.is_active,
    m.User.is_available,
)
TABULATION_COLUMNS = (
    m.Tabulation.id,
    m.Tabulation.name,
    m.Tabulation.description,
    m.Tabulation.background_color,
    m.Tabulation.department_id,
    m.Tabulation.auto_tabulation,
    m.Tabulation.auto_trigger,
)
DEPARTMENT_COLUMNS = (
    m.Department.id,
    m.Department.name,
    m.Department.description,
    m.Department.round_robin,
    m.Department.requires_tabulation,
)


async def _departments(db: Db) -> list[Any]:
    rows = await db.execute(sa.select(*DEPARTMENT_COLUMNS).order_by(m.Department.name))
    return list(rows.all())


async def _members(db: Db, q: str, page: int) -> tuple[list[Member], Pagination]:
    """One page of users, active first, by name; ``q`` narrows to names or e-mails
    containing it."""
    stmt = sa.select(*USER_COLUMNS).order_by(
        m.User.is_active.desc(), sa.func.lower(m.User.name), m.User.id
    )
    if q:
        stmt = stmt.where(
            m.User.name.icontains(q, autoescape=True) | m.User.email.icontains(q, autoescape=True)
        )
    users, pages = await paginate_rows(db, stmt, page, PAGE_SIZE)
    departments = await department_ids_of(db, [u.id for u in users])
    return [Member(u, departments[u.id]) for u in users], pages


async def _tabulations(db: Db, q: str, page: int) -> tuple[list[Any], Pagination]:
    stmt = sa.select(*TABULATION_COLUMNS).order_by(m.Tabulation.name, m.Tabulation.id)
    if q:
        stmt = stmt.where(
            m.Tabulation.name.icontains(q, autoescape=True)
            | m.Tabulation.description.icontains(q, autoescape=True)
        )
    return await paginate_rows(db, stmt, page, PAGE_SIZE)


async def _member_counts(db: Db) -> dict[uuid.UUID, int]:
    rows = await db.execute(
        sa.select(m.DepartmentMember.department_id, sa.func.count())
        .join(m.Department, m.Department.id == m.DepartmentMember.department_id)
        .group_by(m.DepartmentMember.department_id)
    )
    return {department_id: count for department_id, count in rows}


class SettingsTeamController(SettingsBase):
    @get("/settings/team")
    async def team_page(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        viewer: Me,
        q: FromQuery[Search] = "",
        page: FromQuery[ListPage] = 1,
    ) -> Response[str]:
        require_page(viewer, "team")
        departments = await _departments(db)
        members, pages = await _members(db, q.strip(), page)
        context = settings_context(
            request,
            app_state,
            viewer,
            "team",
            members=members,
            pages=pages,
            q=q.strip(),
            departments=departments,
            department_names={d.id: d.name for d in departments},
            member_counts=await _member_counts(db),
            roles=ROLES,
        )
        context["boot"]["timezone"] = app_state.settings.timezone  # the invite's expiry
        return html("settings/team.html", **context)

    @get("/settings/tabulations")
    async def tabulations_page(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        viewer: Me,
        q: FromQuery[Search] = "",
        page: FromQuery[ListPage] = 1,
    ) -> Response[str]:
        require_page(viewer, "tabulations")
        departments = await _departments(db)
        tabulations, pages = await _tabulations(db, q.strip(), page)
        context = settings_context(
            request,
            app_state,
            viewer,
            "tabulations",
            tabulations=tabulations,
            pages=pages,
            q=q.strip(),
            departments=departments,
            department_names={d.id: d.name for d in departments},
        )
        return html("settings/tabulations.html", **context)
