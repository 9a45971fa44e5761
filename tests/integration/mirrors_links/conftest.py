from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

# tests/ has no __init__ files: reach the standins by path.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "standins"))

from affiliate_apis import AffiliateStandIn

from app.mirrors.links import LinkService


@pytest.fixture(scope="session")
async def web() -> AsyncIterator[AffiliateStandIn]:
    async with AffiliateStandIn() as standin:
        yield standin


@pytest.fixture
async def links(web: AffiliateStandIn) -> AsyncIterator[LinkService]:
    web.reset()
    async with web.client() as client:
        yield LinkService(client)
