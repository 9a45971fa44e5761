"""What the inbox browser tests share: a shop (an organization with a native connection,
a department, an agent, two api replicas over HTTP and a delivering worker), signing in
in a real browser, and screenshots (test-artifacts/inbox/)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from arq import Worker, func
from playwright.async_api import Browser, BrowserContext, Page

sys.path.insert(0, str(Path(__file__).parents[2] / "integration" / "api"))

from apikit import Client, ok
from standins.provider_apis import NativeStandIn
from support.live import LiveServer
from support.orgs import Org

from app.config import Settings
from app.db.engine import make_engine
from workers.config import JobConfig
from workers.context import CONTEXT_KEY, build_context
from workers.deliver import deliver_message
from workers.settings import worker_redis_settings

ARTIFACTS = Path(__file__).parents[3] / "test-artifacts" / "inbox"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
AGENT_EMAIL = "ana@padaria.example"
_ids = itertools.count(1)
FAST_DELIVERY = JobConfig(typing_ms_per_char=0, delivery_tries=2, delivery_backoff=0.05,
                          chat_rate=1000, chat_burst=100, connection_rate=1000,
                          connection_burst=100)  # fmt: skip


@dataclass
class Shop:
    """An organization with a native connection, a department that requires a
    tabulation to close, an agent in it, and two api replicas."""

    client: Client
    org: Org
    one: LiveServer
    two: LiveServer
    native: NativeStandIn
    hook_url: str
    department_id: str
    tabulation_id: str
    agent_id: str

    async def customer_says(
        self, text: str, phone: str = "5511987654321", name: str = "Mariana Souza"
    ) -> None:
        event = {"event": "message", "messageId": f"wa-{next(_ids)}-{time.monotonic_ns()}",
                 "from": phone, "name": name, "timestamp": int(time.time()), "fromMe": False,
                 "type": "text", "text": text}  # fmt: skip
        body = json.dumps(event).encode()
        signature = hmac.new(self.native.secret.encode(), body, hashlib.sha256).hexdigest()
        async with httpx.AsyncClient(base_url=self.one.url) as http:
            response = await http.post(
                self.hook_url,
                content=body,
                headers={
                    "content-type": "application/json",
                    "x-balcao-signature": f"sha256={signature}",
                },
            )
        assert response.status_code == 200, response.text

    async def queue_for_humans(self, phone: str = "5511987654321") -> str:
        """The customer's open session, handed to the department's queue (as the AI does)."""
        headers = self.org.headers
        contact = await ok(
            await self.client.get(f"/api/v1/contacts/by-phone/{phone}", headers=headers)
        )
        sessions = await ok(
            await self.client.get(f"/api/v1/sessions?contactId={contact['id']}", headers=headers)
        )
        [session] = [s for s in sessions["data"] if s["status"] != "CLOSED"]
        path = f"/api/v1/sessions/{session['id']}"
        body = {"departmentId": self.department_id, "autoAssign": False}
        await ok(await self.client.post(f"{path}/assign", json=body, headers=headers))
        await ok(
            await self.client.patch(f"{path}/status", json={"status": "QUEUED"}, headers=headers)
        )
        return str(session["id"])


class delivering:
    """A real arq worker running deliver_message in the background."""

    def __init__(self, settings: Settings) -> None:
        assert settings.database_url and settings.redis_url
        self.engine = make_engine(settings.database_url, pool_size=2)
        self.context = build_context(settings, FAST_DELIVERY, engine=self.engine)
        self.worker = Worker(
            functions=[func(deliver_message, name="deliver_message", max_tries=20)],
            redis_settings=worker_redis_settings(settings.redis_url),
            burst=False, poll_delay=0.05, handle_signals=False, ctx={CONTEXT_KEY: self.context},
            max_jobs=10, log_results=False,
        )  # fmt: skip
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> delivering:
        self.task = asyncio.create_task(self.worker.async_run())
        return self

    async def __aexit__(self, *exc: Any) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            await self.worker.close()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        await self.context.aclose()
        await self.engine.dispose()


async def signed_in(
    browser: Browser, base_url: str, email: str, password: str = "senha-forte-123",
    viewport: dict[str, int] = DESKTOP, path: str = "/inbox",
) -> tuple[BrowserContext, Page]:  # fmt: skip
    context = await browser.new_context(viewport=viewport, locale="pt-BR", base_url=base_url)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors  # type: ignore[attr-defined]
    await page.goto(path)
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_selector("#live[data-state=online]")
    return context, page


async def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
