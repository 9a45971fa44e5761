"""Adding a provider is one folder: ACME (tests/fixtures/provider_plugin/acme, not in the
wheel, named nowhere in the platform) is loaded by ``BALCAO_PROVIDERS=acme`` into a real
api process and a real worker process. A connection of that kind is created and receives
a webhook through the HTTP API; the AI's reply goes out through ACME's sender to a local
stand-in of its send API and is stored SENT with ACME's id."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from standins.openai_server import OpenAIStandin, Reply
from standins.provider_apis import FailureKind, Recorded, StandIn
from standins.provider_apis import Reply as ApiReply
from support.orgs import Org
from support.webhooks import Db

from app.config import Settings
from app.devstack import free_port

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ROOT / "tests" / "fixtures" / "provider_plugin"
PAYLOADS = PLUGINS / "acme" / "payloads"
ANSWER = "Entregamos sim, até as 18h!"


class AcmeStandIn(StandIn):
    """ACME's send API: ``POST /v1/messages`` with ``Authorization: Bearer <token>``,
    answered ``{"id": "acme-out-<hex>"}`` (401 for another token)."""

    path = "/v1/messages"
    token = "acme-secret-token"

    @property
    def config(self) -> dict[str, Any]:
        return {"sendUrl": self.base_url + self.path, "token": self.token}

    def failure(self, kind: FailureKind, retry_after: float | None) -> ApiReply:
        return ApiReply(429 if kind == "rate_limited" else 500, {"error": kind})

    def handle(self, request: Recorded) -> ApiReply:
        if request.method != "POST" or request.path != self.path:
            return ApiReply(404, {"error": "not found"})
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return ApiReply(401, {"error": "bad token"})
        return ApiReply(200, {"id": f"acme-out-{secrets.token_hex(6)}"})


@pytest.fixture
def acme_api() -> Iterator[AcmeStandIn]:
    with AcmeStandIn() as standin:
        yield standin


@pytest.fixture
def llm_api() -> Iterator[OpenAIStandin]:
    with OpenAIStandin() as standin:
        yield standin


@pytest.fixture
def env(settings: Settings, tmp_path: Path) -> dict[str, str]:
    """What `balcao api` and the worker read: the test's PostgreSQL and Redis, ACME on
    the path and named in BALCAO_PROVIDERS, no typing pause, short bursts."""
    assert settings.database_url and settings.redis_url
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": os.pathsep.join([str(PLUGINS), str(ROOT)]),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "BALCAO_PROVIDERS": "acme",
        "BALCAO_SECRET_KEY": settings.secret_key,
        "BALCAO_DATA_DIR": str(tmp_path / "data"),
        "BALCAO_HOST": "127.0.0.1",
        "BALCAO_PORT": str(free_port()),
        "BALCAO_LOG_LEVEL": "WARNING",
        "BALCAO_LOG_JSON": "false",
        "BALCAO_MERGE_CONCAT_OVERRIDE": "0.3",
        "BALCAO_DELIVERY_TYPING_MS_PER_CHAR": "0",
    }


async def _start(env: dict[str, str], cwd: Path, command: str) -> asyncio.subprocess.Process:
    """``balcao <command>`` in a process of its own, in a folder without a .env."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", command, env=env, cwd=cwd
    )


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except TimeoutError:
            proc.kill()
            await proc.wait()


@pytest.fixture
async def api(env: dict[str, str], tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    proc = await _start(env, tmp_path, "api")
    base = f"http://127.0.0.1:{env['BALCAO_PORT']}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            await _ready(client, proc)
            yield client
    finally:
        await _stop(proc)


@pytest.fixture
async def worker(env: dict[str, str], tmp_path: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """The real arq worker (workers.settings.WorkerSettings with its own on_startup)."""
    proc = await _start(env, tmp_path, "worker")
    try:
        yield proc
    finally:
        await _stop(proc)


async def _ready(client: httpx.AsyncClient, proc: asyncio.subprocess.Process) -> None:
    for _ in range(600):
        if proc.returncode is not None:
            raise AssertionError(f"the api exited with {proc.returncode}")
        try:
            if (await client.get("/ready")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError("the api did not become ready")


async def _reply(db: Db, connection_id: str, worker: asyncio.subprocess.Process) -> Any:
    """The outbound message once it is no longer PENDING (the worker answers in seconds)."""
    for _ in range(1200):
        assert worker.returncode is None, "the worker exited"
        rows = await db.fetch(
            "SELECT id, author, status, provider_message_id FROM message"
            " WHERE direction = 'OUT' AND connection_id = $1::uuid AND status <> 'PENDING'",
            uuid.UUID(connection_id),
        )
        if rows:
            return rows
        await asyncio.sleep(0.05)
    raise AssertionError("no reply was delivered")


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def test_a_provider_from_outside_the_tree_receives_and_replies(
    api: httpx.AsyncClient,
    worker: asyncio.subprocess.Process,
    org: Org,
    env: dict[str, str],
    acme_api: AcmeStandIn,
    llm_api: OpenAIStandin,
) -> None:
    headers = org.headers
    llm = {"provider": "CUSTOM", "baseUrl": llm_api.base_url, "chatModel": "standin-chat"}
    await _ok(await api.put("/api/v1/ai/settings", json={**llm, "apiKey": "sk"}, headers=headers))
    body = {"name": "ACME", "provider": "ACME", "config": acme_api.config}
    connection = await _ok(await api.post("/api/v1/connections", json=body, headers=headers), 201)
    assert connection["provider"] == "ACME"
    assert connection["config"] == {"sendUrl": acme_api.config["sendUrl"]}  # the token: never
    assert connection["configuredSecrets"] == ["token"]
    hook = httpx.URL(connection["webhookUrl"])
    assert hook.path == f"/api/v1/webhooks/acme/{connection['id']}"

    inbound = (PAYLOADS / "message.json").read_bytes()
    wrong = await api.post(hook.path, params={"token": "nope"}, content=inbound)
    assert (wrong.status_code, wrong.json()["code"]) == (401, "invalid_signature")
    llm_api.queue("chat", Reply(text=ANSWER))
    stored = await api.post(f"{hook.path}?{hook.query.decode()}", content=inbound)
    assert await _ok(stored) == {"accepted": 1, "duplicates": 0}

    db = Db(env["DATABASE_URL"])
    [customer] = await db.fetch(
        "SELECT m.author, c.phone_number FROM message m JOIN contact c ON c.id = m.contact_id"
        " WHERE m.provider_message_id = 'acme-in-0001'"
    )
    assert (customer["author"], customer["phone_number"]) == ("CUSTOMER", "5511987654321")
    [reply] = await _reply(db, connection["id"], worker)
    [sent] = acme_api.requests
    assert sent.json == {"to": "5511987654321", "text": ANSWER, "reference": str(reply["id"])}
    assert (reply["author"], reply["status"]) == ("AI", "SENT")
    assert reply["provider_message_id"] == sent.reply["id"]
    assert "Oi! Vocês entregam hoje?" in json.dumps(llm_api.last("chat").json, ensure_ascii=False)

    # ACME's ack for our reply travels the same webhook path.
    ack = {"event": "status", "id": sent.reply["id"], "status": "delivered", "to": "5511987654321"}
    await _ok(await api.post(f"{hook.path}?{hook.query.decode()}", json=ack))
    assert await db.val("SELECT status FROM message WHERE id = $1", reply["id"]) == "DELIVERED"
