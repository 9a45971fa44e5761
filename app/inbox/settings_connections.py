"""The connections settings pages (administrators only): the list of numbers with their
live status, and one number's AI settings, provider settings and stats.

The pages only render what the database holds; every change (create, edit, delete)
and every live read (QR code, status, stats) is the page's script calling the public
API (/api/v1/connections, /api/v1/providers), as any other client would."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import sqlalchemy as sa
from litestar import Request, Response, get
from litestar.params import FromPath

from app.connections import services
from app.connections.catalog import provider_info
from app.db import models as m
from app.deps import Db, Shared
from app.groups.services import supports_groups
from app.inbox.render import html
from app.inbox.settings_shell import SettingsBase, require_page, settings_context
from app.inbox.viewer import Viewer
from app.inbox.web import Me, translator
from providers import registered
from providers.base import provisioner_of

# The "Grupos" card's words (its script reads them from the page's boot data).
_GROUP_TEXTS: dict[str, dict[str, str]] = {
    "pt-BR": {
        "title": "Grupos",
        "help": "Os grupos em que este número está, como o WhatsApp os listou por último.",
        "refresh": "Atualizar",
        "refreshing": "Atualizando a lista…",
        "empty": "Nenhum grupo listado ainda. Use Atualizar depois de conectar o número.",
        "one": "1 participante",
        "many": "{n} participantes",
        "error": "Não foi possível ler os grupos.",
    },
    "en": {
        "title": "Groups",
        "help": "The groups this number is in, as WhatsApp last listed them.",
        "refresh": "Refresh",
        "refreshing": "Refreshing the list…",
        "empty": "No groups listed yet. Use Refresh once the number is connected.",
        "one": "1 participant",
        "many": "{n} participants",
        "error": "The groups could not be read.",
    },
}


def _group_texts(request: Request[Any, Any, Any]) -> dict[str, str]:
    language = translator(request).language
    return _GROUP_TEXTS.get(language, _GROUP_TEXTS["pt-BR"])


def _page(
    request: Request[Any, Any, Any], app_state: Shared, viewer: Viewer, **extra: Any
) -> dict[str, Any]:
    page = settings_context(request, app_state, viewer, "connections", **extra)
    page["boot"]["conn"] = translator(request).prefixed("conn.")
    providers = registered()
    page["provider_names"] = {kind: provider_info(p).name for kind, p in providers.items()}
    # How each kind pairs (its row's QR or webhook button) and which ones the platform
    # provisions (their QR dialog can start pairing again).
    page["pairing"] = {kind: p.capabilities.pairing for kind, p in providers.items()}
    page["provisioned"] = {kind for kind, p in providers.items() if provisioner_of(p)}
    return page


async def _connections(db: Db, base_url: str) -> list[Any]:
    rows = await db.scalars(
        sa.select(m.Connection)
        .where(m.Connection.deleted_at.is_(None))
        .order_by(m.Connection.created_at)
    )
    return [services.connection_out(row, base_url) for row in rows]


class ConnectionsSettingsController(SettingsBase):
    @get("/settings/connections")
    async def connections_page(
        self, request: Request[Any, Any, Any], db: Db, app_state: Shared, viewer: Me
    ) -> Response[str]:
        require_page(viewer, "connections")
        connections = await _connections(db, app_state.settings.base_url)
        page = _page(request, app_state, viewer, connections=connections)
        return html("settings/connections.html", **page)

    @get("/settings/connections/{connection_id:uuid}")
    async def connection_page(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        viewer: Me,
        connection_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        require_page(viewer, "connections")
        row = await services.require_connection(db, connection_id)  # NotFound → 404 page
        base_url = app_state.settings.base_url
        connection = services.connection_out(row, base_url)
        others = [c for c in await _connections(db, base_url) if c.id != row.id]
        page = _page(request, app_state, viewer, connection=connection, others=others)
        page["boot"]["connection"] = msgspec.to_builtins(connection)
        page["groups"] = None
        if supports_groups(row.provider):
            page["groups"] = page["boot"]["groups"] = _group_texts(request)
        return html("settings/connection.html", **page)
