"""Team chat live over real HTTP: a page signed in on one api replica hears, over its
event stream, a team message posted through another replica — a notice with ids only
(the message and its channel), never its text — and then the read mark."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from apikit import Client
from support.live import LiveServer
from support.orgs import Org
from teamkit import TEAM, Person, department_channel, team

from app.asgi import create_app
from app.config import Settings


@pytest.fixture
async def replicas(settings: Settings) -> AsyncIterator[tuple[LiveServer, LiveServer]]:
    async with LiveServer(create_app(settings)) as one, LiveServer(create_app(settings)) as two:
        yield one, two


@asynccontextmanager
async def _signed_in(base_url: str, who: Person) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as browser:
        form = {"email": who.email, "password": "senha-forte-123"}
        response = await browser.post("/inbox/login", data=form)
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


async def test_a_team_message_reaches_the_open_pages_of_the_channel(
    client: Client, org: Org, replicas: tuple[LiveServer, LiveServer]
) -> None:
    one, two = replicas
    t = await team(client, org)
    suporte = await department_channel(client, t.agent, t.suporte)
    async with (
        _signed_in(one.url, t.supervisor) as page,
        page.stream("GET", "/inbox/events") as stream,
    ):
        frames = _frames(stream)
        assert (await anext(frames))[0] == "hello"
        async with httpx.AsyncClient(base_url=two.url, headers=t.agent.headers) as api:
            body = {"text": "segredo da equipe"}
            sent = (await api.post(f"{TEAM}/channels/{suporte}/messages", json=body)).json()
        event, data = await anext(frames)
        assert event == "message"
        assert json.loads(data) == {
            "event": "team.message.created", "id": sent["id"], "channelId": suporte
        }  # fmt: skip
        assert "segredo" not in data
        # The page fetches what the notice names: the count it shows moves.
        counts = (await page.get(f"{TEAM}/unread", headers={"X-Balcao-Inbox": "1"})).json()
        assert counts["total"] == 1

        read = await page.post(f"{TEAM}/channels/{suporte}/read", headers={"X-Balcao-Inbox": "1"})
        assert read.status_code == 200, read.text
        assert read.json()["unreadTotal"] == 0
        _, data = await anext(frames)
        assert json.loads(data) == {
            "event": "team.channel.read",
            "id": suporte,
            "channelId": suporte,
        }
