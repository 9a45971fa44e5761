"""The api served over real HTTP (uvicorn in the test's event loop): for the clients
that cannot use the in-process transport — a browser, or a Server-Sent Events stream."""

from __future__ import annotations

import asyncio
import socket
from types import TracebackType
from typing import Any

import uvicorn
from litestar import Litestar


class LiveServer:
    def __init__(self, app: Litestar, **options: Any) -> None:
        self.app = app
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Bound by hand, it would get no TCP_NODELAY (asyncio sets it only on sockets it
        # makes): a response body would wait ~40 ms for the client's delayed ACK.
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app,
            lifespan="on",
            log_config=None,
            access_log=False,
            # Open event streams must not hold the test's shutdown for long.
            timeout_graceful_shutdown=1,
            **options,
        )
        self._server = uvicorn.Server(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> LiveServer:
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        for _ in range(1000):
            if self._server.started:
                return self
            if self._task.done():
                await self._task
            await asyncio.sleep(0.01)
        raise RuntimeError("the live server did not start")

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task
        self._socket.close()
