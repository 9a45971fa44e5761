"""The api's HTTP protocol: uvicorn's httptools protocol with the two limits it lacks.

uvicorn starts no timer on a new connection, and its keep-alive timer is cancelled by the
first byte of the next request, so nothing bounds how long a request head may take; and
httptools buffers a head of any size. Measured on uvicorn 0.54: a connection that sent
nothing, and one that sent its headers a byte every 20 ms (slowloris), were both still
open minutes later, each holding a socket and its buffers; a 1 MB header was read whole.
Other clients were still served at once (one event loop, no thread per connection), so
the cost is file descriptors and memory, which enough such clients exhaust.

Here a request head must arrive within :data:`HEAD_TIMEOUT` seconds of the connection
(or of its first byte, on a kept-alive connection) and within :data:`MAX_HEAD_BYTES`;
otherwise the client gets a 408 or 431 with the usual error body and the connection is
closed. Bodies are not timed here: a webhook of 32 MB may take a while on a slow link.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.errors import error_body

HEAD_TIMEOUT = 20.0
MAX_HEAD_BYTES = 64 * 1024
log = logging.getLogger("balcao.http")


def _refusal(status: int, reason: str, code: str, detail: str) -> bytes:
    body = json.dumps(error_body(status, code, detail)).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


REQUEST_TIMEOUT = _refusal(
    408, "Request Timeout", "request_timeout", "The request headers took too long to arrive."
)
HEAD_TOO_LARGE = _refusal(
    431,
    "Request Header Fields Too Large",
    "headers_too_large",
    "The request headers are too large.",
)


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """``uvicorn.run(..., http=GuardedHttpToolsProtocol)``."""

    head_timeout: float = HEAD_TIMEOUT
    max_head_bytes: int = MAX_HEAD_BYTES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        reading_head = self._head_timer is not None
        super().data_received(data)
        if reading_head and self._head_timer is not None:  # still no complete head
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head_bytes:
                self._refuse(HEAD_TOO_LARGE, "request head too large")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def _arm(self) -> None:
        if self._head_timer is None:
            self._head_bytes = 0
            self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.cycle is not None and not self.cycle.response_complete:
            self._arm()  # a pipelined head behind a response still being sent: wait for it
            return
        self._refuse(REQUEST_TIMEOUT, "request head timed out")

    def _refuse(self, response: bytes, why: str) -> None:
        self._disarm()
        if self.transport.is_closing():
            return
        log.info(why, extra={"client": self.client, "bytes": self._head_bytes})
        self.transport.write(response)
        self.transport.close()
