"""Helpers for webhook tests: connections made through the API, posting fixtures, and
reading what ingest stored straight from the database."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from support.orgs import Org

PAYLOADS = Path(__file__).parents[1] / "fixtures" / "payloads"
WEBHOOK_PROVIDERS = ("evolution", "waha", "meta", "uazapi")
Client = AsyncTestClient[Litestar]


class Hook:
    """A connection and the path+query its provider must call."""

    def __init__(self, connection: dict[str, Any]) -> None:
        self.connection = connection
        self.id: str = connection["id"]
        url = urlsplit(connection["webhookUrl"])
        self.path = url.path
        self.url = f"{url.path}?{url.query}"


async def make_connection(
    client: Client, org: Org, provider: str, config: dict[str, str] | None = None, **extra: Any
) -> Hook:
    body = {
        "name": f"{provider} test",
        "provider": provider.upper(),
        "config": config or {},
        **extra,
    }
    response = await client.post("/api/v1/connections", json=body, headers=org.headers)
    assert response.status_code == 201, response.text
    return Hook(response.json())


def payload(provider: str, name: str) -> bytes:
    return (PAYLOADS / provider / name).read_bytes()


def expected(provider: str, name: str) -> list[dict[str, Any]]:
    data = json.loads((PAYLOADS / provider / name.replace(".json", ".expected.json")).read_text())
    return data if isinstance(data, list) else [data]


def fixture_names(provider: str) -> list[str]:
    return sorted(
        p.name
        for p in (PAYLOADS / provider).glob("*.json")
        if not p.name.endswith(".expected.json")
    )


async def post(
    client: Client, hook: Hook, body: bytes, headers: dict[str, str] | None = None
) -> Any:
    return await client.post(
        hook.url, content=body, headers={"content-type": "application/json", **(headers or {})}
    )


class Db:
    """Direct reads of what ingest wrote."""

    def __init__(self, url: str) -> None:
        self.dsn = url.replace("postgresql+asyncpg://", "postgresql://")

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.dsn)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    async def val(self, query: str, *args: Any) -> Any:
        rows = await self.fetch(query, *args)
        return rows[0][0] if rows else None

    async def message(self, provider_message_id: str) -> asyncpg.Record | None:
        rows = await self.fetch(
            """SELECT m.*, c.phone_number AS contact_phone, c.name AS contact_name,
                      s.status AS session_status, s.started_by, s.ai_blocked_until
               FROM message m JOIN contact c ON c.id = m.contact_id
               JOIN session s ON s.id = m.session_id
               WHERE m.provider_message_id = $1""",
            provider_message_id,
        )
        return rows[0] if rows else None

    async def outbox_drained(self) -> None:
        """The api enqueues a request's jobs just after answering it; wait for that."""
        for _ in range(500):
            if not await self.val("SELECT count(*) FROM outbox"):
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the outbox was not flushed")

    async def outbox_jobs(self) -> list[tuple[str, list[Any]]]:
        rows = await self.fetch("SELECT job, args FROM outbox ORDER BY id")
        return [(r["job"], json.loads(r["args"])) for r in rows]
