"""The agent inbox, served by the api process: server-rendered pages and fragments, a
Server-Sent Events stream for live updates. Every change an agent makes goes through
the public REST API (the page calls it with the session cookie and the
``X-Balcao-Inbox`` header), so the inbox has no write path of its own beyond signing
in and out and the user's own preferences."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

import msgspec
import sqlalchemy as sa
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import Cookie, State
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Stream
from litestar.status_codes import HTTP_204_NO_CONTENT

from app.auth import services as auth
from app.auth.principal import INBOX_COOKIE, INBOX_HEADER, INBOX_TOKEN_KIND, Principal
from app.auth.security import issue_token
from app.db import models as m
from app.deps import Caller, Db
from app.errors import NotFound, Unauthorized, handle_balcao_error
from app.inbox import conversation as conv
from app.inbox import dashboard, live
from app.inbox.i18n import LANG_COOKIE, NAMES, Translator, pick_language
from app.inbox.queue import STATUSES, QueueFilter, QueueStatus, queue_counts, queue_page
from app.inbox.render import Clock, html, render
from app.inbox.viewer import Viewer, load_viewer
from app.quick_replies import services as quick_replies
from app.records import require

SearchText = Annotated[str | None, QueryParameter(max_length=200)]
PageNo = Annotated[int, QueryParameter(ge=1, le=10_000)]
Days = Annotated[int, QueryParameter(ge=1, le=90)]


class LoginForm(msgspec.Struct):
    email: str = ""
    password: str = ""
    next: str = ""


class Language(msgspec.Struct):
    lang: str


class Availability(msgspec.Struct):
    available: bool


def _safe_next(target: str | None) -> str:
    """Only our own inbox paths (no open redirect to another site)."""
    if target and target.startswith("/inbox") and not target.startswith("//"):
        return target
    return "/inbox"


def _translator(request: Request[Any, Any, Any]) -> Translator:
    return Translator(pick_language(request.cookies.get(LANG_COOKIE)))


def _session_cookie(request: Request[Any, Any, Any], state: State, viewer: Viewer) -> Cookie:
    settings = state.settings
    hours = settings.inbox_session_hours
    token, _ = issue_token(
        settings.secret_key,
        kind=INBOX_TOKEN_KIND,
        user_id=viewer.user_id,
        organization_id=viewer.principal.organization_id,
        role=viewer.role.value,
        ttl=timedelta(hours=hours),
    )
    return Cookie(
        key=INBOX_COOKIE,
        value=token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=hours * 3600,
        path="/",
    )


class Page:
    """What every inbox template gets."""

    @staticmethod
    async def context(
        request: Request[Any, Any, Any], state: State, viewer: Viewer, **extra: Any
    ) -> dict[str, Any]:
        t = _translator(request)
        return {
            "t": t,
            "lang": t.language,
            "languages": NAMES,
            "viewer": viewer,
            "clock": Clock(state.settings.timezone),
            "now": datetime.now(UTC),
            "boot": {
                "lang": t.language,
                "userId": str(viewer.user_id),
                "role": viewer.role.value,
                "strings": {
                    **t.prefixed("toast."),
                    **t.prefixed("error."),
                    **t.prefixed("live."),
                    **t.prefixed("time."),
                    "noQuickReplies": t("composer.no_quick_replies"),
                    "tabulationRequired": t("action.tabulation_required"),
                    "blockReason": t("ai.block"),
                },
            },
            **extra,
        }


async def _queue_context(db: Db, viewer: Viewer, f: QueueFilter) -> dict[str, Any]:
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


def _filter(
    status: QueueStatus,
    department: uuid.UUID | None,
    mine: bool,
    unassigned: bool,
    tabulation: uuid.UUID | None,
    q: str | None,
    page: int,
) -> QueueFilter:
    return QueueFilter(
        status=status,
        department_id=department,
        mine=mine,
        unassigned=unassigned,
        tabulation_id=tabulation,
        search=q.strip() if q and q.strip() else None,
        page=page,
    )


def _navigation(request: Request[Any, Any, Any]) -> bool:
    """A page the browser navigates to (not one of the page's own requests)."""
    return request.method == "GET" and request.headers.get(INBOX_HEADER) != "1"


def on_inbox_unauthorized(request: Request[Any, Any, Any], exc: Unauthorized) -> Response[Any]:
    """A page navigation without a valid session goes to the sign-in page; the page's
    own requests (with the inbox header) get the JSON error and redirect themselves."""
    if _navigation(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response: Response[Any] = Redirect(f"/inbox/login?next={quote(target)}", status_code=303)
        response.delete_cookie(INBOX_COOKIE, path="/")
        return response
    return handle_balcao_error(request, exc)


def on_inbox_not_found(request: Request[Any, Any, Any], exc: NotFound) -> Response[Any]:
    if _navigation(request):
        t = _translator(request)
        return Response(
            render("not_found.html", t=t, lang=t.language),
            status_code=404,
            media_type=MediaType.HTML,
        )
    return handle_balcao_error(request, exc)


class InboxController(Controller):
    path = "/inbox"
    include_in_schema = False
    exception_handlers = {Unauthorized: on_inbox_unauthorized, NotFound: on_inbox_not_found}

    @get("/login", exclude_from_auth=True)
    async def login_page(
        self, request: Request[Any, Any, Any], next: FromQuery[str] = ""
    ) -> Response[str]:
        t = _translator(request)
        return html("login.html", t=t, lang=t.language, error=None, next=_safe_next(next))

    @post("/login", exclude_from_auth=True, status_code=303)
    async def login(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        state: State,
        data: URLEncodedBody[LoginForm],
    ) -> Response[Any]:
        t = _translator(request)
        try:
            user = await auth.authenticate(db, data.email.strip(), data.password)
        except Unauthorized:
            return html(
                "login.html",
                status_code=401,
                t=t,
                lang=t.language,
                error=t("login.failed"),
                email=data.email,
                next=_safe_next(data.next),
            )
        principal_viewer = await load_viewer(db, _principal_of(user))
        response: Response[Any] = Redirect(_safe_next(data.next), status_code=303)
        response.set_cookie(_session_cookie(request, state, principal_viewer))
        return response

    @post("/logout", status_code=200)
    async def logout(self) -> Response[dict[str, str]]:
        response = Response({"redirect": "/inbox/login"})
        response.delete_cookie(INBOX_COOKIE, path="/")
        return response

    @post("/lang", status_code=200)
    async def set_language(self, data: JSONBody[Language]) -> Response[dict[str, str]]:
        lang = pick_language(data.lang)
        response = Response({"lang": lang})
        response.set_cookie(
            Cookie(key=LANG_COOKIE, value=lang, max_age=365 * 86400, path="/", samesite="lax")
        )
        return response

    @post("/me/availability", status_code=200)
    async def set_availability(
        self, db: Db, principal: Caller, data: JSONBody[Availability]
    ) -> dict[str, bool]:
        """Whether round robin may give this agent new conversations."""
        viewer = await load_viewer(db, principal)
        await db.execute(
            sa.update(m.User).where(m.User.id == viewer.user_id).values(is_available=data.available)
        )
        await db.commit()
        return {"available": data.available}

    @get("/")
    async def inbox(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        principal: Caller,
        state: State,
        status: FromQuery[QueueStatus] = "QUEUED",
        department: FromQuery[uuid.UUID | None] = None,
        mine: FromQuery[bool] = False,
        unassigned: FromQuery[bool] = False,
        tabulation: FromQuery[uuid.UUID | None] = None,
        q: FromQuery[SearchText] = None,
    ) -> Response[str]:
        f = _filter(status, department, mine, unassigned, tabulation, q, 1)
        return await self._page(request, db, principal, state, f, None)

    @get("/s/{session_id:uuid}")
    async def inbox_with_session(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        principal: Caller,
        state: State,
        session_id: FromPath[uuid.UUID],
        status: FromQuery[QueueStatus] = "QUEUED",
        department: FromQuery[uuid.UUID | None] = None,
        mine: FromQuery[bool] = False,
        unassigned: FromQuery[bool] = False,
        tabulation: FromQuery[uuid.UUID | None] = None,
        q: FromQuery[SearchText] = None,
    ) -> Response[str]:
        f = _filter(status, department, mine, unassigned, tabulation, q, 1)
        return await self._page(request, db, principal, state, f, session_id)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        principal: Caller,
        state: State,
        f: QueueFilter,
        session_id: uuid.UUID | None,
    ) -> Response[str]:
        viewer = await load_viewer(db, principal)
        opened = None
        if session_id is not None:
            opened = await conv.load_conversation(db, viewer, state.settings, session_id)
        context = await Page.context(
            request,
            state,
            viewer,
            section="inbox",
            conv=opened,
            **await _queue_context(db, viewer, f),
        )
        context["boot"]["sessionId"] = str(session_id) if session_id else None
        response = html("inbox.html", **context)
        # Sliding sign-in: each full page load renews the cookie's lifetime.
        response.set_cookie(_session_cookie(request, state, viewer))
        return response

    @get("/queue")
    async def queue_fragment(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        principal: Caller,
        state: State,
        status: FromQuery[QueueStatus] = "QUEUED",
        department: FromQuery[uuid.UUID | None] = None,
        mine: FromQuery[bool] = False,
        unassigned: FromQuery[bool] = False,
        tabulation: FromQuery[uuid.UUID | None] = None,
        q: FromQuery[SearchText] = None,
        page: FromQuery[PageNo] = 1,
        open: FromQuery[uuid.UUID | None] = None,
    ) -> Response[str]:
        """The queue's rows (one page; ``page`` > 1 for "load more")."""
        viewer = await load_viewer(db, principal)
        f = _filter(status, department, mine, unassigned, tabulation, q, page)
        rows, more = await queue_page(db, viewer, f)
        context = await Page.context(
            request, state, viewer, filter=f, rows=rows, more=more, open_id=open
        )
        return html("_queue_rows.html", **context)

    @get("/queue/counts")
    async def queue_counts_fragment(
        self,
        db: Db,
        principal: Caller,
        department: FromQuery[uuid.UUID | None] = None,
        mine: FromQuery[bool] = False,
        unassigned: FromQuery[bool] = False,
        tabulation: FromQuery[uuid.UUID | None] = None,
        q: FromQuery[SearchText] = None,
    ) -> dict[str, int]:
        viewer = await load_viewer(db, principal)
        f = _filter("ALL", department, mine, unassigned, tabulation, q, 1)
        return await queue_counts(db, viewer, f)

    @get("/queue/rows/{session_id:uuid}")
    async def queue_row(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        principal: Caller,
        state: State,
        session_id: FromPath[uuid.UUID],
        status: FromQuery[QueueStatus] = "QUEUED",
        department: FromQuery[uuid.UUID | None] = None,
        mine: FromQuery[bool] = False,
        unassigned: FromQuery[bool] = False,
        tabulation: FromQuery[uuid.UUID | None] = None,
        q: FromQuery[SearchText] = None,
        open: FromQuery[uuid.UUID | None] = None,
    ) -> Response[str]:
        """One session's row if it belongs in the queue as filtered, else 204."""
        viewer = await load_viewer(db, principal)
        f = _filter(status, department, mine, unassigned, tabulation, q, 1)
        rows, _ = await queue_page(db, viewer, f, only=session_id)
        if not rows:
            return Response("", status_code=HTTP_204_NO_CONTENT)
        context = await Page.context(request, state, viewer, filter=f, row=rows[0], open_id=open)
        return html("_queue_row.html", **context)

    @get("/s/{session_id:uuid}/pane")
    async def pane(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        principal: Caller,
        state: State,
        session_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        viewer = await load_viewer(db, principal)
        opened = await conv.load_conversation(db, viewer, state.settings, session_id)
        return html("_pane.html", **await Page.context(request, state, viewer, conv=opened))

    @get("/s/{session_id:uuid}/header")
    async def header(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        principal: Caller,
        state: State,
        session_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        viewer = await load_viewer(db, principal)
        opened = await conv.load_conversation(db, viewer, state.settings, session_id)
        context = await Page.context(request, state, viewer, conv=opened)
        return html("_header.html", **context)

    @get("/s/{session_id:uuid}/contact")
    async def contact_panel(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        principal: Caller,
        state: State,
        session_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        viewer = await load_viewer(db, principal)
        opened = await conv.load_conversation(db, viewer, state.settings, session_id)
        context = await Page.context(request, state, viewer, conv=opened)
        return html("_contact.html", **context)

    @get("/s/{session_id:uuid}/timeline")
    async def timeline_fragment(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        principal: Caller,
        state: State,
        session_id: FromPath[uuid.UUID],
        since: FromQuery[datetime | None] = None,
        before: FromQuery[datetime | None] = None,
    ) -> Response[str]:
        """Items from ``since`` on (live updates), or the page before ``before``."""
        viewer = await load_viewer(db, principal)
        await require(db, m.Session, session_id)
        items, has_older = await conv.timeline(
            db, session_id, since=_utc(since), before=_utc(before)
        )
        context = await Page.context(
            request, state, viewer, items=items, has_older=has_older, dividers=since is None
        )
        return html("_timeline.html", **context)

    @get("/m/{message_id:uuid}")
    async def message_fragment(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        principal: Caller,
        state: State,
        message_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        viewer = await load_viewer(db, principal)
        row = await require(db, m.Message, message_id)
        [view] = await conv.message_views(db, [row])
        context = await Page.context(request, state, viewer, message=view)
        return html("_message.html", **context)

    @get("/s/{session_id:uuid}/quick-replies")
    async def quick_replies_for(
        self, db: Db, principal: Caller, session_id: FromPath[uuid.UUID]
    ) -> list[dict[str, str]]:
        """The viewer's quick replies with this session's variables filled in."""
        viewer = await load_viewer(db, principal)
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
        scope = None if viewer.role.value == "ADMIN" else set(viewer.departments)
        return [
            {"shortcut": r.shortcut, "text": quick_replies.fill(r.content, values)}
            for r in await quick_replies.usable_by(db, scope)
        ]

    @get("/events")
    async def events(self, state: State, principal: Caller) -> Stream:
        """Live notices of the caller's organization (Server-Sent Events)."""
        broker: live.Broker = state.inbox_broker
        return Stream(
            _subscribed(broker, principal.organization_id),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @get("/dashboard")
    async def dashboard_page(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        principal: Caller,
        state: State,
        days: FromQuery[Days] = 14,
    ) -> Response[str]:
        viewer = await load_viewer(db, principal)
        t = _translator(request)
        data = await dashboard.load(
            db, viewer, state.settings.timezone, days, no_department=t("dash.no_department")
        )
        context = await Page.context(
            request, state, viewer, section="dashboard", dash=data, days=days
        )
        return html("dashboard.html", **context)

    @get("/settings")
    async def settings_page(
        self, request: Request[Any, Any, Any], db: Db, principal: Caller, state: State
    ) -> Response[str]:
        viewer = await load_viewer(db, principal)
        replies = await quick_replies.usable_by(db, None)
        departments = (await db.scalars(sa.select(m.Department).order_by(m.Department.name))).all()
        context = await Page.context(
            request,
            state,
            viewer,
            section="settings",
            replies=replies,
            departments=departments,
            variables=quick_replies.VARIABLES,
        )
        return html("settings.html", **context)


async def _subscribed(broker: live.Broker, organization_id: uuid.UUID) -> Any:
    with broker.subscribe(organization_id) as page:
        async for frame in live.stream(page):
            yield frame


def _utc(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _principal_of(user: m.User) -> Principal:
    return Principal(organization_id=user.organization_id, user_id=user.id, role=user.role)


@get("/", exclude_from_auth=True, include_in_schema=False, status_code=303)
async def root() -> Redirect:
    return Redirect("/inbox", status_code=303)
