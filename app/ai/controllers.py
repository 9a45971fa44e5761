"""The AI's settings: the organization's OpenAI-compatible endpoint (API.md "AI"), the
provider presets the settings page pre-fills from, and the live test."""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.params import JSONBody

from app.ai import live_test, services
from app.ai.schemas import AiPreset, AiSettings, AiSettingsTest, AiSettingsUpdate
from app.auth.guards import admin_only
from app.deps import Caller, Db, Shared


class AiSettingsController(Controller):
    path = "/api/v1/ai"
    tags = ["ai"]

    @get("/settings")
    async def get_settings(self, db: Db, principal: Caller, app_state: Shared) -> AiSettings:
        row = await services.get_row(db, principal.organization_id)
        return services.settings_out(services.candidate(row, None, app_state.settings))

    @put("/settings", guards=[admin_only])
    async def put_settings(
        self, db: Db, principal: Caller, app_state: Shared, data: JSONBody[AiSettingsUpdate]
    ) -> AiSettings:
        row = await services.record_settings(db, principal.organization_id, data)
        await db.commit()
        return services.settings_out(services.candidate(row, None, app_state.settings))

    @post("/settings/test", guards=[admin_only], status_code=200)
    async def test_settings(
        self,
        db: Db,
        principal: Caller,
        app_state: Shared,
        data: JSONBody[AiSettingsUpdate | None] = None,
    ) -> AiSettingsTest:
        """A live call to the endpoint (models list, then one tiny call per configured
        model: chat, vision, transcription) that says plainly what failed, model by
        model. With a body, the body's settings are tested unsaved."""
        row = await services.get_row(db, principal.organization_id)
        endpoint = services.candidate(row, data, app_state.settings)
        return await live_test.test_endpoint(endpoint)

    @get("/providers")
    async def list_providers(self) -> list[AiPreset]:
        """The providers the settings offer, each with its documented base URL and
        model names (what the settings page pre-fills when one is picked)."""
        return services.presets_out()
