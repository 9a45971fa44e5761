"""A raw asyncio HTTP/1.1 server for download tests: each route writes whatever bytes it
likes, so tests can lie about Content-Length, drip bodies or never finish them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

Handler = Callable[[asyncio.StreamWriter], Awaitable[None]]


@dataclass
class Hit:
    path: str
    headers: dict[str, str]


@dataclass
class TinyServer:
    routes: dict[str, Handler] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *lines = head.decode("latin-1").split("\r\n")
            path = request_line.split(" ")[1]
            headers = dict(
                (name.strip().lower(), value.strip())
                for name, _, value in (line.partition(":") for line in lines if line)
            )
            self.hits.append(Hit(path, headers))
            handler = self.routes.get(path, not_found)
            with contextlib.suppress(ConnectionError):
                await handler(writer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            self._tasks.discard(task)


def response(status: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


def static(body: bytes, content_type: str = "application/octet-stream", **extra: str) -> Handler:
    async def handler(writer: asyncio.StreamWriter) -> None:
        headers = {"Content-Type": content_type, "Content-Length": str(len(body)), **extra}
        writer.write(response("200 OK", headers, body))

    return handler


def redirect(location: str, status: str = "302 Found") -> Handler:
    async def handler(writer: asyncio.StreamWriter) -> None:
        writer.write(response(status, {"Location": location, "Content-Length": "0"}))

    return handler


async def not_found(writer: asyncio.StreamWriter) -> None:
    writer.write(response("404 Not Found", {"Content-Length": "0"}))
