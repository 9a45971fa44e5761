"""The e2e tests' world: the native send-API and OpenAI stand-ins, an organization with
a NATIVE connection pointed at them (the AI tests' World, reused)."""

import sys
from pathlib import Path

# The AI tests' world (stand-ins, webhook helpers) is reused here.
sys.path.insert(0, str(Path(__file__).parents[1] / "ai"))

import pytest
from world_fixtures import llm_api, native_api, world  # noqa: F401 (fixtures)


@pytest.fixture
def crm_listening() -> bool:
    """No webhook subscription: the real arq workers here would POST its deliveries and
    leave their retries queued, so a burst-mode worker would never find the queue empty."""
    return False
