"""Live updates over real HTTP: the event stream of one api replica hears what another
replica (or a worker) committed, through Redis pub/sub."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from apikit import Client, message, world
from litestar import Litestar
from support.live import LiveServer
from support.orgs import Org

from app.asgi import create_app
from app.config import Settings
from app.state import state_of


@pytest.fixture
async def replicas(settings: Settings) -> AsyncIterator[tuple[LiveServer, LiveServer]]:
    async with LiveServer(create_app(settings)) as one, LiveServer(create_app(settings)) as two:
        yield one, two


@asynccontextmanager
async def _signed_in(base_url: str, org: Org) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as browser:
        response = await browser.post(
            "/inbox/login", data={"email": org.email, "password": org.password}
        )
        assert response.status_code == 303, response.text
        yield browser


async def _frames(stream: httpx.Response) -> AsyncIterator[tuple[str, str]]:
    event, data = "message", ""
    async for line in stream.aiter_lines():
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            data = line.split(":", 1)[1].strip()
        elif line == "" and data:
            yield event, data
            event, data = "message", ""


async def test_a_page_on_one_replica_hears_a_message_sent_through_another(
    client: Client, settings: Settings, org: Org, replicas: tuple[LiveServer, LiveServer]
) -> None:
    one, two = replicas
    w = await world(client, settings, org)
    async with (
        _signed_in(one.url, org) as browser,
        browser.stream("GET", "/inbox/events") as stream,
    ):
        assert stream.headers["content-type"].startswith("text/event-stream")
        frames = _frames(stream)
        assert (await anext(frames))[0] == "hello"
        async with httpx.AsyncClient(base_url=two.url, headers=org.headers) as api:
            body = {"sessionId": w.session_id, "type": "TEXT", "author": "CUSTOMER",
                    "content": {"text": "oi, tudo bem?"}}  # fmt: skip
            sent = (await api.post("/api/v1/messages", json=body)).json()
        event, data = await anext(frames)
        assert event == "message"
        assert json.loads(data) == {
            "event": "message.created", "id": sent["id"], "sessionId": w.session_id
        }  # fmt: skip


async def test_the_stream_carries_only_the_callers_organization(
    client: Client,
    settings: Settings,
    org: Org,
    other_org: Org,
    replicas: tuple[LiveServer, LiveServer],
) -> None:
    one, _ = replicas
    theirs = await world(client, settings, other_org)
    mine = await world(client, settings, org)
    async with (
        _signed_in(one.url, org) as browser,
        browser.stream("GET", "/inbox/events") as stream,
    ):
        frames = _frames(stream)
        assert (await anext(frames))[0] == "hello"
        await message(client, other_org, theirs.session_id, "segredo deles")
        mine_sent = await message(client, org, mine.session_id, "meu")
        _, data = await anext(frames)
        # Their message was published first; the first notice this page gets is ours.
        assert json.loads(data)["id"] == mine_sent["id"]


async def test_the_stream_needs_a_signed_in_user(replicas: tuple[LiveServer, LiveServer]) -> None:
    one, _ = replicas
    async with httpx.AsyncClient(base_url=one.url) as anonymous:
        response = await anonymous.get("/inbox/events", headers={"X-Balcao-Inbox": "1"})
    assert response.status_code == 401


async def test_the_broker_counts_and_forgets_pages(app: Litestar) -> None:
    async with LiveServer(app) as server:
        broker = state_of(app.state).inbox_broker
        await broker.connected.wait()
        assert broker.page_count == 0
    assert server.port > 0
