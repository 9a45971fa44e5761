"""What an open inbox page fetches to refresh itself: queue rows, the conversation's
parts, one message, quick replies, and the live event stream."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Stream
from litestar.status_codes import HTTP_204_NO_CONTENT

from app.db import models as m
from app.db.enums import Role
from app.deps import Db, Shared
from app.inbox import conversation as conv
from app.inbox import live
from app.inbox.queue import queue_counts, queue_page
from app.inbox.render import html
from app.inbox.web import Filter, InboxBase, Me, context
from app.quick_replies import services as quick_replies
from app.records import require
from app.schemas import aware


class FragmentController(InboxBase):
    @get("/queue")
    async def queue_rows(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        viewer: Me,
        queue_filter: Filter,
        open: FromQuery[uuid.UUID | None] = None,
    ) -> Response[str]:
        """The queue's rows (one page; ``page`` > 1 for "load more")."""
        rows, more = await queue_page(db, viewer, queue_filter)
        page = context(
            request, app_state, viewer, filter=queue_filter, rows=rows, more=more, open_id=open
        )
        return html("_queue_rows.html", **page)

    @get("/queue/counts")
    async def queue_counts(self, db: Db, viewer: Me, queue_filter: Filter) -> dict[str, int]:
        """Open sessions per status under the filter (its status is ignored)."""
        return await queue_counts(db, viewer, queue_filter)

    @get("/queue/rows/{session_id:uuid}")
    async def queue_row(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        viewer: Me,
        queue_filter: Filter,
        session_id: FromPath[uuid.UUID],
        open: FromQuery[uuid.UUID | None] = None,
    ) -> Response[str]:
        """One session's row if it belongs in the queue as filtered, else 204."""
        rows, _ = await queue_page(db, viewer, queue_filter, only=session_id)
        if not rows:
            return Response("", status_code=HTTP_204_NO_CONTENT)
        page = context(request, app_state, viewer, filter=queue_filter, row=rows[0], open_id=open)
        return html("_queue_row.html", **page)

    @get("/s/{session_id:uuid}/pane")
    async def pane(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        viewer: Me,
        session_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        return await _conversation("_pane.html", request, db, app_state, viewer, session_id)

    @get("/s/{session_id:uuid}/header")
    async def header(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        viewer: Me,
        session_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        return await _conversation(
            "_header.html", request, db, app_state, viewer, session_id, with_timeline=False
        )

    @get("/s/{session_id:uuid}/contact")
    async def contact_panel(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        viewer: Me,
        session_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        return await _conversation(
            "_contact.html", request, db, app_state, viewer, session_id, with_timeline=False
        )

    @get("/s/{session_id:uuid}/timeline")
    async def timeline(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        viewer: Me,
        session_id: FromPath[uuid.UUID],
        since: FromQuery[datetime | None] = None,
        before: FromQuery[datetime | None] = None,
    ) -> Response[str]:
        """Items from ``since`` on (live updates), or the page before ``before``."""
        await require(db, m.Session, session_id)
        items, has_older = await conv.timeline(
            db, session_id, since=aware(since), before=aware(before)
        )
        page = context(
            request, app_state, viewer, items=items, has_older=has_older, dividers=since is None
        )
        return html("_timeline.html", **page)

    @get("/m/{message_id:uuid}")
    async def message(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        viewer: Me,
        message_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        [view] = await conv.message_views(db, [await require(db, m.Message, message_id)])
        return html("_message.html", **context(request, app_state, viewer, message=view))

    @get("/s/{session_id:uuid}/quick-replies")
    async def quick_replies(
        self, db: Db, viewer: Me, session_id: FromPath[uuid.UUID]
    ) -> list[dict[str, str]]:
        """The viewer's quick replies with this session's variables filled in."""
        session = await require(db, m.Session, session_id)
        contact = await require(db, m.Contact, session.contact_id)
        department = (
            await db.get(m.Department, session.assigned_department_id)
            if session.assigned_department_id
            else None
        )
        values = quick_replies.variables_for(
            contact_name=contact.name,
            contact_phone=contact.phone_number,
            agent_name=viewer.name,
            department_name=department.name if department else None,
            organization_name=viewer.organization_name,
        )
        scope = None if viewer.role == Role.ADMIN else set(viewer.departments)
        return [
            {"shortcut": r.shortcut, "text": quick_replies.fill(r.content, values)}
            for r in await quick_replies.usable_by(db, scope)
        ]

    @get("/events")
    async def events(self, app_state: Shared, viewer: Me) -> Stream:
        """Live notices of the viewer's organization (Server-Sent Events)."""
        broker: live.Broker = app_state.inbox_broker
        return Stream(
            _subscribed(broker, viewer.principal.organization_id),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )


async def _conversation(
    template: str,
    request: Request[Any, Any, Any],
    db: Db,
    app_state: Shared,
    viewer: Me,
    session_id: uuid.UUID,
    *,
    with_timeline: bool = True,
) -> Response[str]:
    opened = await conv.load_conversation(
        db, viewer, app_state.settings, session_id, with_timeline=with_timeline
    )
    return html(template, **context(request, app_state, viewer, conv=opened))


async def _subscribed(broker: live.Broker, organization_id: uuid.UUID) -> AsyncIterator[bytes]:
    with broker.subscribe(organization_id) as page:
        async for frame in live.stream(page):
            yield frame
