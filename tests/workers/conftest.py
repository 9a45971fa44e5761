from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from arq.connections import ArqRedis, RedisSettings, create_pool
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.db.engine import make_engine

# tests/ has no __init__ files: reach the standins and helpers by path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "media"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "standins"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from openai_server import OpenAIStandin
from worker_harness import Workers


@pytest.fixture(scope="session")
def standin_server() -> Iterator[OpenAIStandin]:
    with OpenAIStandin() as server:
        yield server


@pytest.fixture
def standin(standin_server: OpenAIStandin) -> OpenAIStandin:
    standin_server.reset()
    return standin_server


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=5)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def arq(settings: Settings) -> AsyncIterator[ArqRedis]:
    assert settings.redis_url
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    try:
        yield pool
    finally:
        await pool.aclose()


@pytest.fixture
def workers(settings: Settings) -> Workers:
    return Workers(settings)
