"""Setting up and watching a WAHA session (WAHA 2026.7.1 OpenAPI, docs "Sessions").

- ``GET /api/sessions/{session}`` → ``{name, status, me:{id,pushName}, config}``;
  ``status`` ∈ ``STOPPED|STARTING|SCAN_QR_CODE|PASSKEY_*|WORKING|FAILED``; 404 when the
  session does not exist.
- ``POST /api/sessions`` ``{name, start, config:{webhooks:[{url, events, hmac}]}}`` creates
  (and starts) it; 422 "Session 'x' already exists. Use PUT to update it." when it exists.
- ``PUT /api/sessions/{session}`` ``{name, config}`` replaces the whole config (a running
  session is restarted with it), ``POST /api/sessions/{session}/start`` is idempotent.
- ``GET /api/{session}/auth/qr`` with ``Accept: application/json`` →
  ``{mimetype:"image/png", data:<base64>}`` while the status is ``SCAN_QR_CODE``; the QR
  changes every ~20 s and each change is a ``session.status`` webhook.

Auth is the ``X-Api-Key`` header (401 ``{"message":"Unauthorized"}`` otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from .. import _provision as p
from ..base import ProvisionError, ProvisionState
from ..phone import normalize_phone

PROVIDER = "WAHA"
# The events the adapter parses (adapter._HANDLERS); message.any carries our own
# messages sent from the phone as well as the customers'.
EVENTS = (
    "message.any",
    "message.reaction",
    "message.ack",
    "message.revoked",
    "message.edited",
    "session.status",
)


def _session(config: Mapping[str, Any]) -> str:
    session = config.get("session")
    return session if isinstance(session, str) and session else "default"


def _headers(config: Mapping[str, Any]) -> dict[str, str]:
    return {"X-Api-Key": p.require(config, "apiKey", PROVIDER)}


def _message(response: httpx.Response) -> str | None:
    body = p.json_of(response)
    if isinstance(body, dict):
        for key in ("message", "error"):
            if isinstance(body.get(key), str) and body[key]:
                return str(body[key])
    return None


async def _get_session(
    config: Mapping[str, Any], client: httpx.AsyncClient | None
) -> dict[str, Any] | None:
    base, session = p.base_url(config, "baseUrl", PROVIDER), _session(config)
    response = await p.call(
        client, "GET", f"{base}/api/sessions/{session}", provider=PROVIDER, headers=_headers(config)
    )
    if response.status_code == 404:
        return None
    if not response.is_success:
        raise p.refused(PROVIDER, response, f"reading session {session!r}", _message(response))
    body = p.json_of(response)
    if not isinstance(body, dict):
        raise ProvisionError(f"{PROVIDER}: session {session!r} answer is not JSON", transient=True)
    return body


def _webhook(config: Mapping[str, Any], webhook_url: str) -> dict[str, Any]:
    hook: dict[str, Any] = {"url": webhook_url, "events": list(EVENTS)}
    key = config.get("webhookHmacKey")
    if isinstance(key, str) and key:
        hook["hmac"] = {"key": key}  # the adapter checks X-Webhook-Hmac with it
    return hook


def _has_webhook(found: dict[str, Any], hook: dict[str, Any]) -> bool:
    hooks = (found.get("config") or {}).get("webhooks") or []
    return any(
        isinstance(h, dict)
        and h.get("url") == hook["url"]
        and set(h.get("events") or []) >= set(hook["events"])
        and (h.get("hmac") or None) == hook.get("hmac")
        for h in hooks
    )


async def provision(
    config: Mapping[str, Any], *, webhook_url: str, client: httpx.AsyncClient | None = None
) -> ProvisionState:
    base, session, headers = (
        p.base_url(config, "baseUrl", PROVIDER),
        _session(config),
        _headers(config),
    )
    hook = _webhook(config, webhook_url)
    found = await _get_session(config, client)
    if found is None:
        body = {"name": session, "start": True, "config": {"webhooks": [hook]}}
        response = await p.call(
            client, "POST", f"{base}/api/sessions", provider=PROVIDER, headers=headers, json=body
        )
        if response.status_code == 422 and "already exists" in (_message(response) or ""):
            found = await _get_session(config, client)  # created meanwhile: update it
        elif not response.is_success:
            raise p.refused(PROVIDER, response, f"creating session {session!r}", _message(response))
    if found is not None:
        if not _has_webhook(found, hook):
            current = dict(found.get("config") or {})
            others = [
                h
                for h in current.get("webhooks") or []
                if isinstance(h, dict) and not p.same_endpoint(h.get("url"), webhook_url)
            ]
            current["webhooks"] = [*others, hook]
            response = await p.call(
                client,
                "PUT",
                f"{base}/api/sessions/{session}",
                provider=PROVIDER,
                headers=headers,
                json={"name": session, "config": current},
            )
            if not response.is_success:
                doing = f"setting the webhook of session {session!r}"
                raise p.refused(PROVIDER, response, doing, _message(response))
        if str(found.get("status", "")).upper() in ("STOPPED", "FAILED"):
            response = await p.call(
                client,
                "POST",
                f"{base}/api/sessions/{session}/start",
                provider=PROVIDER,
                headers=headers,
            )
            if not response.is_success:
                doing = f"starting session {session!r}"
                raise p.refused(PROVIDER, response, doing, _message(response))
    return await check(config, client=client)


async def check(
    config: Mapping[str, Any], *, client: httpx.AsyncClient | None = None
) -> ProvisionState:
    session = _session(config)
    found = await _get_session(config, client)
    if found is None:
        reason = f"{PROVIDER}: session {session!r} does not exist"
        return ProvisionState(state="disconnected", reason=reason, missing=True)
    status = str(found.get("status", "")).upper()
    if status == "WORKING":
        me = found.get("me") or {}
        own = me.get("id") if isinstance(me, dict) else None
        phone = normalize_phone(own) if isinstance(own, str) and own else None
        return ProvisionState(state="connected", phone=phone)
    if status == "SCAN_QR_CODE":
        return ProvisionState(state="qr_pending", qr_code=await _qr(config, client))
    if status == "STARTING":
        return ProvisionState(state="connecting")
    if status.startswith("PASSKEY"):
        reason = f"{PROVIDER}: WhatsApp asks for a passkey; finish pairing in WAHA's dashboard"
        return ProvisionState(state="connecting", reason=reason)
    if status == "FAILED":
        reason = f"{PROVIDER}: session {session!r} FAILED; restart it or log out and scan again"
        return ProvisionState(state="failed", reason=reason)
    return ProvisionState(state="disconnected", reason=f"{PROVIDER}: session {session!r} {status}")


async def _qr(config: Mapping[str, Any], client: httpx.AsyncClient | None) -> str | None:
    """The current QR; None when the session left SCAN_QR_CODE in between (WAHA then
    answers 422), so the next check reads the new status."""
    base, session = p.base_url(config, "baseUrl", PROVIDER), _session(config)
    headers = {**_headers(config), "Accept": "application/json"}
    response = await p.call(
        client,
        "GET",
        f"{base}/api/{session}/auth/qr",
        provider=PROVIDER,
        headers=headers,
        params={"format": "image"},
    )
    if response.status_code in (404, 422):
        return None
    if not response.is_success:
        raise p.refused(PROVIDER, response, f"reading the QR of {session!r}", _message(response))
    if response.headers.get("content-type", "").startswith("image/"):
        return p.png_data_url(response.content)
    body = p.json_of(response)
    if not isinstance(body, dict) or not isinstance(body.get("data"), str):
        return None
    return p.data_url(body["data"], str(body.get("mimetype") or "image/png"))
