"""The automations page in real headless Chromium against the real api over HTTP, with
the mirror jobs run by hand (a frozen clock where it matters) and the Evolution send
API and the stores' short links as local stand-ins."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "inbox"))
sys.path.insert(0, str(Path(__file__).parents[2] / "integration" / "api"))
sys.path.insert(0, str(Path(__file__).parents[2] / "integration" / "mirrors"))
sys.path.insert(0, str(Path(__file__).parents[2] / "standins"))

from mirrorkit import deps, evolution_api, hook, links, redis, web  # noqa: F401 (fixtures)
from support.live import LiveServer

from app.asgi import create_app
from app.config import Settings


@pytest.fixture
async def live(settings: Settings) -> AsyncIterator[LiveServer]:
    async with LiveServer(create_app(settings)) as server:
        yield server
