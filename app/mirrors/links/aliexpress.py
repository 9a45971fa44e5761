"""AliExpress: the item id, and affiliate links from the Portals API.

``aliexpress.affiliate.link.generate`` on the open platform's system endpoint
``https://api-sg.aliexpress.com/sync``: a form POST of system parameters (``app_key``,
``method``, ``sign_method=sha256``, ``timestamp`` in milliseconds, ``format=json``) and
the call's own (``promotion_link_type=0``, ``source_values``, ``tracking_id``), signed as
the official IOP SDK signs it::

    sign = upper(hex(HMAC-SHA256(secret, concat(key + value for key in sorted(params)))))

(no API path prefix: system methods are named with dots). A bad signature answers
``{"error_response": {"type": "ISV", "code": "IncompleteSignature", "msg": …}}``; a
successful call nests the link in ``aliexpress_affiliate_link_generate_response.
resp_result.result.promotion_links.promotion_link[0].promotion_link``, with
``resp_code`` 200.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx

from app.mirrors.links.model import AffiliateApiError, Store
from app.mirrors.links.urls import clean_url, host_of, store_of_host

API_URL = "https://api-sg.aliexpress.com/sync"
METHOD = "aliexpress.affiliate.link.generate"
_ITEM = re.compile(r"/(?:item|i)/(?:[^/]*/)?(\d{6,})\.html")
_ID_PARAMS = ("productId", "itemId", "item_id", "objectId")


def item_id(url: str) -> str | None:
    """From ``/item/<id>.html``, or from a share page's ``redirectUrl`` or id parameter
    (``star.aliexpress.com/share/share.htm?…redirectUrl=…/item/<id>.html``)."""
    parts = urlsplit(url)
    match = _ITEM.search(parts.path)
    if match:
        return match.group(1)
    for name, value in parse_qsl(parts.query):
        if name in _ID_PARAMS and value.isdigit():
            return value
        inner = _ITEM.search(unquote(value))
        if inner:
            return inner.group(1)
    return None


def canonical(url: str) -> str:
    item = item_id(url)
    return f"https://www.aliexpress.com/item/{item}.html" if item else clean_url(url)


def sign(params: dict[str, str], secret: str) -> str:
    message = "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return digest.upper()


def signed_params(
    source_url: str, *, app_key: str, secret: str, tracking_id: str, now: float | None = None
) -> dict[str, str]:
    params = {
        "app_key": app_key,
        "method": METHOD,
        "sign_method": "sha256",
        "timestamp": str(int((time.time() if now is None else now) * 1000)),
        "format": "json",
        "simplify": "false",
        "promotion_link_type": "0",
        "source_values": source_url,
        "tracking_id": tracking_id,
    }
    params["sign"] = sign(params, secret)
    return params


async def generate_link(
    client: httpx.AsyncClient,
    source_url: str,
    *,
    app_key: str,
    secret: str,
    tracking_id: str,
    api_url: str = API_URL,
    timeout: float = 10.0,
    now: float | None = None,
) -> str:
    """The organization's ``s.click.aliexpress.com`` link to ``source_url``; raises
    :class:`AffiliateApiError` with AliExpress's reason otherwise."""
    params = signed_params(
        canonical(source_url), app_key=app_key, secret=secret, tracking_id=tracking_id, now=now
    )
    try:
        response = await client.post(api_url, data=params, timeout=timeout)
        body: Any = response.json()
    except httpx.TimeoutException as exc:
        raise AffiliateApiError("AliExpress API did not answer in time") from exc
    except (httpx.HTTPError, ValueError) as exc:
        raise AffiliateApiError(f"AliExpress API unreachable: {type(exc).__name__}") from exc
    return _promotion_link(response.status_code, body)


def _promotion_link(status: int, body: Any) -> str:
    if not isinstance(body, dict):
        raise AffiliateApiError(f"AliExpress API answered HTTP {status} without JSON")
    error = body.get("error_response") or (body if body.get("code") not in (None, "0") else None)
    if isinstance(error, dict):
        message = error.get("msg") or error.get("message") or "unknown error"
        raise AffiliateApiError(f"AliExpress API error {error.get('code', '?')}: {message}")
    result = (body.get("aliexpress_affiliate_link_generate_response") or {}).get("resp_result")
    if not isinstance(result, dict):
        raise AffiliateApiError(f"AliExpress API answered HTTP {status} without a result")
    if result.get("resp_code") != 200:
        raise AffiliateApiError(
            f"AliExpress API refused: {result.get('resp_code')} {result.get('resp_msg', '')}"
        )
    links = ((result.get("result") or {}).get("promotion_links") or {}).get("promotion_link")
    first = links[0] if isinstance(links, list) and links else {}
    link = first.get("promotion_link") if isinstance(first, dict) else None
    if not isinstance(link, str):
        raise AffiliateApiError("AliExpress API answered no promotion link")
    if not link.startswith("https://") or store_of_host(host_of(link)) is not Store.ALIEXPRESS:
        raise AffiliateApiError(f"AliExpress API answered a link outside AliExpress: {link!r}")
    return link
