"""The AI and knowledge settings pages (administrators only): the organization's LLM
endpoint with the provider picker and the live test, and the knowledge documents with
upload, delete and "try a question".

The pages only render what the database holds; every change and every live call
(saving, the live test, uploading, deleting, searching) is the page's script calling
the public API (/api/v1/ai/..., /api/v1/knowledge), as any other client would. The API
key is never rendered: the page only knows whether one is set."""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from litestar import Request, Response, get

from app.ai import services as ai
from app.ai.presets import BY_PROVIDER
from app.db import models as m
from app.deps import Caller, Db, Shared
from app.inbox.render import html
from app.inbox.settings_shell import SettingsBase, require_page, settings_context
from app.inbox.viewer import Viewer
from app.inbox.web import Me, translator
from app.knowledge import services as knowledge

# The page lists the newest documents; an organization with more pages through the API.
DOCUMENTS_SHOWN = 200


def human_size(size: int) -> str:
    """As settings_knowledge.js's size(): "820 B", "14 KB", "2.4 MB", "20 MB"."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".") + " MB"


def _form(row: m.AiSettings | None, effective: Any) -> dict[str, Any]:
    """What the form starts with: the organization's own settings, or the OpenAI
    preset (nothing is saved until Save)."""
    if row is not None and effective.source == "organization":
        return {
            "provider": effective.provider.value,
            "baseUrl": effective.base_url or "",
            "chatModel": effective.chat_model or "",
            "visionModel": effective.vision_model or "",
            "transcriptionModel": effective.transcription_model or "",
            "temperature": effective.temperature,
        }
    preset = BY_PROVIDER["OPENAI"]
    return {
        "provider": preset.provider,
        "baseUrl": preset.base_url or "",
        "chatModel": preset.chat_models[0],
        "visionModel": preset.vision_models[0],
        "transcriptionModel": preset.transcription_models[0],
        "temperature": 0.3,
    }


def _page(
    request: Request[Any, Any, Any], app_state: Shared, viewer: Viewer, slug: str, **extra: Any
) -> dict[str, Any]:
    page = settings_context(request, app_state, viewer, slug, **extra)
    t = translator(request)
    page["boot"]["aiset"] = t.prefixed("aiset.")
    page["boot"]["know"] = t.prefixed("know.")
    return page


class AiSettingsPageController(SettingsBase):
    @get("/settings/ai")
    async def ai_page(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        principal: Caller,
        app_state: Shared,
        viewer: Me,
    ) -> Response[str]:
        require_page(viewer, "ai")
        row = await ai.get_row(db, principal.organization_id)
        effective = ai.settings_out(ai.candidate(row, None, app_state.settings))
        presets = ai.presets_out()
        form = _form(row, effective)
        key_set = bool(row is not None and row.api_key)
        page = _page(
            request,
            app_state,
            viewer,
            "ai",
            effective=effective,
            presets=presets,
            form=form,
            key_set=key_set,
        )
        page["boot"]["presets"] = msgspec.to_builtins(presets)
        page["boot"]["form"] = form
        page["boot"]["keySet"] = key_set
        return html("settings/ai.html", **page)

    @get("/settings/knowledge")
    async def knowledge_page(
        self, request: Request[Any, Any, Any], db: Db, app_state: Shared, viewer: Me
    ) -> Response[str]:
        require_page(viewer, "knowledge")
        documents = (
            await db.scalars(
                sa.select(m.KnowledgeDocument)
                .order_by(m.KnowledgeDocument.created_at.desc(), m.KnowledgeDocument.id)
                .limit(DOCUMENTS_SHOWN)
            )
        ).all()
        page = _page(
            request,
            app_state,
            viewer,
            "knowledge",
            documents=documents,
            chunks=await knowledge.chunk_counts(db, [d.id for d in documents]),
            human_size=human_size,
            max_size=human_size(knowledge.MAX_BYTES),
        )
        page["boot"]["maxBytes"] = knowledge.MAX_BYTES
        page["boot"]["timezone"] = app_state.settings.timezone
        return html("settings/knowledge.html", **page)
