"""Organizations for tests, created the way `balcao org create` does."""

from __future__ import annotations

import msgspec

from app.auth.schemas import OrganizationCreated
from app.auth.services import record_organization
from app.config import Settings
from app.db.engine import make_engine, make_sessionmaker


class Org(msgspec.Struct):
    id: str
    admin_id: str
    api_key: str
    email: str
    password: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


async def make_org(
    settings: Settings, name: str, email: str, password: str = "senha-forte-123"
) -> Org:
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as db:
            created: OrganizationCreated = await record_organization(db, name, email, password)
            await db.commit()
    finally:
        await engine.dispose()
    return Org(
        id=str(created.organization_id),
        admin_id=str(created.admin_user_id),
        api_key=created.api_key,
        email=email,
        password=password,
    )
