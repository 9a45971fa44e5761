import sys
from pathlib import Path

# The AI tests' World (webhooks, real workers, the LLM and provider stand-ins) and the
# API tests' builders.
sys.path.insert(0, str(Path(__file__).parents[2] / "ai"))
sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "inbox"))

from world_fixtures import crm_listening, llm_api, native_api, world  # noqa: F401 (fixtures)
