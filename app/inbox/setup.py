"""The first-run page (/inbox/setup): on a fresh install, the form that creates the
organization and its administrator through ``POST /api/v1/setup``, then signs the new
administrator in through the ordinary sign-in form. Once an organization exists it
only sends people to the sign-in page."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.response import Redirect

from app.deps import Db
from app.inbox.i18n import NAMES
from app.inbox.render import html
from app.inbox.web import InboxBase, translator
from app.setup.services import setup_needed


class FirstRunController(InboxBase):
    @get("/setup", exclude_from_auth=True)
    async def setup_page(self, request: Request[Any, Any, Any], db: Db) -> Response[Any]:
        if not await setup_needed(db):
            return Redirect("/inbox/login", status_code=303)
        t = translator(request)
        boot = {"lang": t.language, "strings": t.prefixed("firstrun.js.")}
        return html("setup.html", t=t, lang=t.language, languages=NAMES, boot=boot)
