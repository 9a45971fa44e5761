"""What every sender shares: the HTTP client, timeouts, and the one place where a
transport failure or an HTTP status becomes a :class:`SendError`.

Errors a sender raises::

    SendError                 permanent (transient=False) or retryable (transient=True)
    └── RateLimited           transient; ``retry_after`` seconds when the provider said

Classification (senders refine it per provider, see each ``sender.py``):
timeouts, connection errors, 408, 425, 429 and 5xx are transient; any other non-2xx is
permanent. A read timeout is transient although the provider may have sent the message:
a retry can then duplicate it, which beats silently dropping a customer reply.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import mimetypes
import time
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import msgspec

from providers.base import MediaRef, OutboundMessage, SendError

# Media sends make the provider download, transcode (Evolution re-encodes images, WAHA
# and Evolution run ffmpeg on voice) and upload, so reads get far more than connects.
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=60.0, pool=10.0)
TRANSIENT_STATUSES = frozenset({408, 425, 429})
_DETAIL_LIMIT = 500

_shared: httpx.AsyncClient | None = None


class RateLimited(SendError):
    """A 429 (or a provider's own throttling code): retry, no sooner than ``retry_after``."""

    code = "rate_limited"

    def __init__(
        self, detail: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(detail, transient=True, status=status)
        self.retry_after = retry_after


def read_timeout(seconds: float) -> httpx.Timeout:
    """The default timeouts with a longer read, for calls the provider holds open."""
    base = DEFAULT_TIMEOUT
    return httpx.Timeout(connect=base.connect, read=seconds, write=base.write, pool=base.pool)


def shared_client() -> httpx.AsyncClient:
    """The process-wide client used when a caller passes none (the worker passes its own).
    It belongs to the event loop that first uses it."""
    global _shared
    if _shared is None or _shared.is_closed:
        _shared = httpx.AsyncClient(timeout=DEFAULT_TIMEOUT)
    return _shared


async def aclose_shared_client() -> None:
    global _shared
    if _shared is not None:
        await _shared.aclose()
        _shared = None


async def request(
    client: httpx.AsyncClient | None,
    method: str,
    url: str,
    *,
    provider: str,
    http_timeout: httpx.Timeout | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request; transport failures become transient SendErrors."""
    http = client if client is not None else shared_client()
    extra: dict[str, Any] = {} if http_timeout is None else {"timeout": http_timeout}
    try:
        return await http.request(method, url, **kwargs, **extra)
    except httpx.TimeoutException as exc:
        raise SendError(f"{provider}: timed out ({type(exc).__name__})", transient=True) from exc
    except httpx.UnsupportedProtocol as exc:
        # A baseUrl without http(s):// will not fix itself on retry.
        raise SendError(f"{provider}: bad URL {url!r}: {exc}", transient=False) from exc
    except httpx.TransportError as exc:
        raise SendError(f"{provider}: connection failed: {exc}", transient=True) from exc


def status_error(response: httpx.Response, detail: str) -> SendError:
    """The SendError for a non-2xx ``response`` by its status alone."""
    status = response.status_code
    if status == 429:
        return RateLimited(detail, status=status, retry_after=retry_after(response))
    transient = status in TRANSIENT_STATUSES or status >= 500
    return SendError(detail, transient=transient, status=status)


def retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds (delta or HTTP date), or None when absent or garbled."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def json_body(response: httpx.Response) -> Any:
    """The decoded JSON body, or None when it is empty or not JSON."""
    if not response.content:
        return None
    try:
        return msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        return None


def describe(provider: str, response: httpx.Response, message: str | None) -> str:
    """The text stored on a FAILED message: provider, status and the provider's words."""
    text = message if message else response.text.strip() or response.reason_phrase
    return f"{provider} {response.status_code}: {text}"[:_DETAIL_LIMIT]


def as_text(value: Any) -> str:
    """A provider message (string, list, nested list or object) as one line."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "; ".join(value)
    return msgspec.json.encode(value).decode()


def base_url(config: Mapping[str, Any], key: str, provider: str) -> str:
    return require(config, key, provider).rstrip("/")


def require(config: Mapping[str, Any], key: str, provider: str) -> str:
    """A config value the send cannot do without; missing is permanent (fix the config)."""
    value = config.get(key)
    if not isinstance(value, str) or not value:
        raise SendError(f"{provider}: connection config lacks {key!r}", transient=False)
    return value


def is_chat_id(to: str) -> bool:
    """Group, LID, newsletter and JID recipients carry their server after ``@``."""
    return "@" in to


def digits(to: str) -> str:
    """E.164 digits from ``+55 (11) 98765-4321``-like input."""
    return "".join(ch for ch in to if ch.isdigit())


def media_mimetype(media: MediaRef, default: str = "application/octet-stream") -> str:
    if media.mimetype:
        return media.mimetype
    guessed, _ = mimetypes.guess_type(media.filename or media.url or "")
    return guessed or default


def fallback_filename(media: MediaRef) -> str:
    """A document name when none was given (Evolution refuses base64 documents without)."""
    if media.filename:
        return media.filename
    extension = mimetypes.guess_extension(media.mimetype or "") or ""
    return f"{media.kind}{extension}"


async def media_base64(message: OutboundMessage) -> str | None:
    """The media as raw base64 (no ``data:`` prefix): inline, else read from media_path."""
    media = message.media
    if media is not None and media.base64:
        return strip_data_uri(media.base64)
    if message.media_path:
        raw = await asyncio.to_thread(Path(message.media_path).read_bytes)
        return base64.b64encode(raw).decode()
    return None


async def media_bytes(message: OutboundMessage) -> bytes | None:
    """The media's bytes, for providers that take an upload instead of base64."""
    if message.media_path:
        return await asyncio.to_thread(Path(message.media_path).read_bytes)
    encoded = await media_base64(message)
    return None if encoded is None else base64.b64decode(encoded)


def strip_data_uri(value: str) -> str:
    # Evolution's isBase64 check rejects a data: URI (SEND_APIS.md §1.2), and no provider
    # here documents accepting one, so only raw base64 goes out.
    if value.startswith("data:") and "," in value:
        return value.split(",", 1)[1]
    return value


def require_media_source(message: OutboundMessage, provider: str) -> MediaRef:
    media = message.media
    if media is None:
        raise SendError(f"{provider}: message has neither text nor media", transient=False)
    if not (media.url or media.base64 or message.media_path):
        raise SendError(f"{provider}: media has no url, base64 or file", transient=False)
    return media


class KnownChats:
    """Positive number-existence lookups (number → chat id), per connection, for a while.

    Only hits are kept: a number that gets WhatsApp later must not stay refused."""

    def __init__(self, *, ttl: float = 6 * 3600, size: int = 10_000) -> None:
        self._ttl = ttl
        self._size = size
        self._entries: OrderedDict[tuple[str, ...], tuple[float, str]] = OrderedDict()

    def get(self, key: tuple[str, ...]) -> str | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            self._entries.pop(key, None)
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: tuple[str, ...], chat_id: str) -> None:
        self._entries[key] = (time.monotonic() + self._ttl, chat_id)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
