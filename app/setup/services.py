"""Whether the install still needs its first organization, and creating it exactly once."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.services import record_organization
from app.db.models import Organization
from app.errors import Conflict
from app.setup.schemas import SetupDone, SetupRequest

# pg_advisory_xact_lock key for the first run ("balc" in ASCII): two setups at the same
# moment queue on it, and the second then sees the first one's organization.
SETUP_LOCK = 0x62616C63


class AlreadySetUp(Conflict):
    """This Balcão already has an organization: sign in instead."""

    code = "already_set_up"


async def setup_needed(db: AsyncSession) -> bool:
    """True while no organization exists (a fresh install)."""
    exists = await db.scalar(sa.select(sa.exists().where(Organization.id.isnot(None))))
    return not exists


async def set_up(db: AsyncSession, data: SetupRequest) -> SetupDone:
    """The first organization and its administrator, committed; AlreadySetUp if any
    organization exists, also when another setup committed a moment earlier."""
    await db.execute(sa.select(sa.func.pg_advisory_xact_lock(SETUP_LOCK)))
    if not await setup_needed(db):
        raise AlreadySetUp()
    created = await record_organization(
        db,
        data.organization_name.strip(),
        data.admin_email.strip(),
        data.admin_password,
        admin_name=data.admin_name.strip(),
    )
    await db.commit()
    return SetupDone(organization_id=created.organization_id, admin_user_id=created.admin_user_id)
