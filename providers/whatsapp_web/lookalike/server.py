"""Run the look-alike with uvicorn in the current event loop, on a free local port."""

from __future__ import annotations

import asyncio
import socket
from types import TracebackType

import uvicorn

from providers.whatsapp_web.lookalike.app import create_lookalike_app, lookalike_state_of
from providers.whatsapp_web.lookalike.state import LookalikeConfig, LookalikeState


class LookalikeServer:
    """``async with LookalikeServer(config) as server:`` → ``server.base_url``."""

    def __init__(self, config: LookalikeConfig | None = None, host: str = "127.0.0.1") -> None:
        self.app = create_lookalike_app(config)
        self.host = host
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def state(self) -> LookalikeState:
        return lookalike_state_of(self.app)

    async def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app, log_level="warning", lifespan="on", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._serve(sock))
        while not self._server.started:
            if self._task.done():
                await self._task
            await asyncio.sleep(0.01)

    async def _serve(self, sock: socket.socket) -> None:
        assert self._server is not None
        try:
            await self._server.serve(sockets=[sock])
        finally:
            sock.close()

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self.state.close()
        self._server.should_exit = True
        await self._task
        self._server = self._task = None

    async def __aenter__(self) -> LookalikeServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


def run_lookalike(
    config: LookalikeConfig | None = None, host: str = "127.0.0.1", port: int = 8099
) -> None:
    """Blocking entry point for demos: ``python -m providers.whatsapp_web.lookalike``."""
    uvicorn.run(create_lookalike_app(config), host=host, port=port, log_level="info")
