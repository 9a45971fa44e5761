"""The bot settings page (/inbox/settings/bot, administrators and supervisors): the
rules in order (drag, or ↑ ↓ on a phone), the rule editor with nested menus, and the
"testar uma mensagem" box.

The page is a shell with the words the script needs; the script reads and changes
rules only through /api/v1/bot-rules (and lists connections, departments, tabulations
and users through their endpoints) with the signed-in session, like any client."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from app.deps import Shared
from app.inbox.render import html
from app.inbox.settings_shell import SettingsBase, require_page, settings_context
from app.inbox.web import Me, translator


class BotSettingsController(SettingsBase):
    @get("/settings/bot")
    async def bot_settings(
        self, request: Request[Any, Any, Any], app_state: Shared, viewer: Me
    ) -> Response[str]:
        require_page(viewer, "bot")
        page = settings_context(request, app_state, viewer, "bot")
        page["boot"]["bot"] = translator(request).prefixed("bot.")
        return html("settings/bot.html", **page)
