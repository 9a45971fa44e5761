"""Checking a WhatsApp Cloud API number: nothing is created on Meta's side, the webhook
is pasted by the administrator in the app's dashboard (URL + verify token), and
``GET /{version}/{phone-number-id}?fields=display_phone_number,verified_name`` with
``Authorization: Bearer`` says whether the token and the phone number id work:
200 ``{display_phone_number:"+55 11 95555-4444", verified_name, id}``; 401 code 190
for a bad or expired token; 400 code 100 (subcode 33) for an id that does not exist or
that the token cannot see."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from .. import _provision as p
from ..base import ProvisionState
from ..phone import normalize_phone
from .sender import DEFAULT_GRAPH, DEFAULT_VERSION

PROVIDER = "Meta"


async def provision(
    config: Mapping[str, Any], *, webhook_url: str, client: httpx.AsyncClient | None = None
) -> ProvisionState:
    del webhook_url  # Meta's webhook is set in its dashboard, by hand
    return await check(config, client=client)


async def check(
    config: Mapping[str, Any], *, client: httpx.AsyncClient | None = None
) -> ProvisionState:
    graph = str(config.get("graphBaseUrl") or DEFAULT_GRAPH).rstrip("/")
    version = str(config.get("graphVersion") or DEFAULT_VERSION)
    number_id = p.require(config, "phoneNumberId", PROVIDER)
    token = p.require(config, "accessToken", PROVIDER)
    response = await p.call(
        client,
        "GET",
        f"{graph}/{version}/{number_id}",
        provider=PROVIDER,
        headers={"Authorization": f"Bearer {token}"},
        params={"fields": "display_phone_number,verified_name"},
    )
    body = p.json_of(response)
    if response.is_success and isinstance(body, dict):
        shown = body.get("display_phone_number")
        return ProvisionState(
            state="connected", phone=normalize_phone(str(shown)) if shown else None
        )
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    said = str(error.get("message")) if isinstance(error, dict) and error.get("message") else None
    if code == 190:
        detail = f"{PROVIDER} refused the access token (code 190): generate a new one"
        return ProvisionState(state="failed", reason=detail)
    if code == 100:
        detail = (
            f"{PROVIDER} does not know phone number id {number_id!r} (code 100), "
            "or the token cannot see it"
        )
        return ProvisionState(state="failed", reason=detail[:300])
    raise p.refused(PROVIDER, response, "checking the phone number id", said)
