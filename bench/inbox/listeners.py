"""Many live listeners in one process, for bench/inbox: raw sockets (no HTTP or Redis
library in the way), so the client's own cost stays small next to what is measured.

    python -m bench.inbox.listeners sse   HOST PORT COOKIE COUNT
    python -m bench.inbox.listeners redis HOST PORT CHANNEL COUNT

Prints ``ready`` once every listener is subscribed, records when each notice arrives
(time.monotonic, comparable across processes), and when stdin closes prints one JSON
object: {message id: [arrival times...]}.
"""

from __future__ import annotations

import asyncio
import json
import re
import resource
import sys
import time
from collections import defaultdict

_ID = re.compile(rb'"id":"([0-9a-f-]{36})"')
arrivals: dict[str, list[float]] = defaultdict(list)


async def _read(reader: asyncio.StreamReader, ready: asyncio.Event, marker: bytes) -> None:
    buffer = b""
    while chunk := await reader.read(65536):
        now = time.monotonic()
        buffer += chunk
        if not ready.is_set() and marker in buffer:
            ready.set()
        end = 0
        for match in _ID.finditer(buffer):
            arrivals[match.group(1).decode()].append(now)
            end = match.end()
        buffer = buffer[end:][-200:]  # an id cut in two by the chunk boundary is kept


async def sse(host: str, port: int, cookie: str, ready: asyncio.Event) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        f"GET /inbox/events HTTP/1.1\r\nHost: {host}\r\nCookie: balcao_inbox={cookie}\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    await _read(reader, ready, b"event: hello")


async def redis(host: str, port: int, channel: str, ready: asyncio.Event) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    name = channel.encode()
    writer.write(b"*2\r\n$9\r\nSUBSCRIBE\r\n$%d\r\n%s\r\n" % (len(name), name))
    await writer.drain()
    await _read(reader, ready, b"subscribe")


async def main() -> None:
    mode, host, port, secret, count = sys.argv[1:6]
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    listen = sse if mode == "sse" else redis
    events = [asyncio.Event() for _ in range(int(count))]
    tasks = []
    for event in events:
        tasks.append(asyncio.create_task(listen(host, int(port), secret, event)))
        await asyncio.sleep(0)
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), timeout=120)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for task in tasks:
        task.cancel()
    print(json.dumps(arrivals), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
