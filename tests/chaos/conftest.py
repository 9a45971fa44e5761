"""The chaos tests' world: the AI tests' World (an organization with a NATIVE
connection pointed at the native send-API stand-in, the OpenAI stand-in as its model),
and real ``balcao`` processes started and killed by the tests (chaos_kit)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "ai"))
sys.path.insert(0, str(Path(__file__).parent))

from ai_harness import World
from arq.connections import ArqRedis, RedisSettings, create_pool
from chaos_kit import Processes
from standins.openai_server import OpenAIStandin
from standins.provider_apis import NativeStandIn
from support.orgs import Org
from support.webhooks import Client, Db, make_connection

from app.config import Settings
from app.db.engine import make_engine


@pytest.fixture(scope="module")
def native_api() -> Iterator[NativeStandIn]:
    with NativeStandIn() as standin:
        yield standin


@pytest.fixture(scope="module")
def llm_api() -> Iterator[OpenAIStandin]:
    with OpenAIStandin() as standin:
        yield standin


@pytest.fixture
async def world(
    client: Client, org: Org, settings: Settings, native_api: NativeStandIn, llm_api: OpenAIStandin
) -> AsyncIterator[World]:
    native_api.reset()
    llm_api.reset()
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=5)
    hook = await make_connection(client, org, "native", native_api.config)
    try:
        yield World(
            client=client,
            org=org,
            settings=settings,
            engine=engine,
            native=native_api,
            llm=llm_api,
            hook=hook,
            db=Db(settings.database_url),
        )
    finally:
        native_api.reset()  # releases a request a failed test left held
        llm_api.reset()
        await engine.dispose()


@pytest.fixture
def processes(settings: Settings, tmp_path: Path) -> Iterator[Processes]:
    started = Processes(settings, tmp_path / "data")
    try:
        yield started
    finally:
        started.stop_all()


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[ArqRedis]:
    assert settings.redis_url
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    try:
        yield pool
    finally:
        await pool.aclose()
