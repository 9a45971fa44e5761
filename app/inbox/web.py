"""What every inbox handler shares: the signed-in viewer and the queue filter as
dependencies, the templates' common context, and the error pages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, MediaType, Request, Response
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect

from app.auth.principal import INBOX_COOKIE, INBOX_HEADER, INBOX_TOKEN_KIND
from app.auth.security import issue_token
from app.deps import Caller, Db
from app.errors import NotFound, Unauthorized, handle_balcao_error
from app.inbox.i18n import LANG_COOKIE, NAMES, Translator, pick_language
from app.inbox.queue import QueueFilter, QueueStatus
from app.inbox.render import Clock, render
from app.inbox.viewer import Viewer, load_viewer
from app.state import AppState

SearchText = Annotated[str | None, QueryParameter(max_length=200)]
PageNo = Annotated[int, QueryParameter(ge=1, le=10_000)]


def translator(request: Request[Any, Any, Any]) -> Translator:
    return Translator(pick_language(request.cookies.get(LANG_COOKIE)))


async def provide_viewer(db: Db, principal: Caller) -> Viewer:
    return await load_viewer(db, principal)


async def provide_queue_filter(
    status: FromQuery[QueueStatus] = "QUEUED",
    department: FromQuery[uuid.UUID | None] = None,
    mine: FromQuery[bool] = False,
    unassigned: FromQuery[bool] = False,
    tabulation: FromQuery[uuid.UUID | None] = None,
    q: FromQuery[SearchText] = None,
    page: FromQuery[PageNo] = 1,
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


Me = NamedDependency[Viewer]
Filter = NamedDependency[QueueFilter]


def context(
    request: Request[Any, Any, Any], app_state: AppState, viewer: Viewer, **extra: Any
) -> dict[str, Any]:
    """What every inbox template gets, and the page script's boot data."""
    t = translator(request)
    return {
        "t": t,
        "lang": t.language,
        "languages": NAMES,
        "viewer": viewer,
        "clock": Clock(app_state.settings.timezone),
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


def session_cookie(request: Request[Any, Any, Any], app_state: AppState, viewer: Viewer) -> Cookie:
    """The inbox's sign-in: an HttpOnly cookie with a short-lived token of its own kind
    (it is not accepted as a Bearer token)."""
    settings = app_state.settings
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


def _navigation(request: Request[Any, Any, Any]) -> bool:
    """A page the browser navigates to (not one of the page's own requests)."""
    return request.method == "GET" and request.headers.get(INBOX_HEADER) != "1"


def on_unauthorized(request: Request[Any, Any, Any], exc: Unauthorized) -> Response[Any]:
    """A page navigation without a valid session goes to the sign-in page; the page's
    own requests (with the inbox header) get the JSON error and redirect themselves."""
    if _navigation(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response: Response[Any] = Redirect(f"/inbox/login?next={quote(target)}", status_code=303)
        response.delete_cookie(INBOX_COOKIE, path="/")
        return response
    return handle_balcao_error(request, exc)


def on_not_found(request: Request[Any, Any, Any], exc: NotFound) -> Response[Any]:
    if _navigation(request):
        t = translator(request)
        return Response(
            render("not_found.html", t=t, lang=t.language),
            status_code=404,
            media_type=MediaType.HTML,
        )
    return handle_balcao_error(request, exc)


class InboxBase(Controller):
    path = "/inbox"
    include_in_schema = False
    exception_handlers = {Unauthorized: on_unauthorized, NotFound: on_not_found}
    dependencies = {
        "viewer": Provide(provide_viewer),
        "queue_filter": Provide(provide_queue_filter),
    }
