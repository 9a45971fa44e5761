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

from arq.connections import ArqRedis, RedisSettings, create_pool
from chaos_kit import Processes
from world_fixtures import llm_api, native_api, world  # noqa: F401 (fixtures)

from app.config import Settings


@pytest.fixture
def crm_listening() -> bool:
    """No webhook subscription: real workers here would leave its retries queued."""
    return False


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
