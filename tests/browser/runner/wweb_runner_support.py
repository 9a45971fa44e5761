"""Helpers of the runner tests: a deadline poller, the runner as a task, and one
WHATSAPP_WEB connection seen through the API and the database."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient
from support.orgs import Org

from app.config import Settings
from providers.whatsapp_web.lookalike.testing import FAST_TIMINGS, NO_LIMITS
from runner.process import Runner
from runner.slots import RunnerOptions

T = TypeVar("T")
Client = AsyncTestClient[Litestar]
TEST_OPTIONS = RunnerOptions(
    timings=FAST_TIMINGS,
    limits=NO_LIMITS,
    restart_backoff_s=(0.2, 1.0),
    shutdown_grace_s=5.0,
    read_block_ms=200,
)


async def eventually(
    probe: Callable[[], Awaitable[T]], within_s: float = 20.0, every_s: float = 0.05
) -> T:
    """Poll until ``probe`` returns something truthy; fail with the last value seen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while True:
        value = await probe()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"not within {within_s} s; last value {value!r}")
        await asyncio.sleep(every_s)


class RunningRunner:
    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.task = asyncio.create_task(runner.run())

    async def stop(self) -> None:
        self.runner.request_stop()
        await asyncio.wait_for(self.task, 30)


StartRunner = Callable[..., Awaitable[RunningRunner]]  # (**settings changes)


class Web:
    """One WHATSAPP_WEB connection seen through the API and the database."""

    def __init__(self, client: Client, org: Org, settings: Settings, connection: dict[str, Any]):
        self.client = client
        self.org = org
        self.id: str = connection["id"]
        self.dsn = (settings.database_url or "").replace("postgresql+asyncpg://", "postgresql://")
        self.profile = settings.profiles_dir / self.id

    async def get(self, path: str = "") -> Any:
        response = await self.client.get(
            f"/api/v1/connections/{self.id}{path}", headers=self.org.headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def status_is(self, status: str) -> Any:
        state = await self.get("/status")
        return state if state["status"] == status else None

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.dsn)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    async def messages(self) -> list[asyncpg.Record]:
        return await self.fetch(
            "SELECT * FROM message WHERE connection_id = $1 ORDER BY created_at, id",
            uuid.UUID(self.id),
        )

    async def reply_row(self, to_message: asyncpg.Record, text: str) -> str:
        """An AI answer waiting for delivery, in the customer's session (what the
        responder stores before the delivery job sends it)."""
        rows = await self.fetch(
            """INSERT INTO message (organization_id, session_id, contact_id, connection_id,
                                    direction, author, type, content, status)
               VALUES ($1, $2, $3, $4, 'OUT', 'AI', 'TEXT', $5::jsonb, 'PENDING')
               RETURNING id""",
            to_message["organization_id"],
            to_message["session_id"],
            to_message["contact_id"],
            to_message["connection_id"],
            json.dumps({"text": text}),
        )
        return str(rows[0]["id"])
