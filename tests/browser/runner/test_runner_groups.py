"""Groups through the runner, end to end: a participant's message in a WhatsApp-Web
group is stored as the group's (with its participant) and lists the group at once; the
sync job asks the runner, which reads the page's groups into connection_group, so the
groups API lists them; a post to a group through POST /api/v1/messages is delivered by
the real delivery job into that group chat on the page."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from arq import create_pool
from arq.connections import RedisSettings
from test_runner import _connected, _when
from wweb_runner_support import StartRunner, Web, eventually

from app.config import Settings
from workers.config import load_job_config
from workers.context import CONTEXT_KEY, build_context
from workers.deliver import deliver_message
from workers.groups import sync_connection_groups

ANA = "5511987654321"
MakeWeb = Callable[[], Awaitable[Web]]
pytestmark = pytest.mark.usefixtures("redis_env")


@pytest.fixture
async def worker_ctx(settings: Settings) -> AsyncIterator[dict[str, Any]]:
    assert settings.redis_url
    redis = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    deps = build_context(settings, load_job_config())
    try:
        yield {CONTEXT_KEY: deps, "redis": redis, "job_try": 1}
    finally:
        await deps.aclose()
        await redis.aclose()


async def test_groups_are_listed_read_and_posted_to_through_the_runner(
    make_web: MakeWeb,
    start_runner: StartRunner,
    control: httpx.AsyncClient,
    worker_ctx: dict[str, Any],
) -> None:
    await start_runner()
    web = await make_web()
    await _connected(web, control)
    members = [{"phone": ANA, "name": "Ana"}]
    for key, subject in (("120363025746281234", "Ofertas Centro"), ("120363041122334455", "VIP")):
        body = {"key": key, "subject": subject, "participants": members}
        (await control.post("/_control/group", json=body)).raise_for_status()
    body = {"group": "Ofertas Centro", "from": ANA, "name": "Ana", "text": "Chegou o fone?"}
    (await control.post("/_control/group-message", json=body)).raise_for_status()

    rows = await eventually(lambda: _when(web.messages(), lambda r: len(r) == 1))
    assert rows[0]["participant"] == f"{ANA}@c.us" and rows[0]["author"] == "CUSTOMER"
    identity = await web.fetch(
        "SELECT kind, value FROM contact_identity WHERE contact_id = $1", rows[0]["contact_id"]
    )
    assert [tuple(i) for i in identity] == [("group", "group:Ofertas Centro")]

    # The group a message came from is listed at once; the full listing adds the rest.
    noted = await eventually(lambda: _when(web.get("/groups"), lambda g: len(g) == 1))
    assert noted == [{"id": "group:Ofertas Centro", "name": "Ofertas Centro", "participants": 0}]
    assert await sync_connection_groups(worker_ctx, web.id) == "requested"
    listed = await eventually(lambda: _when(web.get("/groups"), lambda g: len(g) == 2))
    assert listed == [
        {"id": "group:Ofertas Centro", "name": "Ofertas Centro", "participants": 0},
        {"id": "group:VIP", "name": "VIP", "participants": 0},
    ]

    post = {
        "connectionId": web.id,
        "groupId": "group:VIP",
        "type": "TEXT",
        "author": "BUSINESS",
        "content": {"text": "Promoção relâmpago hoje às 18h"},
    }
    response = await web.client.post("/api/v1/messages", json=post, headers=web.org.headers)
    assert response.status_code == 201, response.text
    message_id = response.json()["id"]
    assert (await deliver_message(worker_ctx, message_id)).startswith("SENT")
    sent = (await control.get("/_control/sent")).json()
    assert [(s["to"], s["text"]) for s in sent] == [
        ("120363041122334455", "Promoção relâmpago hoje às 18h")
    ]
    stored = await web.fetch(
        "SELECT status, provider_message_id FROM message WHERE id = $1", uuid.UUID(message_id)
    )
    assert stored[0]["status"] == "SENT" and stored[0]["provider_message_id"] == sent[0]["id"]
