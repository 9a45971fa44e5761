"""Live updates for inbox pages: Server-Sent Events fed by Redis pub/sub.

Each api process holds ONE Redis subscription (the pattern of every organization's
channel, app.realtime) and fans each notice out to the open pages of that
organization, so every replica delivers every event whichever process caused it. A
notice is encoded into its SSE frame once and the same bytes go to every page.

A page that falls behind (its queue fills) is dropped; its browser reconnects by
itself and refreshes what it shows, as it does after a Redis outage (``resync``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Final

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from app import realtime

log = logging.getLogger("balcao.live")

QUEUE_SIZE: Final = 512
KEEPALIVE_SECONDS: Final = 20.0
RETRY_MS: Final = 3000
HELLO: Final = f"retry: {RETRY_MS}\nevent: hello\ndata: {{}}\n\n".encode()
RESYNC: Final = b"event: resync\ndata: {}\n\n"
PING: Final = b": ping\n\n"


class Broker:
    def __init__(self, redis_url: str) -> None:
        self._redis = Redis.from_url(redis_url, socket_keepalive=True)
        self._pages: dict[str, set[asyncio.Queue[bytes | None]]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.connected = asyncio.Event()

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen(), name="inbox-live-listen"),
            asyncio.create_task(self._keepalive(), name="inbox-live-keepalive"),
        ]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for pages in self._pages.values():
            for page in pages:
                _offer(page, None)
        await self._redis.aclose()

    @property
    def page_count(self) -> int:
        return sum(len(pages) for pages in self._pages.values())

    @contextlib.contextmanager
    def subscribe(self, organization_id: uuid.UUID) -> Iterator[asyncio.Queue[bytes | None]]:
        page: asyncio.Queue[bytes | None] = asyncio.Queue(QUEUE_SIZE)
        pages = self._pages.setdefault(str(organization_id), set())
        pages.add(page)
        try:
            yield page
        finally:
            pages.discard(page)
            if not pages:
                self._pages.pop(str(organization_id), None)

    def _fan_out(self, organization_id: str, frame: bytes) -> None:
        for page in tuple(self._pages.get(organization_id, ())):
            if not _offer(page, frame):
                # Too slow to keep up: end its stream; the browser reconnects and resyncs.
                self._pages[organization_id].discard(page)
                _drain_and_end(page)

    def _broadcast(self, frame: bytes) -> None:
        for organization_id in tuple(self._pages):
            self._fan_out(organization_id, frame)

    async def _listen(self) -> None:
        delay = 0.5
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.psubscribe(realtime.CHANNEL_PREFIX + "*")
                    self.connected.set()
                    # Whatever was published while we were away is lost: pages refetch.
                    self._broadcast(RESYNC)
                    delay = 0.5
                    await self._pump(pubsub)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                log.warning("live updates lost Redis; retrying", extra={"error": str(exc)})
            self.connected.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _pump(self, pubsub: PubSub) -> None:
        prefix = len(realtime.CHANNEL_PREFIX)
        async for message in _messages(pubsub):
            channel, data = message
            self._fan_out(channel[prefix:], b"data: " + data + b"\n\n")

    async def _keepalive(self) -> None:
        # Comments keep proxies from closing idle streams and reveal dead sockets.
        while True:
            await asyncio.sleep(KEEPALIVE_SECONDS)
            self._broadcast(PING)


async def _messages(pubsub: PubSub) -> AsyncIterator[tuple[str, bytes]]:
    async for message in pubsub.listen():
        if message.get("type") != "pmessage":
            continue
        channel = message["channel"]
        if isinstance(channel, bytes):
            channel = channel.decode()
        data = message["data"]
        yield channel, data if isinstance(data, bytes) else str(data).encode()


def _offer(page: asyncio.Queue[bytes | None], frame: bytes | None) -> bool:
    try:
        page.put_nowait(frame)
    except asyncio.QueueFull:
        return False
    return True


def _drain_and_end(page: asyncio.Queue[bytes | None]) -> None:
    while not page.empty():
        page.get_nowait()
    page.put_nowait(None)


async def stream(page: asyncio.Queue[bytes | None]) -> AsyncIterator[bytes]:
    """The SSE body of one page: hello, then frames until the broker ends it."""
    yield HELLO
    while (frame := await page.get()) is not None:
        yield frame
