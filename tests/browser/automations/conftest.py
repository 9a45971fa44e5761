"""The automations page in real headless Chromium against the real api over HTTP, with
the mirror jobs run by hand (a frozen clock where it matters) and the Evolution send
API and the stores' short links as local stand-ins."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "inbox"))
sys.path.insert(0, str(Path(__file__).parents[2] / "integration" / "api"))
sys.path.insert(0, str(Path(__file__).parents[2] / "integration" / "mirrors"))
sys.path.insert(0, str(Path(__file__).parents[2] / "standins"))
sys.path.insert(0, str(Path(__file__).parents[1] / "runner"))

from mirrorkit import deps, evolution_api, hook, links, redis, web  # noqa: F401 (fixtures)
from support.live import LiveServer

from app.asgi import create_app
from app.config import Settings

# The runner tests' fixtures (look-alike, runner, a WHATSAPP_WEB connection), reused:
# their conftest is loaded under a name of its own so it does not shadow this one.
_spec = importlib.util.spec_from_file_location(
    "runner_conftest", Path(__file__).parents[1] / "runner" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_runner = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_runner)
lookalike = _runner.lookalike
control = _runner.control
redis_env = _runner.redis_env
start_runner = _runner.start_runner
make_web = _runner.make_web


@pytest.fixture
async def live(settings: Settings) -> AsyncIterator[LiveServer]:
    async with LiveServer(create_app(settings)) as server:
        yield server
