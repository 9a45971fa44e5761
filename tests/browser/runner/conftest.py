"""Runner tests: the real runner as an asyncio task, real headless Chromium against the
look-alike, real PostgreSQL and Redis, connections made through the API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import msgspec
import pytest
from support.orgs import Org
from wweb_runner_support import TEST_OPTIONS, Client, RunningRunner, StartRunner, Web

from app.config import Settings
from providers.whatsapp_web.lookalike import LookalikeServer
from providers.whatsapp_web.lookalike.testing import FAST_LOOKALIKE
from runner.process import Runner


@pytest.fixture(scope="module")
async def lookalike() -> AsyncIterator[LookalikeServer]:
    async with LookalikeServer(FAST_LOOKALIKE) as server:
        yield server


@pytest.fixture
async def control(lookalike: LookalikeServer) -> AsyncIterator[httpx.AsyncClient]:
    lookalike.state.reset()
    async with httpx.AsyncClient(base_url=lookalike.base_url, timeout=30) as client:
        yield client


@pytest.fixture
def redis_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # The registry's adapter finds Redis the way it does in the worker: REDIS_URL.
    assert settings.redis_url
    monkeypatch.setenv("REDIS_URL", settings.redis_url)


@pytest.fixture
async def start_runner(settings: Settings) -> AsyncIterator[StartRunner]:
    started: list[RunningRunner] = []

    async def start(**changes: Any) -> RunningRunner:
        changed = msgspec.structs.replace(settings, **changes)
        running = RunningRunner(await Runner.open(changed, TEST_OPTIONS))
        started.append(running)
        return running

    yield start
    for running in started:
        if not running.task.done():
            await running.stop()


@pytest.fixture
def make_web(
    client: Client, org: Org, settings: Settings, lookalike: LookalikeServer
) -> Callable[[], Awaitable[Web]]:
    async def make() -> Web:
        body = {
            "name": "Loja WhatsApp",
            "provider": "WHATSAPP_WEB",
            "config": {"webUrl": lookalike.base_url},
        }
        response = await client.post("/api/v1/connections", json=body, headers=org.headers)
        assert response.status_code == 201, response.text
        return Web(client, org, settings, response.json())

    return make
