"""Getting a message's media bytes: inline base64 (plain or a ``data:`` URL) or a URL
streamed under a byte cap, a deadline and the SSRF guard of :mod:`netguard`.

Redirects are followed here, not by httpx, so that every hop is resolved and checked
before we connect to it, and so the provider's auth headers never leave its origin.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import email.message
import posixpath
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from urllib.parse import unquote_to_bytes

import httpx
import msgspec

from app.media.errors import FetchError, HttpStatusError
from app.media.netguard import resolve_public
from app.media.sniff import resolve_mimetype
from providers.base import MediaRef

MAX_REDIRECTS = 5


class Fetched(msgspec.Struct, frozen=True, kw_only=True):
    data: bytes
    mimetype: str  # sniffed from the bytes, refined by the declared type when compatible
    filename: str | None
    size: int


async def fetch_media(
    ref: MediaRef,
    *,
    client: httpx.AsyncClient,
    headers: Mapping[str, str] | None = None,
    max_bytes: int,
    timeout: float,
    allow_private: bool = False,
) -> Fetched:
    """The bytes of ``ref``; raises only :class:`FetchError`. ``timeout`` bounds the whole
    download (a server dripping one byte a second never trips a per-read timeout)."""
    inline = ref.base64 or (ref.url if ref.url and ref.url.startswith("data:") else None)
    if inline:
        # Decoding megabytes of base64 takes milliseconds the event loop should not lose.
        data, declared = await asyncio.to_thread(decode_inline, inline, max_bytes=max_bytes)
        return _fetched(data, ref.mimetype or declared, ref.filename)
    if not ref.url:
        raise FetchError("no_source", "the media has neither a url nor inline base64")
    try:
        async with asyncio.timeout(timeout):
            data, content_type, filename = await _download(
                client, ref.url, dict(headers or {}), max_bytes, timeout, allow_private
            )
    except TimeoutError:
        raise FetchError("timeout", f"download took longer than {timeout:g}s") from None
    return _fetched(data, ref.mimetype or content_type, ref.filename or filename)


def decode_inline(value: str, *, max_bytes: int) -> tuple[bytes, str | None]:
    """Decode base64 or a ``data:`` URL, refusing oversize input before decoding it."""
    declared: str | None = None
    if value.startswith("data:"):
        meta, comma, value = value[5:].partition(",")
        if not comma:
            raise FetchError("bad_base64", "data: URL without a comma")
        declared = meta.split(";", 1)[0] or None
        if not meta.endswith(";base64"):
            return _check_size(_unquote(value, max_bytes), max_bytes), declared
    # A generous first bound, before allocating a whitespace-free copy of a huge string.
    if len(value) // 4 * 3 > max_bytes * 2 + 3:
        raise FetchError("too_large", f"inline media is over {max_bytes} bytes")
    compact = "".join(value.split()).replace("-", "+").replace("_", "/")
    if len(compact.rstrip("=")) * 3 // 4 > max_bytes:
        raise FetchError("too_large", f"inline media is over {max_bytes} bytes")
    try:
        data = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FetchError("bad_base64", str(exc)) from None
    return _check_size(data, max_bytes), declared


def _unquote(value: str, max_bytes: int) -> bytes:
    if len(value) > max_bytes * 3:
        raise FetchError("too_large", f"inline media is over {max_bytes} bytes")
    return unquote_to_bytes(value)


def _check_size(data: bytes, max_bytes: int) -> bytes:
    if not data:
        raise FetchError("empty", "the media has no bytes")
    if len(data) > max_bytes:
        raise FetchError("too_large", f"inline media is over {max_bytes} bytes")
    return data


def _fetched(data: bytes, declared: str | None, filename: str | None) -> Fetched:
    if not data:
        raise FetchError("empty", "the media has no bytes")
    mimetype = resolve_mimetype(data, declared)
    return Fetched(data=data, mimetype=mimetype, filename=filename, size=len(data))


async def _download(
    client: httpx.AsyncClient,
    raw_url: str,
    headers: dict[str, str],
    max_bytes: int,
    timeout: float,
    allow_private: bool,
) -> tuple[bytes, str | None, str | None]:
    url = _parse_url(raw_url)
    for _ in range(MAX_REDIRECTS + 1):
        async with _get(client, url, headers, timeout, allow_private) as response:
            location = response.headers.get("location")
            if response.is_redirect and location:
                next_url = _parse_url(str(url.join(location)))
                if _origin(next_url) != _origin(url):
                    headers = {}
                url = next_url
                continue
            if not response.is_success:
                raise HttpStatusError(response.status_code)
            _check_length(response, max_bytes)
            data = await _read_capped(response, max_bytes)
            return data, response.headers.get("content-type"), _filename(response, url)
    raise FetchError("http_error", f"more than {MAX_REDIRECTS} redirects", transient=False)


@asynccontextmanager
async def _get(
    client: httpx.AsyncClient,
    url: httpx.URL,
    headers: dict[str, str],
    timeout: float,
    allow_private: bool,
) -> AsyncIterator[httpx.Response]:
    target = url
    if not allow_private:
        addresses = await resolve_public(url.host, url.port or _default_port(url), timeout=timeout)
        if url.scheme == "http":
            # Connect to the address we checked, so a DNS answer that changes between the
            # check and the connection (DNS rebinding) cannot point us inside. HTTPS needs
            # no pin: a rebound name fails certificate verification, and pinning would let
            # the pool reuse one IP's TLS connection for another host name.
            target = url.copy_with(host=str(addresses[0]))
            headers = {**headers, "Host": url.netloc.decode("ascii")}
    try:
        async with client.stream(
            "GET",
            target,
            headers=headers,
            timeout=timeout,
            follow_redirects=False,
        ) as response:
            yield response
    except httpx.TimeoutException:
        raise FetchError("timeout", f"GET {url.host} timed out") from None
    except httpx.HTTPError as exc:
        raise FetchError("http_error", f"GET {url.host}: {exc!r}", transient=True) from None


def _parse_url(raw: str) -> httpx.URL:
    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise FetchError("bad_url", str(exc)) from None
    if url.scheme not in ("http", "https") or not url.host:
        raise FetchError("bad_url", f"only http(s) URLs are fetched, not {raw[:80]!r}")
    return url


def _default_port(url: httpx.URL) -> int:
    return 443 if url.scheme == "https" else 80


def _origin(url: httpx.URL) -> tuple[str, str, int]:
    return url.scheme, url.host, url.port or _default_port(url)


def _check_length(response: httpx.Response, max_bytes: int) -> None:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError("too_large", f"Content-Length {declared} is over {max_bytes} bytes")


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    # Count decoded bytes: a gzip body can inflate far past its Content-Length.
    chunks: list[bytes] = []
    total = 0
    try:
        async for chunk in response.aiter_bytes():
            total += len(chunk)
            if total > max_bytes:
                raise FetchError("too_large", f"body is over {max_bytes} bytes")
            chunks.append(chunk)
    except httpx.TimeoutException:
        raise FetchError("timeout", "reading the body timed out") from None
    except httpx.HTTPError as exc:
        raise FetchError("http_error", f"reading the body: {exc!r}", transient=True) from None
    return b"".join(chunks)


def _filename(response: httpx.Response, url: httpx.URL) -> str | None:
    disposition = response.headers.get("content-disposition")
    if disposition:
        message = email.message.Message()
        message["content-disposition"] = disposition
        name = message.get_filename()
        if name:
            return posixpath.basename(name.replace("\\", "/")) or None
    last = posixpath.basename(url.path)
    return last if "." in last else None
