from __future__ import annotations

from litestar import Controller, get, patch
from litestar.params import JSONBody

from app.auth.guards import admin_only
from app.deps import Caller, Db
from app.organization import services
from app.organization.schemas import Organization, OrganizationUpdate


class OrganizationController(Controller):
    """The caller's own organization: everyone in it reads it, administrators (and API
    keys, which act as one) change it."""

    path = "/api/v1/organization"
    tags = ["organization"]

    @get("/")
    async def get_organization(self, db: Db, principal: Caller) -> Organization:
        row = await services.require_organization(db, principal.organization_id)
        return services.organization_out(row)

    @patch("/", guards=[admin_only])
    async def update_organization(
        self, db: Db, principal: Caller, data: JSONBody[OrganizationUpdate]
    ) -> Organization:
        """Any of ``name``, ``timezone`` (IANA), ``holidaySubdivision`` (a state's
        two-letter code, null for national holidays only) and ``optOutMessage`` (null
        or blank: the built-in ``optOutMessageDefault``)."""
        row = await services.record_changes(db, principal, data)
        return services.organization_out(row)
