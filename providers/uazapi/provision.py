"""Setting up and watching a uazapiGO v2 instance (OpenAPI 2.0.1).

- ``POST /webhook`` in its simple mode (no ``action``/``id``) ``{enabled, url, events,
  excludeMessages}`` creates or updates the instance's one webhook → 200 ``[webhook]``.
- ``GET /instance/status`` → ``{instance:{status, qrcode:"data:image/png;…", paircode,
  lastDisconnectReason}, status:{connected, loggedIn, jid:{user, server}}}``;
  ``instance.status`` ∈ ``disconnected|connecting|connected``.
- ``POST /instance/connect`` ``{}`` (no ``phone``: a QR, not a pairing code) → the
  instance, now ``connecting`` with its ``qrcode``; the QR lapses after 2 minutes.

Auth is the instance's ``token`` header (401 ``{"error":"Invalid token"}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from .. import _provision as p
from ..base import ProvisionError, ProvisionState
from ..phone import normalize_phone

PROVIDER = "UAZapi"
EVENTS = ("messages", "messages_update", "connection")  # adapter._HANDLERS


def _headers(config: Mapping[str, Any]) -> dict[str, str]:
    return {"token": p.require(config, "token", PROVIDER)}


def _message(response: httpx.Response) -> str | None:
    body = p.json_of(response)
    found = body.get("error") if isinstance(body, dict) else None
    return str(found) if found else None


async def provision(
    config: Mapping[str, Any], *, webhook_url: str, client: httpx.AsyncClient | None = None
) -> ProvisionState:
    base, headers = p.base_url(config, "baseUrl", PROVIDER), _headers(config)
    # Our own sends are not echoed back: their ids come from the send's answer.
    hook = {
        "enabled": True,
        "url": webhook_url,
        "events": list(EVENTS),
        "excludeMessages": ["wasSentByApi"],
    }
    response = await p.call(
        client, "POST", f"{base}/webhook", provider=PROVIDER, headers=headers, json=hook
    )
    if not response.is_success:
        raise p.refused(PROVIDER, response, "setting the webhook", _message(response))
    state = await check(config, client=client)
    if state.state != "disconnected":
        return state
    response = await p.call(
        client, "POST", f"{base}/instance/connect", provider=PROVIDER, headers=headers, json={}
    )
    if not response.is_success:
        raise p.refused(PROVIDER, response, "connecting the instance", _message(response))
    return _state(p.json_of(response)) or await check(config, client=client)


async def check(
    config: Mapping[str, Any], *, client: httpx.AsyncClient | None = None
) -> ProvisionState:
    base = p.base_url(config, "baseUrl", PROVIDER)
    response = await p.call(
        client, "GET", f"{base}/instance/status", provider=PROVIDER, headers=_headers(config)
    )
    if response.status_code == 404:
        reason = f"{PROVIDER}: the instance does not exist"
        return ProvisionState(state="disconnected", reason=reason, missing=True)
    if not response.is_success:
        raise p.refused(PROVIDER, response, "reading the instance status", _message(response))
    state = _state(p.json_of(response))
    if state is None:
        raise ProvisionError(f"{PROVIDER}: /instance/status answer not understood", transient=True)
    return state


def _state(body: Any) -> ProvisionState | None:
    if not isinstance(body, dict):
        return None
    instance: dict[str, Any] = _object(body.get("instance"))
    status: dict[str, Any] = _object(body.get("status"))
    if not instance and not status:
        return None
    logged_in = bool(status.get("connected") and status.get("loggedIn"))
    if logged_in or instance.get("status") == "connected":
        jid = _object(status.get("jid"))
        user = jid.get("user") or instance.get("owner")
        return ProvisionState(state="connected", phone=normalize_phone(str(user)) if user else None)
    if instance.get("status") == "connecting":
        qr = p.data_url(instance.get("qrcode") or None)
        return ProvisionState(state="qr_pending" if qr else "connecting", qr_code=qr)
    reason = instance.get("lastDisconnectReason") or None
    return ProvisionState(state="disconnected", reason=f"{PROVIDER}: {reason}" if reason else None)


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
