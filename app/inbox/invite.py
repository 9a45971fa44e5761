"""The invite page, /inbox/invite/<token>: the invitee (not signed in) chooses their
password and is signed in, with the inbox's own session cookie, straight into the
inbox. A link that does not open — unknown, used, expired, replaced — is a page saying
so (404 or 410), never a 500. The rules are app.auth.invites', shared with
POST /api/v1/auth/invites/{token}/accept."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect

from app.auth import invites
from app.auth.invites import InviteState
from app.auth.principal import Principal
from app.deps import Db, Shared
from app.inbox.render import html
from app.inbox.viewer import load_viewer
from app.inbox.web import InboxBase, session_cookie, translator

# As app.schemas.Password, the rule of every password.
PASSWORD_MIN, PASSWORD_MAX = 8, 1024
_STATUS = {InviteState.VALID: 200, InviteState.UNKNOWN: 404}  # the others: 410 Gone


class InviteForm(msgspec.Struct):
    password: str = ""
    confirm: str = ""


def _page(
    request: Request[Any, Any, Any], found: invites.InviteLookup, token: str, **extra: Any
) -> Response[str]:
    t = translator(request)
    status = extra.pop("status_code", _STATUS.get(found.state, 410))
    return html(
        "invite.html",
        status_code=status,
        t=t,
        lang=t.language,
        state=found.state.value,
        user=found.user,
        organization=found.organization_name,
        expires_at=found.expires_at,
        token=token,
        minimum=PASSWORD_MIN,
        error=extra.pop("error", None),
    )


def _password_problem(form: InviteForm) -> str | None:
    if not PASSWORD_MIN <= len(form.password) <= PASSWORD_MAX:
        return "invite.password_rule"
    if form.password != form.confirm:
        return "invite.password_mismatch"
    return None


class InviteController(InboxBase):
    @get("/invite/{token:str}", exclude_from_auth=True)
    async def invite_page(
        self, request: Request[Any, Any, Any], db: Db, token: FromPath[str]
    ) -> Response[str]:
        return _page(request, await invites.find_invite(db, token), token)

    @post("/invite/{token:str}", exclude_from_auth=True, status_code=303)
    async def accept(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        token: FromPath[str],
        data: URLEncodedBody[InviteForm],
    ) -> Response[Any]:
        problem = _password_problem(data)
        if problem is not None:
            found = await invites.find_invite(db, token)
            if found.state != InviteState.VALID:
                return _page(request, found, token)
            error = translator(request)(problem).format(minimum=PASSWORD_MIN)
            return _page(request, found, token, status_code=422, error=error)
        accepted = await invites.accept_invite(db, token, data.password)
        if isinstance(accepted, InviteState):
            return _page(request, await invites.find_invite(db, token), token)
        principal = Principal(
            organization_id=accepted.organization_id, user_id=accepted.id, role=accepted.role
        )
        response: Response[Any] = Redirect("/inbox", status_code=303)
        response.set_cookie(session_cookie(request, app_state, await load_viewer(db, principal)))
        return response
