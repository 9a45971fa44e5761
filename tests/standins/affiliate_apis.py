"""A local stand-in for the stores' short links and the Shopee/AliExpress affiliate APIs.

One server (the :class:`provider_apis.StandIn` base: uvicorn on ``127.0.0.1`` in a
thread, every request recorded, ``respond_next``/``fail_next``/``hold_next``) answers
for every hostname. :meth:`AffiliateStandIn.client` returns an ``httpx.AsyncClient``
whose transport sends each request to the stand-in whatever its URL says, keeping the
URL's hostname in the ``Host`` header, as ``curl --resolve`` would; the code under test
keeps its own view of the URL (``https://amzn.to/…``), so its allowlist sees the real
hostnames. Any request that escaped the allowlist (to ``10.0.0.5``, ``intranet``, …)
would reach the stand-in too, and be recorded: tests assert it never happens.

::

    async with AffiliateStandIn() as web:
        links = LinkService(web.client())
        await links.expand("https://amzn.to/3xyzJBL")   # -> the amazon.com.br product
        assert web.hosts() == ["amzn.to"]

What it speaks:

- short links: ``REDIRECTS`` (host, path) → ``Location`` (301), plus ``PAGES`` answered
  200 with a meta refresh; anything else is a 404. ``redirects``/``pages`` are per
  instance and may be changed in a test.
- ``POST /graphql`` (Shopee Affiliate Open API): checks ``Authorization: SHA256
  Credential=…, Timestamp=…, Signature=…`` (credential, a timestamp within 10 minutes,
  and sha256(appId + timestamp + body + secret)); refusals answer HTTP 200 with Shopee's
  ``{"errors": [{"message", "extensions": {"code": 10020, "message"}}]}``; a valid
  ``generateShortLink`` answers ``{"data": {"generateShortLink": {"shortLink":
  "https://s.shopee.com.br/<token>"}}}``, and that short link then redirects to the
  origin URL.
- ``POST /sync`` (AliExpress open platform): checks ``app_key``, ``sign_method=sha256``
  and ``sign`` (upper-case HMAC-SHA256 of the sorted parameters), answering
  ``{"error_response": {"type": "ISV", "code": "IncompleteSignature", …}}`` when wrong;
  ``aliexpress.affiliate.link.generate`` answers the nested
  ``aliexpress_affiliate_link_generate_response`` with ``promotion_link``
  ``https://s.click.aliexpress.com/e/_<token>`` (which redirects to the source).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from typing import Any
from urllib.parse import parse_qsl

import httpx
from provider_apis import FailureKind, Recorded, Reply, StandIn

SHOPEE_APP_ID = "18360190851"
SHOPEE_SECRET = "SHOPEE-STANDIN-SECRET-0123456789"
ALIEXPRESS_APP_KEY = "517956"
ALIEXPRESS_SECRET = "ali-standin-secret-abcdef"
ALIEXPRESS_TRACKING_ID = "balcao_mirror"

AMAZON_PRODUCT = (
    "https://www.amazon.com.br/Fone-Ouvido-JBL-Tune-520BT/dp/B0C1JBL520/ref=sr_1_1"
    "?tag=outrapromo-20&smid=A1ZZFT5FULY4LN&linkCode=ll1&th=1"
)
ML_PRODUCT = (
    "https://produto.mercadolivre.com.br/MLB-3456789012-air-fryer-mondial-4l-_JM"
    "?matt_word=outrapromo&matt_tool=12345678&forceInApp=true#position=1&search_layout=grid"
)
ML_SEC_PRODUCT = "https://www.mercadolivre.com.br/p/MLB19876543?matt_word=outro&pdp_filters=x"
SHOPEE_PRODUCT = (
    "https://shopee.com.br/Tenis-Casual-Masculino-i.123456789.23456789012"
    "?af_siteid=999&utm_source=an_999&utm_medium=affiliates&smtt=0.0.9"
)
ALIEXPRESS_SHARE = (
    "https://star.aliexpress.com/share/share.htm?platform=AE&businessType=ProductDetail"
    "&redirectUrl=https%3A%2F%2Fpt.aliexpress.com%2Fitem%2F1005006123456789.html"
    "%3Faff_fcid%3Dabc%26aff_platform%3Dlink-c-tool"
)
MAGALU_PRODUCT = "https://www.magazineluiza.com.br/smart-tv-50-samsung-crystal/p/237184100/et/tv4k/"

REDIRECTS: dict[tuple[str, str], str] = {
    ("amzn.to", "/3xyzJBL"): AMAZON_PRODUCT,
    ("a.co", "/d/7Kf2Qw"): "https://amzn.to/3xyzJBL",
    ("meli.la", "/1AbCdEf"): ML_PRODUCT,
    ("mercadolivre.com", "/sec/2xYzW9"): ML_SEC_PRODUCT,
    ("s.shopee.com.br", "/7AbCdEfGh"): SHOPEE_PRODUCT,
    ("s.click.aliexpress.com", "/e/_oFq1Ab2"): ALIEXPRESS_SHARE,
    ("maga.lu", "/bXyZ12"): MAGALU_PRODUCT,
    # hostile redirects, each one hop from a real shortener
    ("amzn.to", "/loopback"): "http://127.0.0.1:8080/admin",
    ("amzn.to", "/private"): "http://10.0.0.5/",
    ("meli.la", "/metadata"): "http://169.254.169.254/latest/meta-data/iam/",
    ("a.co", "/intranet"): "http://intranet/status",
    ("shope.ee", "/phish"): "https://evil.example.com/login",
    ("amzn.to", "/lookalike"): "https://amazon.com.br.evil.example.com/dp/B0C1JBL520",
    ("amzn.to", "/userinfo"): "https://amazon.com.br@10.0.0.1/",
    ("amzn.to", "/ipv6"): "http://[::1]/",
    ("amzn.to", "/schemeless"): "//10.0.0.7/x",
    ("a.co", "/decimal"): "http://2130706433/",
    ("amzn.to", "/port"): "https://amzn.to:2375/containers/json",
    ("amzn.to", "/file"): "file:///etc/passwd",
    ("amzn.to", "/loop"): "https://a.co/loop",
    ("a.co", "/loop"): "https://amzn.to/loop",
}
# Five redirects (allowed) and six (one too many), alternating shortener hosts.
for _n in range(1, 5):
    REDIRECTS[("amzn.to" if _n % 2 else "a.co", f"/five{_n}")] = (
        f"https://{'a.co' if _n % 2 else 'amzn.to'}/five{_n + 1}"
    )
REDIRECTS[("amzn.to", "/five5")] = AMAZON_PRODUCT
for _n in range(1, 6):
    REDIRECTS[("amzn.to" if _n % 2 else "a.co", f"/six{_n}")] = (
        f"https://{'a.co' if _n % 2 else 'amzn.to'}/six{_n + 1}"
    )
REDIRECTS[("a.co", "/six6")] = AMAZON_PRODUCT

PAGES: dict[tuple[str, str], str] = {
    ("magalu.me", "/tv50"): (
        '<html><head><meta http-equiv="refresh" content="0; url='
        f'{MAGALU_PRODUCT}"></head><body>Redirecionando…</body></html>'
    ),
}

_AUTHORIZATION = re.compile(
    r"^SHA256 Credential=(?P<cred>[^,\s]+),\s*Timestamp=(?P<ts>\d+),"
    r"\s*Signature=(?P<sig>[0-9a-f]+)$"
)
_ORIGIN_URL = re.compile(r'originUrl:\s*("(?:[^"\\]|\\.)*")')


class AffiliateStandIn(StandIn):
    def __init__(
        self,
        *,
        shopee_app_id: str = SHOPEE_APP_ID,
        shopee_secret: str = SHOPEE_SECRET,
        aliexpress_app_key: str = ALIEXPRESS_APP_KEY,
        aliexpress_secret: str = ALIEXPRESS_SECRET,
    ) -> None:
        super().__init__()
        self.shopee_app_id = shopee_app_id
        self.shopee_secret = shopee_secret
        self.aliexpress_app_key = aliexpress_app_key
        self.aliexpress_secret = aliexpress_secret
        self.redirects = dict(REDIRECTS)
        self.pages = dict(PAGES)

    @property
    def config(self) -> dict[str, Any]:
        return {"baseUrl": self.base_url}

    def reset(self) -> None:
        """Also restores the redirect and page tables (API calls add short links)."""
        super().reset()
        self.redirects = dict(REDIRECTS)
        self.pages = dict(PAGES)

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` whose every request lands on this stand-in."""
        return httpx.AsyncClient(transport=_ResolveTransport(self._port), **kwargs)

    def hosts(self) -> list[str]:
        """The ``Host`` of every request received, oldest first (without the port)."""
        return [r.headers.get("host", "").rsplit(":", 1)[0] for r in self.requests]

    def failure(self, kind: FailureKind, retry_after: float | None) -> Reply:
        return Reply(503, {"error": "stand-in scripted failure"})

    def handle(self, request: Recorded) -> Reply:
        host = request.headers.get("host", "").split(":", 1)[0].lower()
        if request.method == "POST" and request.path == "/graphql":
            return self._shopee(request)
        if request.path == "/sync":
            return self._aliexpress(request)
        location = self.redirects.get((host, request.path))
        if location is not None:
            return Reply(301, None, {"Location": location, "Cache-Control": "private"})
        page = self.pages.get((host, request.path))
        if page is not None:
            return Reply(200, None, {"content-type": "text/html; charset=utf-8"}, page.encode())
        return Reply(404, None, {"content-type": "text/html"}, b"<h1>Not Found</h1>")

    # -- Shopee Affiliate Open API -------------------------------------------------------

    def _shopee(self, request: Recorded) -> Reply:
        match = _AUTHORIZATION.match(request.headers.get("authorization", ""))
        if match is None:
            return _shopee_error(10020, "Invalid Authorization Header")
        if match["cred"] != self.shopee_app_id:
            return _shopee_error(10020, "Invalid Credential")
        if abs(time.time() - int(match["ts"])) > 600:
            return _shopee_error(10020, "Invalid Timestamp")
        payload = request.body.decode()
        expected = hashlib.sha256(
            f"{self.shopee_app_id}{match['ts']}{payload}{self.shopee_secret}".encode()
        ).hexdigest()
        if not hmac.compare_digest(expected, match["sig"]):
            return _shopee_error(10020, "Invalid Signature")
        query = (request.json or {}).get("query", "")
        origin = _ORIGIN_URL.search(query) if "generateShortLink" in query else None
        if origin is None:
            return _shopee_error(10010, "Request parsing error")
        origin_url: str = json.loads(origin.group(1))
        token = _token(origin_url)
        self.redirects[("s.shopee.com.br", f"/{token}")] = origin_url
        short = f"https://s.shopee.com.br/{token}"
        return Reply(200, {"data": {"generateShortLink": {"shortLink": short}}})

    # -- AliExpress open platform --------------------------------------------------------

    def _aliexpress(self, request: Recorded) -> Reply:
        params = dict(parse_qsl(request.body.decode())) if request.body else dict(request.query)
        given = params.pop("sign", "")
        if params.get("app_key") != self.aliexpress_app_key:
            return _aliexpress_error("InvalidAppKey", "Invalid app Key")
        if params.get("sign_method") != "sha256":
            return _aliexpress_error("InvalidSignMethod", "Invalid signature method")
        message = "".join(f"{k}{params[k]}" for k in sorted(params))
        expected = (
            hmac.new(self.aliexpress_secret.encode(), message.encode(), hashlib.sha256)
            .hexdigest()
            .upper()
        )
        if not hmac.compare_digest(expected, given):
            return _aliexpress_error(
                "IncompleteSignature",
                "The request signature does not conform to platform standards",
            )
        if params.get("method") != "aliexpress.affiliate.link.generate":
            return _aliexpress_error("InvalidApiPath", "The specified API path is invalid")
        source = params.get("source_values", "")
        token = "_o" + _token(source)
        self.redirects[("s.click.aliexpress.com", f"/e/{token}")] = source
        link = f"https://s.click.aliexpress.com/e/{token}"
        return Reply(
            200,
            {
                "aliexpress_affiliate_link_generate_response": {
                    "resp_result": {
                        "result": {
                            "promotion_links": {
                                "promotion_link": [{"promotion_link": link, "source_value": source}]
                            },
                            "total_result_count": 1,
                            "tracking_id": params.get("tracking_id", ""),
                        },
                        "resp_code": 200,
                        "resp_msg": "Call succeeds",
                    },
                    "request_id": "2101d7b217336145",
                }
            },
        )


def _shopee_error(code: int, message: str) -> Reply:
    return Reply(
        200,
        {
            "errors": [
                {
                    "message": f"error [{code}]: {message}",
                    "extensions": {"code": code, "message": message},
                }
            ]
        },
    )


def _aliexpress_error(code: str, message: str) -> Reply:
    return Reply(
        200,
        {
            "error_response": {
                "type": "ISV",
                "code": code,
                "msg": message,
                "request_id": "2101145f17645900257712085",
                "_trace_id_": "210173a317645900257695829ecad7",
            }
        },
    )


def _token(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:10]


class _ResolveTransport(httpx.AsyncBaseTransport):
    """Sends every request to ``127.0.0.1:<port>`` over plain HTTP, leaving the request's
    ``Host`` header (set from its real URL) as it was."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self._port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
