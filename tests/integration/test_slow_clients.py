"""Clients that hold the api's connections (slowloris), flood it with headers or announce
huge bodies, against the real HTTP server (uvicorn on a socket, the api's own protocol
with its limits shortened for the test): each is cut off with a 4xx, everyone else is
served meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from support.live import LiveServer
from support.orgs import Org

from app.httpguard import GuardedHttpToolsProtocol

HEAD_TIMEOUT = 0.5


class QuickGuard(GuardedHttpToolsProtocol):
    head_timeout = HEAD_TIMEOUT


@pytest.fixture
async def live(app: Litestar) -> AsyncIterator[LiveServer]:
    async with LiveServer(app, http=QuickGuard) as server:
        yield server


@contextlib.asynccontextmanager
async def connection(
    live: LiveServer,
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", live.port)
    try:
        yield reader, writer
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def answer(reader: asyncio.StreamReader, within: float = 5.0) -> tuple[int, Any]:
    """Status and JSON body of the next response."""
    async with asyncio.timeout(within):
        head = (await reader.readuntil(b"\r\n\r\n")).lower()
        length = int(head.split(b"content-length: ")[1].split(b"\r\n")[0])
        body = await reader.readexactly(length)
    return int(head.split(b" ", 2)[1]), json.loads(body) if body.startswith(b"{") else body


async def closed(reader: asyncio.StreamReader) -> bool:
    """The server closed the connection (after its answer)."""
    with contextlib.suppress(ConnectionError):
        return await asyncio.wait_for(reader.read(), 2) == b""
    return True


async def health(live: LiveServer) -> float:
    """Seconds a fresh client waits for /health."""
    started = time.monotonic()
    async with connection(live) as (reader, writer):
        writer.write(b"GET /health HTTP/1.1\r\nHost: api\r\nConnection: close\r\n\r\n")
        status, _ = await answer(reader)
    assert status == 200
    return time.monotonic() - started


async def test_a_connection_that_sends_nothing_is_closed(live: LiveServer) -> None:
    async with connection(live) as (reader, _):
        started = time.monotonic()
        status, body = await answer(reader)
        assert await closed(reader)
    assert (status, body["code"]) == (408, "request_timeout")
    assert HEAD_TIMEOUT <= time.monotonic() - started < HEAD_TIMEOUT + 2


async def test_slowloris_is_cut_off_while_others_are_served(live: LiveServer) -> None:
    async with connection(live) as (reader, writer):

        async def drip() -> None:
            with contextlib.suppress(ConnectionError):
                for byte in b"GET /health HTTP/1.1\r\nHost: api\r\nX-Slow: " + b"a" * 1000:
                    writer.write(bytes([byte]))
                    await writer.drain()
                    await asyncio.sleep(0.02)

        dripping = asyncio.create_task(drip())
        await asyncio.sleep(0.1)
        assert await health(live) < 1  # the dripping client holds nobody up
        status, body = await answer(reader)
        assert await closed(reader)
        dripping.cancel()
    assert (status, body["code"]) == (408, "request_timeout")
    assert await health(live) < 1


async def test_endless_headers_are_431(live: LiveServer) -> None:
    async with connection(live) as (reader, writer):
        writer.write(b"GET /health HTTP/1.1\r\nHost: api\r\n")
        with contextlib.suppress(ConnectionError):
            for _ in range(100):  # 100 KB of headers, never ended
                writer.write(b"X-Pad: " + b"a" * 1000 + b"\r\n")
                await writer.drain()
        status, body = await answer(reader)
        assert await closed(reader)
    assert (status, body["code"]) == (431, "headers_too_large")
    assert await health(live) < 1


async def test_a_slow_second_request_on_a_kept_alive_connection_is_cut_off(
    live: LiveServer,
) -> None:
    async with connection(live) as (reader, writer):
        writer.write(b"GET /health HTTP/1.1\r\nHost: api\r\n\r\n")
        assert (await answer(reader))[0] == 200
        writer.write(b"GET /health HTTP/1.1\r\nHo")  # and nothing more
        status, body = await answer(reader)
    assert (status, body["code"]) == (408, "request_timeout")


async def test_a_100_mb_body_is_refused_before_it_is_sent(live: LiveServer, org: Org) -> None:
    # The server answers from Content-Length alone: the client never sends the body, and
    # the server never buffers it.
    async with httpx.AsyncClient(base_url=live.url) as http:
        created = await http.post(
            "/api/v1/connections", json={"name": "Loja", "provider": "NATIVE"}, headers=org.headers
        )
    webhook = httpx.URL(created.json()["webhookUrl"])
    for path in (f"{webhook.path}?{webhook.query.decode()}", "/api/v1/contacts"):
        async with connection(live) as (reader, writer):
            writer.write(
                f"POST {path} HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"
                f"Authorization: Bearer {org.api_key}\r\n"
                f"Content-Length: {100 * 1024 * 1024}\r\n\r\n{{".encode()
            )
            status, body = await answer(reader)
        assert (status, body["code"]) == (413, "payload_too_large"), path
    assert await health(live) < 1


def test_the_api_command_runs_the_guarded_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from app.cli import cmd_api
    from app.config import Settings

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    monkeypatch.setattr("gc.set_threshold", lambda *args: None)
    monkeypatch.setattr("app.logs.configure_logging", lambda *args: None)
    cmd_api(Settings(log_json=False, log_level="WARNING"))
    assert seen["http"] is GuardedHttpToolsProtocol
