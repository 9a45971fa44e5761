"""Settings pages in a real browser: the api over HTTP, the real WhatsApp-Web runner
against the look-alike (its QR refreshing every 2 s so a refresh can be watched), real
PostgreSQL and Redis, and headless Chromium driven by Playwright."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "inbox"))
sys.path.insert(0, str(Path(__file__).parents[1] / "runner"))
sys.path.insert(0, str(Path(__file__).parents[2] / "integration" / "api"))

from support.live import LiveServer
from wweb_runner_support import TEST_OPTIONS, RunningRunner

from app.asgi import create_app
from app.config import Settings
from providers.whatsapp_web.lookalike import LookalikeServer
from providers.whatsapp_web.lookalike.state import LookalikeConfig
from runner.process import Runner

# Slow enough that each QR is seen, fast enough that a refresh comes within the test;
# many refs, so the page never gives up on pairing while the test looks.
REFRESHING_QR = LookalikeConfig(
    qr_first_interval_s=2.0, qr_interval_s=2.0, qr_max_refs=40, loading_ms=50, sent_ack_ms=30
)


@pytest.fixture
async def lookalike() -> AsyncIterator[LookalikeServer]:
    async with LookalikeServer(REFRESHING_QR) as server:
        yield server


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[LiveServer]:
    """The api alone on a real port (pages that need no runner)."""
    async with LiveServer(create_app(settings)) as server:
        yield server


@pytest.fixture
async def platform(settings: Settings) -> AsyncIterator[LiveServer]:
    """The api on a real port and the runner beside it (as `balcao run` starts them)."""
    running = RunningRunner(await Runner.open(settings, TEST_OPTIONS))
    try:
        async with LiveServer(create_app(settings)) as api:
            yield api
    finally:
        await running.stop()
