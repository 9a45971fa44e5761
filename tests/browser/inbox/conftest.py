"""Inbox browser tests: the real api on two replicas over HTTP (uvicorn), a real arq
worker delivering replies to the native send stand-in, and real headless Chromium
driven by Playwright."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "integration" / "api"))

from apikit import Client, department, ok, tabulation, user
from inbox_browser_kit import AGENT_EMAIL, Shop, delivering
from standins.provider_apis import NativeStandIn
from support.live import LiveServer
from support.orgs import Org
from support.webhooks import make_connection

from app.asgi import create_app
from app.config import Settings


@pytest.fixture
async def shop(client: Client, settings: Settings, org: Org) -> AsyncIterator[Shop]:
    support = await department(client, org, "Suporte", requiresTabulation=True)
    resolved = await tabulation(client, org, "Resolvido", backgroundColor="#16a34a")
    agent_id, _ = await user(client, org, "AGENT", AGENT_EMAIL, [support["id"]])
    await ok(
        await client.patch(
            f"/api/v1/users/{agent_id}", json={"name": "Ana Lima"}, headers=org.headers
        )
    )
    with NativeStandIn() as native:
        hook = await make_connection(client, org, "native", native.config)
        async with (
            LiveServer(create_app(settings)) as one,
            LiveServer(create_app(settings)) as two,
            delivering(settings),
        ):
            yield Shop(
                client, org, one, two, native, hook.url, support["id"], resolved["id"], agent_id
            )
