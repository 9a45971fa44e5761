"""The inbox's full pages: the inbox (queue, and a conversation when one is open) and
the dashboard. The settings pages live in settings_*.py."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import sqlalchemy as sa
from litestar import Request, Response, get
from litestar.params import FromPath, FromQuery, QueryParameter

from app.db import models as m
from app.deps import Db, Shared
from app.inbox import conversation as conv
from app.inbox import dashboard
from app.inbox.checklist import load_checklist
from app.inbox.queue import STATUSES, QueueFilter, queue_counts, queue_page
from app.inbox.render import html
from app.inbox.viewer import Viewer
from app.inbox.web import Filter, InboxBase, Me, context, session_cookie, translator

Days = Annotated[int, QueryParameter(ge=1, le=90)]


async def _queue(db: Db, viewer: Viewer, f: QueueFilter) -> dict[str, Any]:
    rows, more = await queue_page(db, viewer, f)
    departments = (await db.scalars(sa.select(m.Department).order_by(m.Department.name))).all()
    tabs = (await db.scalars(sa.select(m.Tabulation).order_by(m.Tabulation.name))).all()
    return {
        "filter": f,
        "rows": rows,
        "more": more,
        "counts": await queue_counts(db, viewer, f),
        "statuses": STATUSES,
        "departments": departments,
        "tabulations": tabs,
    }


class PageController(InboxBase):
    @get("/")
    async def inbox(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        viewer: Me,
        queue_filter: Filter,
    ) -> Response[str]:
        return await _inbox(request, db, app_state, viewer, queue_filter, None)

    @get("/s/{session_id:uuid}")
    async def inbox_with_session(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        viewer: Me,
        queue_filter: Filter,
        session_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        return await _inbox(request, db, app_state, viewer, queue_filter, session_id)

    @get("/dashboard")
    async def dashboard_page(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        viewer: Me,
        days: FromQuery[Days] = 14,
    ) -> Response[str]:
        no_department = translator(request)("dash.no_department")
        data = await dashboard.load(
            db, viewer, app_state.settings.timezone, days, no_department=no_department
        )
        page = context(request, app_state, viewer, section="dashboard", dash=data, days=days)
        return html("dashboard.html", **page)


async def _inbox(
    request: Request[Any, Any, Any],
    db: Db,
    app_state: Shared,
    viewer: Viewer,
    f: QueueFilter,
    session_id: uuid.UUID | None,
) -> Response[str]:
    opened = checklist = None
    if session_id is not None:
        opened = await conv.load_conversation(db, viewer, app_state.settings, session_id)
    else:
        checklist = await load_checklist(db, viewer, app_state.settings)
    page = context(
        request,
        app_state,
        viewer,
        section="inbox",
        conv=opened,
        checklist=checklist,
        **await _queue(db, viewer, f),
    )
    page["boot"]["sessionId"] = str(session_id) if session_id else None
    response = html("inbox.html", **page)
    # Sliding sign-in: each full page load renews the cookie's lifetime.
    response.set_cookie(session_cookie(request, app_state, viewer))
    return response
