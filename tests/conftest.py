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
from app.config import Settings

sys.path.insert(0, str(Path(__file__).parent))

from support.orgs import Org, make_org
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


@pytest.fixture
async def org(settings: Settings) -> Org:
    return await make_org(settings, "Padaria Centro", "admin@padaria.example")


@pytest.fixture
async def other_org(settings: Settings) -> Org:
    return await make_org(settings, "Outra Loja", "admin@outra.example")


def json_of(response: Any) -> Any:
    return msgspec.json.decode(response.content)
