from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.params import JSONBody

from app.ai import services
from app.ai.schemas import AiSettings, AiSettingsTest, AiSettingsUpdate
from app.auth.guards import admin_only
from app.deps import Caller, Db, Shared


class AiSettingsController(Controller):
    path = "/api/v1/ai/settings"
    tags = ["ai"]

    @get("/")
    async def get_settings(self, db: Db, principal: Caller, app_state: Shared) -> AiSettings:
        row = await services.get_row(db, principal.organization_id)
        return services.settings_out(services.candidate(row, None, app_state.settings))

    @put("/", guards=[admin_only])
    async def put_settings(
        self, db: Db, principal: Caller, app_state: Shared, data: JSONBody[AiSettingsUpdate]
    ) -> AiSettings:
        row = await services.record_settings(db, principal.organization_id, data)
        await db.commit()
        return services.settings_out(services.candidate(row, None, app_state.settings))

    @post("/test", guards=[admin_only], status_code=200)
    async def test_settings(
        self,
        db: Db,
        principal: Caller,
        app_state: Shared,
        data: JSONBody[AiSettingsUpdate | None] = None,
    ) -> AiSettingsTest:
        """A live call to the endpoint (models list, then a tiny chat completion) that says
        plainly what failed. With a body, the body's settings are tested unsaved."""
        row = await services.get_row(db, principal.organization_id)
        endpoint = services.candidate(row, data, app_state.settings)
        return await services.test_endpoint(endpoint)
