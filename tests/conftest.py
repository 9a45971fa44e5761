from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.auth.schemas import OrganizationCreated
from app.auth.services import record_organization
from app.config import Settings
from app.db.engine import make_engine, make_sessionmaker

sys.path.insert(0, str(Path(__file__).parent))

from support.stack import Stack

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    started = Stack.start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
async def database(stack: Stack) -> AsyncIterator[str]:
    name = await stack.create_database()
    await stack.flush_redis()
    try:
        yield stack.pg.url(name)
    finally:
        await stack.drop_database(name)


@pytest.fixture
def settings(stack: Stack, database: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database,
        redis_url=stack.redis_url,
        secret_key="test-secret-key-" + "x" * 32,
        data_path=str(tmp_path / "data"),
        log_json=False,
        log_level="WARNING",
    )


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app) as test_client:
        yield test_client


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


@pytest.fixture
async def org(settings: Settings) -> Org:
    return await make_org(settings, "Padaria Centro", "admin@padaria.example")


@pytest.fixture
async def other_org(settings: Settings) -> Org:
    return await make_org(settings, "Outra Loja", "admin@outra.example")


def json_of(response: Any) -> Any:
    return msgspec.json.decode(response.content)
