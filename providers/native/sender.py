"""Outbound messages to a NATIVE connection (API.md, "Connections").

Config: ``sendUrl``, ``secret``. Each message is POSTed as
``{"messageId", "to", "type", "text", "media"}`` (plus ``quotedMessageId`` when quoting,
the name the inbound format uses) with ``X-Balcao-Signature: sha256=<hex HMAC-SHA256 of
the exact body bytes>``; the answer ``{"providerMessageId": "..."}`` marks it SENT.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import msgspec

from providers import _groups, http
from providers.base import GroupInfo, OutboundMessage, SendError, SendResult

PROVIDER = "Native"
SIGNATURE_HEADER = "X-Balcao-Signature"


async def send(
    message: OutboundMessage,
    config: Mapping[str, Any],
    *,
    client: httpx.AsyncClient | None = None,
) -> SendResult:
    url = http.require(config, "sendUrl", PROVIDER)
    secret = http.require(config, "secret", PROVIDER)
    body = msgspec.json.encode(await _payload(message))
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, secret)}
    response = await http.request(
        client, "POST", url, provider=PROVIDER, content=body, headers=headers
    )
    reply = http.json_body(response)
    if not response.is_success:
        raise http.status_error(response, http.describe(PROVIDER, response, _error_text(reply)))
    provider_id = reply.get("providerMessageId") if isinstance(reply, dict) else None
    return SendResult(provider_message_id=provider_id if isinstance(provider_id, str) else None)


def sign(body: bytes, secret: str) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


async def send_presence(
    to: str,
    config: Mapping[str, Any],
    *,
    typing: bool,
    client: httpx.AsyncClient | None = None,
    duration_ms: int = 0,
) -> None:
    """The native contract has no presence call; nothing is sent."""
    del to, config, typing, client, duration_ms


async def mark_read(
    chat_id: str,
    message_ids: Sequence[str],
    config: Mapping[str, Any],
    *,
    client: httpx.AsyncClient | None = None,
) -> None:
    """The native contract has no read receipts; nothing is sent."""
    del chat_id, message_ids, config, client


async def _payload(message: OutboundMessage) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "messageId": message.message_id,
        "to": message.to,
        "type": "text" if message.media is None else message.media.kind,
        "text": message.text,
        "media": None,
    }
    if message.media is not None:
        media = http.require_media_source(message, PROVIDER)
        source = {"url": media.url} if media.url else {"base64": await http.media_base64(message)}
        payload["media"] = {
            **source,
            "mimetype": http.media_mimetype(media),
            "filename": media.filename,
        }
    elif not message.text:
        raise SendError(f"{PROVIDER}: empty text", transient=False)
    if message.quoted_provider_message_id:
        payload["quotedMessageId"] = message.quoted_provider_message_id
    return payload


def _error_text(reply: Any) -> str | None:
    if isinstance(reply, dict):
        for key in ("detail", "error", "message"):
            if reply.get(key):
                return http.as_text(reply[key])
    return None


async def list_groups(
    config: Mapping[str, Any], *, client: httpx.AsyncClient | None = None
) -> list[GroupInfo]:
    """``GET groupsUrl`` (optional config) signed like a send — the HMAC of the empty
    body — answering ``[{"id", "name", "participants"}]``. Without ``groupsUrl`` the
    integration lists no groups (it may still post to those its messages come from)."""
    url = config.get("groupsUrl")
    if not isinstance(url, str) or not url:
        return []
    secret = http.require(config, "secret", PROVIDER)

    def error(response: httpx.Response) -> SendError:
        text = _error_text(http.json_body(response))
        return http.status_error(response, http.describe(PROVIDER, response, text))

    payload = await _groups.get_json(
        client, url, provider=PROVIDER, headers={SIGNATURE_HEADER: sign(b"", secret)}, error=error
    )
    if not isinstance(payload, list):
        raise SendError(f"{PROVIDER}: the group list is not an array", transient=True)
    found: list[GroupInfo] = []
    for item in payload:
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
            count = item.get("participants")
            found.append(
                GroupInfo(
                    id=item["id"],
                    name=str(item.get("name") or item["id"]),
                    participants=count if isinstance(count, int) and count > 0 else 0,
                )
            )
    return found
