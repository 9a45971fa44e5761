"""A minimal keep-alive HTTP/1.1 client on asyncio streams, for the paced (open loop)
phase: httpx spends more CPU per request than the server does, and on 2 cores a
client that heavy measures itself."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit


class Conn:
    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str
    ) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


class Pool:
    """Connections handed out one request at a time; a new one opens when all are busy."""

    def __init__(self, base_url: str) -> None:
        url = urlsplit(base_url)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self.idle: list[Conn] = []
        self.all: list[Conn] = []

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        # An idle connection the server closed (keep-alive timeout) answers nothing:
        # drop it and try once more on a fresh one.
        for attempt in range(2):
            conn = self.idle.pop() if self.idle and attempt == 0 else await self._open()
            try:
                result = await conn.post(path, body)
            except (IndexError, ConnectionError, asyncio.IncompleteReadError):
                conn.close()
                self.all.remove(conn)
                if attempt:
                    raise
                continue
            self.idle.append(conn)
            return result
        raise AssertionError("unreachable")

    async def _open(self) -> Conn:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        conn = Conn(reader, writer, f"{self.host}:{self.port}")
        self.all.append(conn)
        return conn

    def close(self) -> None:
        for conn in self.all:
            conn.close()
