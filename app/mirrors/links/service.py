"""Short-link expansion that only ever talks to store hosts, and the affiliate API calls.

Expansion follows redirects itself, one hop at a time, so every hop's URL is checked
before it is requested: https/http only, no IP literal, no explicit port other than 80
or 443, and a host under one of the store domains (:data:`urls.STORE_DOMAINS`). A
redirect to ``127.0.0.1``, ``10.x``, ``169.254.169.254``, an intranet name or any other
site ends the expansion with :class:`ExpansionRefused` before anything is sent to it.
It stops as soon as a hop is a store page rather than a short link (the product id is
in the URL; the page itself is never downloaded), after :data:`MAX_REDIRECTS`
redirects, or on a loop. GET, not HEAD: Amazon answers HEAD with 405/503. A shortener
that answers 200 (a meta refresh page) is read up to :data:`BODY_BUDGET` bytes.

Successful resolutions are kept :attr:`LinkService.cache_ttl` seconds in memory: the
same short link arrives from every source group that shares an offer, often within the
same second, so concurrent expansions of one link also share a single request.
"""

from __future__ import annotations

import asyncio
import html
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import httpx

from app.mirrors.links import aliexpress, shopee
from app.mirrors.links.model import Affiliate, AffiliateApiError, ExpansionError, ExpansionRefused
from app.mirrors.links.urls import host_of, is_ip_literal, is_shortener, store_of_host

MAX_REDIRECTS = 5
BODY_BUDGET = 32 * 1024
HOP_TIMEOUT = 5.0
API_TIMEOUT = 10.0
CACHE_SIZE = 10_000
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
_META_REFRESH = re.compile(
    r"""<meta[^>]+http-equiv=["']?refresh["']?[^>]+content=["'][^"']*?url=([^"'>\s]+)""",
    re.IGNORECASE,
)


def check_hop(url: str) -> None:
    """Raises :class:`ExpansionRefused` unless ``url`` may be requested."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ExpansionRefused(f"refused a malformed link: {url!r}") from exc
    if parts.scheme not in ("http", "https"):
        raise ExpansionRefused(f"refused a {parts.scheme or 'relative'} link: {url!r}")
    host = host_of(url)
    if not host:
        raise ExpansionRefused(f"refused a link without a host: {url!r}")
    if is_ip_literal(host):
        raise ExpansionRefused(f"refused a redirect to an IP address ({host})")
    if port not in (None, 80, 443):
        raise ExpansionRefused(f"refused a redirect to port {port} of {host}")
    if store_of_host(host) is None:
        raise ExpansionRefused(f"refused a redirect to a non-store host ({host})")


class LinkService:
    """One per worker: the HTTP client, the resolution cache and the affiliate API URLs.

    ``client`` is used as given (its transport decides where hostnames go, so tests hand
    in one that routes the real store hostnames to a local stand-in); requests set their
    own redirect policy, timeout and User-Agent.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        shopee_url: str = shopee.API_URL,
        aliexpress_url: str = aliexpress.API_URL,
        cache_ttl: float = 6 * 3600.0,
        hop_timeout: float = HOP_TIMEOUT,
        api_timeout: float = API_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.shopee_url = shopee_url
        self.aliexpress_url = aliexpress_url
        self.cache_ttl = cache_ttl
        self.hop_timeout = hop_timeout
        self.api_timeout = api_timeout
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._inflight: dict[str, asyncio.Task[str]] = {}

    async def expand(self, url: str) -> str:
        """The store page ``url`` leads to (``url`` itself when it is not a short link);
        raises :class:`ExpansionError` (:class:`ExpansionRefused` for a forbidden hop)."""
        check_hop(url)
        if not is_shortener(url):
            return url
        cached = self._cache.get(url)
        if cached is not None and cached[0] > self._clock():
            self._cache.move_to_end(url)
            return cached[1]
        task = self._inflight.get(url)
        if task is None:
            task = asyncio.ensure_future(self._resolve(url))
            self._inflight[url] = task
            task.add_done_callback(lambda _: self._inflight.pop(url, None))
        # One caller giving up (its own timeout) must not cancel the others' expansion.
        return await asyncio.shield(task)

    async def _resolve(self, url: str) -> str:
        try:
            async with asyncio.timeout(self.hop_timeout * (MAX_REDIRECTS + 1)):
                resolved = await self._follow(url)
        except TimeoutError as exc:
            raise ExpansionError(f"expanding {url} timed out") from exc
        self._remember(url, resolved)
        return resolved

    async def _follow(self, url: str) -> str:
        current, seen = url, {url}
        for _ in range(MAX_REDIRECTS + 1):
            check_hop(current)
            if not is_shortener(current):
                return current
            target = await self._hop(current)
            if target in seen:
                raise ExpansionError(f"redirect loop at {target}")
            seen.add(target)
            current = target
        raise ExpansionError(f"more than {MAX_REDIRECTS} redirects from {url}")

    async def _hop(self, url: str) -> str:
        """Where one short-link request points: its ``Location``, or a 200 page's meta
        refresh. The body is never read past :data:`BODY_BUDGET`."""
        headers = {"User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.8"}
        try:
            async with self.client.stream(
                "GET", url, headers=headers, follow_redirects=False, timeout=self.hop_timeout
            ) as response:
                location: str | None = response.headers.get("location")
                if response.is_redirect and location:
                    return urljoin(url, location.strip())
                if response.status_code != 200:
                    raise ExpansionError(f"{host_of(url)} answered HTTP {response.status_code}")
                body = await _read_some(response)
        except httpx.TimeoutException as exc:
            raise ExpansionError(f"{host_of(url)} did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise ExpansionError(f"{host_of(url)} unreachable: {type(exc).__name__}") from exc
        refresh = _META_REFRESH.search(body.decode("utf-8", "replace"))
        if refresh is None:
            raise ExpansionError(f"{url} did not redirect")
        return urljoin(url, html.unescape(refresh.group(1)))

    def _remember(self, url: str, resolved: str) -> None:
        self._cache[url] = (self._clock() + self.cache_ttl, resolved)
        self._cache.move_to_end(url)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    async def shopee_link(self, url: str, affiliate: Affiliate) -> str:
        if not (affiliate.shopee_app_id and affiliate.shopee_secret):
            raise AffiliateApiError("Shopee credentials are not set")
        return await shopee.generate_short_link(
            self.client,
            url,
            app_id=affiliate.shopee_app_id,
            secret=affiliate.shopee_secret,
            api_url=self.shopee_url,
            timeout=self.api_timeout,
        )

    async def aliexpress_link(self, url: str, affiliate: Affiliate) -> str:
        key, secret = affiliate.aliexpress_app_key, affiliate.aliexpress_secret
        tracking_id = affiliate.aliexpress_tracking_id
        if not (key and secret and tracking_id):
            raise AffiliateApiError("AliExpress credentials are not set")
        return await aliexpress.generate_link(
            self.client,
            url,
            app_key=key,
            secret=secret,
            tracking_id=tracking_id,
            api_url=self.aliexpress_url,
            timeout=self.api_timeout,
        )


async def _read_some(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= BODY_BUDGET:
            break
    return b"".join(chunks)[:BODY_BUDGET]
