"""Signing in and out of the inbox, and the user's own preferences."""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromQuery, JSONBody, URLEncodedBody
from litestar.response import Redirect

from app.auth import services as auth
from app.auth.principal import INBOX_COOKIE, Principal
from app.db import models as m
from app.deps import Db, Shared
from app.errors import Unauthorized
from app.inbox.i18n import LANG_COOKIE, pick_language
from app.inbox.render import html
from app.inbox.viewer import load_viewer
from app.inbox.web import InboxBase, Me, session_cookie, translator
from app.setup.services import setup_needed


class LoginForm(msgspec.Struct):
    email: str = ""
    password: str = ""
    next: str = ""


class Language(msgspec.Struct):
    lang: str


class Availability(msgspec.Struct):
    available: bool


def safe_next(target: str | None) -> str:
    """Only our own inbox paths (no open redirect to another site)."""
    if target and target.startswith("/inbox") and not target.startswith("//"):
        return target
    return "/inbox"


class SignInController(InboxBase):
    @get("/login", exclude_from_auth=True)
    async def login_page(
        self, request: Request[Any, Any, Any], db: Db, next: FromQuery[str] = ""
    ) -> Response[Any]:
        if await setup_needed(db):  # a fresh install: nobody to sign in yet
            return Redirect("/inbox/setup", status_code=303)
        t = translator(request)
        return html("login.html", t=t, lang=t.language, error=None, next=safe_next(next))

    @post("/login", exclude_from_auth=True, status_code=303)
    async def login(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        data: URLEncodedBody[LoginForm],
    ) -> Response[Any]:
        try:
            user = await auth.authenticate(db, data.email.strip(), data.password)
        except Unauthorized:
            t = translator(request)
            return html(
                "login.html",
                status_code=401,
                t=t,
                lang=t.language,
                error=t("login.failed"),
                email=data.email,
                next=safe_next(data.next),
            )
        principal = Principal(organization_id=user.organization_id, user_id=user.id, role=user.role)
        response: Response[Any] = Redirect(safe_next(data.next), status_code=303)
        response.set_cookie(session_cookie(request, app_state, await load_viewer(db, principal)))
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
        self, db: Db, viewer: Me, data: JSONBody[Availability]
    ) -> dict[str, bool]:
        """Whether round robin may give this agent new conversations."""
        await db.execute(
            sa.update(m.User).where(m.User.id == viewer.user_id).values(is_available=data.available)
        )
        await db.commit()
        return {"available": data.available}


@get("/", exclude_from_auth=True, include_in_schema=False, status_code=303)
async def root() -> Redirect:
    return Redirect("/inbox", status_code=303)
