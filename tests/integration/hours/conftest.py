"""The responder tests here reuse the AI tests' World (stand-ins, webhooks, workers)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "ai"))

from world_fixtures import crm_listening, llm_api, native_api, world  # noqa: F401
