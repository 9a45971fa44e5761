"""The campaigns page (/inbox/campaigns, administrators and supervisors: API.md "Web app
pages" (S)): the list, the step-by-step create/edit form and one campaign's live
progress and report.

The pages are shells with the words and ids the script needs; the script reads and
acts only through /api/v1/campaigns (and contact lists, connections, media, holidays)
with the signed-in session, as any other client would."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath

from app.db import models as m
from app.deps import Db, Shared
from app.errors import Forbidden
from app.inbox.render import html
from app.inbox.settings_shell import SettingsBase
from app.inbox.viewer import Viewer
from app.inbox.web import Me, context, translator
from app.organization import services as organization
from app.records import require


def _require_manager(viewer: Viewer) -> None:
    if not viewer.manages:
        raise Forbidden("Your role cannot open the campaigns page.", code="forbidden")


async def _page(
    request: Request[Any, Any, Any],
    db: Db,
    app_state: Shared,
    viewer: Viewer,
    view: str,
    **extra: Any,
) -> dict[str, Any]:
    page = context(request, app_state, viewer, section="campaigns", view=view, **extra)
    org = await organization.require_organization(db, viewer.principal.organization_id)
    page["boot"]["camp"] = translator(request).prefixed("camp.")
    page["boot"]["view"] = view
    page["boot"]["campaignId"] = str(extra["campaign_id"]) if extra.get("campaign_id") else None
    # A new campaign's clock is the organization's (Settings → Organização).
    page["boot"]["timezone"] = org.timezone
    return page


class CampaignsPageController(SettingsBase):
    @get("/campaigns")
    async def campaigns_list(
        self, request: Request[Any, Any, Any], db: Db, app_state: Shared, viewer: Me
    ) -> Response[str]:
        _require_manager(viewer)
        return html("campaigns/list.html", **await _page(request, db, app_state, viewer, "list"))

    @get("/campaigns/new")
    async def campaign_new(
        self, request: Request[Any, Any, Any], db: Db, app_state: Shared, viewer: Me
    ) -> Response[str]:
        _require_manager(viewer)
        return html("campaigns/form.html", **await _page(request, db, app_state, viewer, "form"))

    @get("/campaigns/{campaign_id:uuid}/edit")
    async def campaign_edit(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        viewer: Me,
        campaign_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        _require_manager(viewer)
        await require(db, m.Campaign, campaign_id)  # the 404 page
        page = await _page(request, db, app_state, viewer, "form", campaign_id=campaign_id)
        return html("campaigns/form.html", **page)

    @get("/campaigns/{campaign_id:uuid}")
    async def campaign_detail(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        viewer: Me,
        campaign_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        _require_manager(viewer)
        row = await require(db, m.Campaign, campaign_id)
        page = await _page(
            request, db, app_state, viewer, "detail", campaign_id=campaign_id, name=row.name
        )
        return html("campaigns/detail.html", **page)
