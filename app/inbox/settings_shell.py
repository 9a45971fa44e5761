"""The settings shell: which settings pages exist and who may open them (API.md "Web
app pages": administrators all, supervisors the (S) ones, agents and viewers none),
the index at /inbox/settings, the quick replies page, and the 403 page a forbidden
settings page answers with.

A settings page's controller derives from ``SettingsBase`` and starts with
``require_page(viewer, "<slug>")``; the index lists a page only once it is in ``PAGES``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from litestar import MediaType, Request, Response, get

from app.db import models as m
from app.db.enums import Role
from app.deps import Db, Shared
from app.errors import Forbidden, handle_balcao_error
from app.inbox.render import PAGE_HEADERS, html, render
from app.inbox.viewer import Viewer
from app.inbox.web import InboxBase, Me, _navigation, context, translator
from app.quick_replies import services as quick_replies


@dataclass(frozen=True, slots=True)
class SettingsPage:
    slug: str
    supervisors: bool  # the (S) of API.md: supervisors may open it too

    @property
    def path(self) -> str:
        return f"/inbox/settings/{self.slug}"

    def opens_for(self, role: Role) -> bool:
        return role == Role.ADMIN or (self.supervisors and role == Role.SUPERVISOR)


# In the index's order. AI, knowledge, hours, bot and webhooks join as they are built.
PAGES: tuple[SettingsPage, ...] = (
    SettingsPage("organization", supervisors=False),
    SettingsPage("connections", supervisors=False),
    SettingsPage("hours", supervisors=False),
    SettingsPage("ai", supervisors=False),
    SettingsPage("knowledge", supervisors=False),
    SettingsPage("team", supervisors=True),
    SettingsPage("tabulations", supervisors=True),
    SettingsPage("quick-replies", supervisors=True),
    SettingsPage("bot", supervisors=True),
    SettingsPage("webhooks", supervisors=False),
)
_BY_SLUG = {p.slug: p for p in PAGES}


def pages_for(viewer: Viewer) -> list[SettingsPage]:
    return [p for p in PAGES if p.opens_for(viewer.role)]


def require_page(viewer: Viewer, slug: str) -> None:
    """403 unless the viewer's role may open the settings page ``slug`` (the index is
    ``""``: anyone who may open at least one page)."""
    allowed = bool(pages_for(viewer)) if slug == "" else _BY_SLUG[slug].opens_for(viewer.role)
    if not allowed:
        raise Forbidden("Your role cannot open this settings page.", code="forbidden")


def on_forbidden(request: Request[Any, Any, Any], exc: Forbidden) -> Response[Any]:
    """A page navigation gets the 403 page (never a redirect: the viewer is signed in,
    sending them to sign in again would loop); the page's own requests the JSON error."""
    if _navigation(request):
        t = translator(request)
        return Response(
            render("settings/forbidden.html", t=t, lang=t.language),
            status_code=403,
            media_type=MediaType.HTML,
            headers=PAGE_HEADERS,
        )
    return handle_balcao_error(request, exc)


class SettingsBase(InboxBase):
    exception_handlers = {**InboxBase.exception_handlers, Forbidden: on_forbidden}


def settings_context(
    request: Request[Any, Any, Any], app_state: Any, viewer: Viewer, slug: str, **extra: Any
) -> dict[str, Any]:
    """The common context of a settings page: the pages the viewer may open (the
    sub-navigation) and which one this is."""
    return context(
        request,
        app_state,
        viewer,
        section="settings",
        settings_pages=pages_for(viewer),
        settings_current=slug,
        **extra,
    )


class SettingsShellController(SettingsBase):
    @get("/settings")
    async def settings_index(
        self, request: Request[Any, Any, Any], app_state: Shared, viewer: Me
    ) -> Response[str]:
        require_page(viewer, "")
        return html("settings/index.html", **settings_context(request, app_state, viewer, ""))

    @get("/settings/quick-replies")
    async def quick_replies_page(
        self, request: Request[Any, Any, Any], db: Db, app_state: Shared, viewer: Me
    ) -> Response[str]:
        require_page(viewer, "quick-replies")
        departments = (await db.scalars(sa.select(m.Department).order_by(m.Department.name))).all()
        page = settings_context(
            request,
            app_state,
            viewer,
            "quick-replies",
            replies=await quick_replies.usable_by(db, None),
            departments=departments,
            variables=quick_replies.VARIABLES,
        )
        return html("settings/quick_replies.html", **page)
