"""Setting up and watching an Evolution API v2 instance (2.3.x source: instance.router,
webhook.router, instance.controller, guards).

- ``GET /instance/connectionState/{i}`` → ``{"instance":{"instanceName","state"}}``,
  ``state`` ∈ ``open|connecting|close``; 404 ``The "i" instance does not exist``.
- ``POST /instance/create`` ``{instanceName, integration:"WHATSAPP-BAILEYS", qrcode,
  webhook:{enabled,url,events,byEvents,base64}}`` → 201; 403 ``This name "i" is already in
  use.`` when it exists. Needs the global key (an instance token gets 401).
- ``POST /webhook/set/{i}`` ``{webhook:{enabled,url,events,byEvents,base64}}`` → 201.
- ``GET /instance/connect/{i}`` → the QR ``{pairingCode, code, base64:"data:image/png;…",
  count}`` while pairing (it starts the socket when the state is ``close``), or the
  connection state when already open.
- ``GET /instance/fetchInstances?instanceName=i`` → ``[{name, connectionStatus,
  ownerJid, …}]``: our own number once connected.

Auth is the ``apikey`` header (global key or the instance's token).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from .. import _provision as p
from ..base import ConnectionState, ProvisionError, ProvisionState
from ..phone import normalize_phone

PROVIDER = "Evolution"
# What the adapter parses (adapter._HANDLERS), in Evolution's event names.
EVENTS = (
    "MESSAGES_UPSERT",
    "SEND_MESSAGE",
    "MESSAGES_UPDATE",
    "MESSAGES_EDITED",
    "MESSAGES_DELETE",
    "CONNECTION_UPDATE",
    "QRCODE_UPDATED",
)
_STATES: dict[str, ConnectionState] = {
    "open": "connected",
    "connecting": "connecting",
    "close": "disconnected",
    "refused": "failed",
}


def _headers(config: Mapping[str, Any]) -> dict[str, str]:
    return {"apikey": p.require(config, "apiKey", PROVIDER)}


def _instance(config: Mapping[str, Any]) -> str:
    return p.require(config, "instance", PROVIDER)


def _message(response: httpx.Response) -> str | None:
    body = p.json_of(response)
    found = body.get("response", {}).get("message") if isinstance(body, dict) else None
    if isinstance(found, list):
        found = "; ".join(str(item) for item in found)
    return str(found) if found else None


def webhook(webhook_url: str) -> dict[str, Any]:
    # base64: media arrives inline (no S3 configured on most servers, and the adapter
    # never downloads encrypted WhatsApp links).
    return {
        "enabled": True,
        "url": webhook_url,
        "events": list(EVENTS),
        "byEvents": False,
        "base64": True,
    }


async def _state(config: Mapping[str, Any], client: httpx.AsyncClient | None) -> str | None:
    """The instance's state, or None when it does not exist."""
    base, instance = p.base_url(config, "baseUrl", PROVIDER), _instance(config)
    response = await p.call(
        client,
        "GET",
        f"{base}/instance/connectionState/{instance}",
        provider=PROVIDER,
        headers=_headers(config),
    )
    if response.status_code == 404:
        return None
    if not response.is_success:
        raise p.refused(PROVIDER, response, f"reading instance {instance!r}", _message(response))
    body = p.json_of(response)
    state = body.get("instance", {}).get("state") if isinstance(body, dict) else None
    return str(state or "close")


async def provision(
    config: Mapping[str, Any], *, webhook_url: str, client: httpx.AsyncClient | None = None
) -> ProvisionState:
    base, instance, headers = (
        p.base_url(config, "baseUrl", PROVIDER),
        _instance(config),
        _headers(config),
    )
    hook = webhook(webhook_url)
    if await _state(config, client) is None:
        body = {
            "instanceName": instance,
            "integration": "WHATSAPP-BAILEYS",
            "qrcode": False,  # asked for below: create would wait 5 s for it
            "webhook": hook,
        }
        response = await p.call(
            client, "POST", f"{base}/instance/create", provider=PROVIDER, headers=headers, json=body
        )
        if response.is_success:
            return await check(config, client=client)
        if not (response.status_code == 403 and "already in use" in (_message(response) or "")):
            raise p.refused(
                PROVIDER, response, f"creating instance {instance!r}", _message(response)
            )
    response = await p.call(
        client,
        "POST",
        f"{base}/webhook/set/{instance}",
        provider=PROVIDER,
        headers=headers,
        json={"webhook": hook},
    )
    if not response.is_success:
        doing = f"setting the webhook of {instance!r}"
        raise p.refused(PROVIDER, response, doing, _message(response))
    return await check(config, client=client)


async def check(
    config: Mapping[str, Any], *, client: httpx.AsyncClient | None = None
) -> ProvisionState:
    instance = _instance(config)
    raw = await _state(config, client)
    if raw is None:
        reason = f"{PROVIDER}: instance {instance!r} does not exist"
        return ProvisionState(state="disconnected", reason=reason, missing=True)
    state = _STATES.get(raw.lower(), "disconnected")
    if state == "connected":
        return ProvisionState(state="connected", phone=await _own_number(config, client))
    if state == "failed":
        return ProvisionState(state="failed", reason=f"{PROVIDER}: instance {instance!r} refused")
    qr = await _qr(config, client)
    if qr is not None:
        return ProvisionState(state="qr_pending", qr_code=qr)
    return ProvisionState(state=state)


async def _qr(config: Mapping[str, Any], client: httpx.AsyncClient | None) -> str | None:
    base, instance = p.base_url(config, "baseUrl", PROVIDER), _instance(config)
    response = await p.call(
        client,
        "GET",
        f"{base}/instance/connect/{instance}",
        provider=PROVIDER,
        headers=_headers(config),
    )
    if not response.is_success:
        raise p.refused(PROVIDER, response, f"reading the QR of {instance!r}", _message(response))
    body = p.json_of(response)
    if isinstance(body, dict) and body.get("error") is True:
        raise ProvisionError(f"{PROVIDER}: {body.get('message')}"[:300], transient=True)
    found = body.get("base64") if isinstance(body, dict) else None
    return p.data_url(found) if isinstance(found, str) else None


async def _own_number(config: Mapping[str, Any], client: httpx.AsyncClient | None) -> str | None:
    base, instance = p.base_url(config, "baseUrl", PROVIDER), _instance(config)
    response = await p.call(
        client,
        "GET",
        f"{base}/instance/fetchInstances",
        provider=PROVIDER,
        headers=_headers(config),
        params={"instanceName": instance},
    )
    body = p.json_of(response) if response.is_success else None
    for item in body if isinstance(body, list) else []:
        owner = item.get("ownerJid") if isinstance(item, dict) else None
        if isinstance(owner, str) and owner:
            return normalize_phone(owner)
    return None
