"""The team chat page (/inbox/team): the channel list, one thread, a composer — two
screens on a phone. Agents, supervisors and administrators; a viewer gets the 403 page
(README "Team chat").

The page is a shell with the words and ids its script needs; the script reads and
writes only through /api/v1/team with the signed-in session, as any other client would,
and follows the realtime notices (team.message.created, team.channel.read) that the
inbox's one event stream brings."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get
from litestar.params import FromQuery

from app.deps import Shared
from app.errors import Forbidden
from app.inbox.render import html
from app.inbox.settings_shell import SettingsBase
from app.inbox.viewer import Viewer
from app.inbox.web import Me, context, translator
from app.teamchat.access import CHATTERS
from app.teamchat.schemas import TEXT_LIMIT


def _require_chatter(viewer: Viewer) -> None:
    if viewer.role not in CHATTERS:
        raise Forbidden("Your role cannot open team chat.", code="team_users_only")


class TeamPageController(SettingsBase):
    @get("/team")
    async def team(
        self,
        request: Request[Any, Any, Any],
        app_state: Shared,
        viewer: Me,
        channel: FromQuery[uuid.UUID | None] = None,
    ) -> Response[str]:
        _require_chatter(viewer)
        page = context(request, app_state, viewer, section="teamchat", text_limit=TEXT_LIMIT)
        page["boot"]["tchat"] = translator(request).prefixed("tchat.")
        page["boot"]["channel"] = str(channel) if channel else None
        page["boot"]["timezone"] = app_state.settings.timezone  # times as the server shows them
        return html("team.html", **page)
