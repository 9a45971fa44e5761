from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody

from app.deps import Db
from app.setup import services
from app.setup.schemas import SetupDone, SetupRequest, SetupStatus


class SetupController(Controller):
    """Public on purpose: on a fresh install nobody can sign in yet. It creates at most
    one organization, ever; afterwards POST answers 409 ``already_set_up``."""

    path = "/api/v1/setup"
    tags = ["setup"]

    @get("/", exclude_from_auth=True)
    async def status(self, db: Db) -> SetupStatus:
        return SetupStatus(needed=await services.setup_needed(db))

    @post("/", exclude_from_auth=True, status_code=201)
    async def set_up(self, db: Db, data: JSONBody[SetupRequest]) -> SetupDone:
        """The organization and its administrator (who then signs in with this email and
        password), only while no organization exists."""
        return await services.set_up(db, data)
