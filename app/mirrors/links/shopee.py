"""Shopee: the shop and item ids, and affiliate short links from the Open API.

``generateShortLink`` is a GraphQL mutation at ``open-api.affiliate.shopee.com.br/graphql``.
The request is signed in the ``Authorization`` header::

    SHA256 Credential=<appId>, Timestamp=<unix seconds>, Signature=<hex>
    Signature = sha256(appId + timestamp + payload + secret)

where ``payload`` is the exact request body, so the body is serialised once and those
bytes are both signed and sent. A refusal still answers HTTP 200, with
``{"errors": [{"message": …, "extensions": {"code": 10020, "message": "Invalid
Signature"}}]}`` (10020 covers signature, timestamp and credential problems).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Any

import httpx

from app.mirrors.links.model import AffiliateApiError, Store
from app.mirrors.links.urls import clean_url, host_of, store_of_host

API_URL = "https://open-api.affiliate.shopee.com.br/graphql"
_PRODUCT = re.compile(r"/product/(\d+)/(\d+)")
_SLUG_IDS = re.compile(r"-i\.(\d+)\.(\d+)")


def item_ids(url: str) -> tuple[str, str] | None:
    """``(shop, item)`` from ``/<slug>-i.<shop>.<item>`` or ``/product/<shop>/<item>``."""
    for pattern in (_SLUG_IDS, _PRODUCT):
        match = pattern.search(url.split("?", 1)[0])
        if match:
            return match.group(1), match.group(2)
    return None


def canonical(url: str) -> str:
    ids = item_ids(url)
    if ids is None:
        return clean_url(url)
    return f"https://shopee.com.br/product/{ids[0]}/{ids[1]}"


def signature(app_id: str, timestamp: int, payload: str, secret: str) -> str:
    return hashlib.sha256(f"{app_id}{timestamp}{payload}{secret}".encode()).hexdigest()


def authorization(app_id: str, timestamp: int, payload: str, secret: str) -> str:
    sign = signature(app_id, timestamp, payload, secret)
    return f"SHA256 Credential={app_id}, Timestamp={timestamp}, Signature={sign}"


def mutation(origin_url: str, sub_ids: tuple[str, ...] = ()) -> str:
    """The request body. ``json.dumps`` of a string is a valid GraphQL string literal."""
    arguments = f"originUrl:{json.dumps(origin_url)}"
    if sub_ids:
        arguments += f",subIds:{json.dumps(list(sub_ids))}"
    query = f"mutation{{generateShortLink(input:{{{arguments}}}){{shortLink}}}}"
    return json.dumps({"query": query}, separators=(",", ":"))


async def generate_short_link(
    client: httpx.AsyncClient,
    origin_url: str,
    *,
    app_id: str,
    secret: str,
    api_url: str = API_URL,
    timeout: float = 10.0,
    now: float | None = None,
) -> str:
    """The organization's ``s.shopee.com.br`` link to ``origin_url``; raises
    :class:`AffiliateApiError` with Shopee's reason otherwise."""
    payload = mutation(canonical(origin_url))
    timestamp = int(time.time() if now is None else now)
    headers = {
        "Content-Type": "application/json",
        "Authorization": authorization(app_id, timestamp, payload, secret),
    }
    try:
        response = await client.post(
            api_url, content=payload.encode(), headers=headers, timeout=timeout
        )
        body: Any = response.json()
    except httpx.TimeoutException as exc:
        raise AffiliateApiError("Shopee API did not answer in time") from exc
    except (httpx.HTTPError, ValueError) as exc:
        raise AffiliateApiError(f"Shopee API unreachable: {type(exc).__name__}") from exc
    return _short_link(response.status_code, body)


def _short_link(status: int, body: Any) -> str:
    if not isinstance(body, dict):
        raise AffiliateApiError(f"Shopee API answered HTTP {status} without JSON")
    errors = body.get("errors")
    if errors:
        first = errors[0] if isinstance(errors, list) and errors else {}
        extensions = first.get("extensions", {}) if isinstance(first, dict) else {}
        code = extensions.get("code", "?")
        message = extensions.get("message") or first.get("message") or "unknown error"
        raise AffiliateApiError(f"Shopee API error {code}: {message}")
    data = body.get("data") or {}
    link = (data.get("generateShortLink") or {}).get("shortLink")
    if status != 200 or not isinstance(link, str):
        raise AffiliateApiError(f"Shopee API answered HTTP {status} without a short link")
    if not link.startswith("https://") or store_of_host(host_of(link)) is not Store.SHOPEE:
        raise AffiliateApiError(f"Shopee API answered a link outside Shopee: {link!r}")
    return link
