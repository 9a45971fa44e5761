"""The automations page (/inbox/automations, administrators and supervisors): group
mirrors — the list, the rules editor, the live feed of posts (original → rewritten,
where each went) and the stats.

The page is a shell with the words and ids the script needs; the script reads and acts
only through /api/v1/mirrors (and connections, and a connection's groups) with the
signed-in session, as any other client would."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from app.deps import Shared
from app.errors import Forbidden
from app.inbox.render import html
from app.inbox.settings_shell import SettingsBase
from app.inbox.viewer import Viewer
from app.inbox.web import Me, context, translator


def _require_manager(viewer: Viewer) -> None:
    if not viewer.manages:
        raise Forbidden("Your role cannot open the automations page.", code="forbidden")


class AutomationsPageController(SettingsBase):
    @get("/automations")
    async def automations(
        self, request: Request[Any, Any, Any], app_state: Shared, viewer: Me
    ) -> Response[str]:
        _require_manager(viewer)
        page = context(request, app_state, viewer, section="automations")
        page["boot"]["auto"] = translator(request).prefixed("auto.")
        return html("automations.html", **page)
