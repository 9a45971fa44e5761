from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

# tests/ has no __init__ files and pyproject stays untouched: reach the standins by path.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "standins"))

from openai_server import OpenAIStandin

from app.ai.llm import RetryPolicy

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "media"


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def expected() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "expected.json").read_text("utf-8"))
    return data


@pytest.fixture(scope="session")
def standin_server() -> Iterator[OpenAIStandin]:
    with OpenAIStandin() as server:
        yield server


@pytest.fixture
def standin(standin_server: OpenAIStandin) -> OpenAIStandin:
    standin_server.reset()
    return standin_server


@pytest.fixture
async def llm(standin: OpenAIStandin) -> AsyncIterator[openai.AsyncOpenAI]:
    async with standin.client() as client:
        yield client


@pytest.fixture
def fast_retry() -> RetryPolicy:
    return RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02, timeout=2.0)
