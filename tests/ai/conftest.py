"""The AI tests' fixtures (tests/ai/world_fixtures.py)."""

from __future__ import annotations

from world_fixtures import crm_listening, llm_api, native_api, world  # noqa: F401 (fixtures)
