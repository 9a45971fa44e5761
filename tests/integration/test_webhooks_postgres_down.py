"""With PostgreSQL stopped, a webhook is never answered 2xx: it gets 503 with
``Retry-After`` (the provider retries), ``/ready`` names the database, and everything
recovers by itself once PostgreSQL is back — the retried delivery is stored once."""

from __future__ import annotations

import asyncio
from typing import Any

from support.orgs import Org
from support.stack import Stack
from support.webhooks import Client, Db, make_connection, post
from test_webhooks import native


async def _until_stored(client: Client, hook: Any, body: bytes) -> dict[str, Any]:
    # The pools hold connections to the stopped server; each is found dead on first use
    # and replaced, so the first retries may still see 503.
    for _ in range(50):
        response = await post(client, hook, body)
        if response.status_code == 200:
            result: dict[str, Any] = response.json()
            return result
        assert response.status_code == 503, response.text
        await asyncio.sleep(0.1)
    raise AssertionError("the webhook never recovered after PostgreSQL came back")


async def test_webhooks_answer_503_while_postgres_is_down(
    client: Client, org: Org, settings: Any, stack: Stack
) -> None:
    hook = await make_connection(client, org, "native", {"sendUrl": "http://127.0.0.1:9/"})
    db = Db(settings.database_url)
    assert (await post(client, hook, native("before"))).status_code == 200
    stack.pg.stop()
    try:
        for _ in range(3):
            response = await post(client, hook, native("during"))
            assert response.status_code == 503, response.text
            assert response.headers["retry-after"].isdigit()
            assert response.json()["code"] == "database_unavailable"
        ready = await client.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["postgres"] != "ok"
        assert ready.json()["redis"] == "ok"
    finally:
        stack.pg.start()
    assert await _until_stored(client, hook, native("during")) == {"accepted": 1, "duplicates": 0}
    assert (await post(client, hook, native("during"))).json() == {"accepted": 0, "duplicates": 1}
    assert (await client.get("/ready")).status_code == 200
    assert await db.val("SELECT count(*) FROM message") == 2


async def test_api_answers_503_while_postgres_is_down(
    client: Client, org: Org, stack: Stack
) -> None:
    stack.pg.stop()
    try:
        response = await client.get("/api/v1/contacts", headers=org.headers)
    finally:
        stack.pg.start()
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "database_unavailable"
    assert response.headers["retry-after"].isdigit()
