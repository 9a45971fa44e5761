"""Outbound messages through the WhatsApp Cloud API (SEND_APIS.md §3, OpenAPI v23.0).

Config: ``phoneNumberId``, ``accessToken``, optional ``graphBaseUrl`` (default
``https://graph.facebook.com``) and ``graphVersion`` (default ``v23.0``).

A number without WhatsApp is accepted here with a wamid and fails later in a status
webhook (131026, §3.5): there is no synchronous check to make.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from providers import http
from providers.base import MediaIdRejected, OutboundMessage, SendError, SendResult

PROVIDER = "Meta"
DEFAULT_GRAPH = "https://graph.facebook.com"
DEFAULT_VERSION = "v23.0"
# 130429 throughput and 131056 pair rate are throttling (§3.4, §3.5): retry later, even
# though they come as HTTP 400. 131000 is Meta's generic "something went wrong".
_RATE_LIMIT_CODES = frozenset({130429, 131056})
# "Healthy ecosystem" per-user marketing limit: this user gets no more marketing for a
# while. Permanent for this send (never retried at once); says nothing about the number.
_MARKETING_LIMIT = 131049
_TRANSIENT_CODES = frozenset({131000})
# A media id Meta no longer takes (ids live 30 days, and belong to the number that
# uploaded them): 100 "Invalid parameter" naming the id ("(#100) Param image.id is not a
# valid whatsapp business account media attachment ID"), or 131053 "Media upload error".
_MEDIA_UPLOAD_ERROR = 131053
_INVALID_PARAMETER = 100
# Voice notes are plain `audio` on the Cloud API (§3.1 lists no separate type).
_TYPE = {
    "image": "image",
    "video": "video",
    "audio": "audio",
    "voice": "audio",
    "document": "document",
    "sticker": "sticker",
}
_CAPTIONED = frozenset({"image", "video", "document"})


async def send(
    message: OutboundMessage,
    config: Mapping[str, Any],
    *,
    client: httpx.AsyncClient | None = None,
) -> SendResult:
    if http.is_chat_id(message.to):
        # The Cloud API addresses individuals by phone number (§3.1); no JIDs, no groups.
        raise SendError(f"{PROVIDER}: cannot send to {message.to!r}", transient=False)
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": http.digits(message.to),
    }
    if message.quoted_provider_message_id:
        body["context"] = {"message_id": message.quoted_provider_message_id}
    if message.media is None:
        if not message.text:
            raise SendError(f"{PROVIDER}: empty text", transient=False)
        body["type"] = "text"
        body["text"] = {"preview_url": False, "body": message.text}
    else:
        kind = _TYPE[message.media.kind]
        body["type"] = kind
        body[kind] = await _media_object(message, config, client)
    sent_id = message.media.media_id if message.media is not None else None
    reply = await _call(config, "messages", client, media_id=sent_id, json=body)
    return SendResult(provider_message_id=_message_id(reply))


async def send_presence(
    to: str,
    config: Mapping[str, Any],
    *,
    typing: bool,
    client: httpx.AsyncClient | None = None,
    duration_ms: int = 0,
    message_id: str | None = None,
) -> None:
    """The typing indicator needs the id of a received message and also marks it read; it
    ends by itself on our reply or after 25 s and cannot be stopped (§3.2). Without
    ``message_id``, or with ``typing=False``, nothing is sent."""
    del to, duration_ms
    if not typing or not message_id:
        return
    body = {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": message_id,
        "typing_indicator": {"type": "text"},
    }
    await _call(config, "messages", client, json=body)


async def mark_read(
    chat_id: str,
    message_ids: Sequence[str],
    config: Mapping[str, Any],
    *,
    client: httpx.AsyncClient | None = None,
) -> None:
    """Marks the newest of ``message_ids`` read; Meta marks the earlier ones with it."""
    del chat_id
    if message_ids:
        body = {"messaging_product": "whatsapp", "status": "read", "message_id": message_ids[-1]}
        await _call(config, "messages", client, json=body)


async def upload_media(
    message: OutboundMessage,
    config: Mapping[str, Any],
    *,
    client: httpx.AsyncClient | None = None,
) -> str:
    """Upload the message's file to ``/{phone-number-id}/media``; returns the media id."""
    media = http.require_media_source(message, PROVIDER)
    raw = await http.media_bytes(message)
    if raw is None:
        raise SendError(f"{PROVIDER}: media has no bytes to upload", transient=False)
    mimetype = http.media_mimetype(media)
    files = {"file": (http.fallback_filename(media), raw, mimetype)}
    # `type` is in Meta's guides though not in OpenAPI v23 (§3.3 ⚠); it is harmless.
    data = {"messaging_product": "whatsapp", "type": mimetype}
    reply = await _call(config, "media", client, files=files, data=data)
    media_id = reply.get("id") if isinstance(reply, dict) else None
    if not isinstance(media_id, str):
        raise SendError(f"{PROVIDER}: upload answered without a media id", transient=True)
    return media_id


async def _media_object(
    message: OutboundMessage, config: Mapping[str, Any], client: httpx.AsyncClient | None
) -> dict[str, Any]:
    media = message.media
    if media is None or not media.media_id:
        media = http.require_media_source(message, PROVIDER)
    kind = _TYPE[media.kind]
    obj: dict[str, Any]
    if media.media_id:
        obj = {"id": media.media_id}
    elif media.url:
        obj = {"link": media.url}
    else:
        obj = {"id": await upload_media(message, config, client=client)}
    if message.text and kind in _CAPTIONED:
        obj["caption"] = message.text
    if kind == "document":
        obj["filename"] = http.fallback_filename(media)
    return obj


async def _call(
    config: Mapping[str, Any],
    edge: str,
    client: httpx.AsyncClient | None,
    *,
    media_id: str | None = None,
    **kwargs: Any,
) -> Any:
    graph = str(config.get("graphBaseUrl") or DEFAULT_GRAPH).rstrip("/")
    version = str(config.get("graphVersion") or DEFAULT_VERSION)
    phone_number_id = http.require(config, "phoneNumberId", PROVIDER)
    token = http.require(config, "accessToken", PROVIDER)
    response = await http.request(
        client,
        "POST",
        f"{graph}/{version}/{phone_number_id}/{edge}",
        provider=PROVIDER,
        headers={"Authorization": f"Bearer {token}"},
        **kwargs,
    )
    if response.is_success:
        return http.json_body(response)
    raise _error(response, media_id)


def _error(response: httpx.Response, media_id: str | None = None) -> SendError:
    """Branch on ``error.code`` rather than the HTTP status, as Meta advises (§3.4).
    ``media_id``: the id the refused message carried, if any."""
    payload = http.json_body(response)
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return http.status_error(response, http.describe(PROVIDER, response, None))
    code = error.get("code")
    text = str(error.get("message") or "")
    data = error.get("error_data")
    if isinstance(data, dict) and data.get("details"):
        text = f"{text} — {data['details']}" if text else str(data["details"])
    detail = http.describe(PROVIDER, response, text or None)
    status = response.status_code
    if media_id is not None and _rejects_media_id(code, text):
        return MediaIdRejected(detail, media_id=media_id, status=status)
    if code == _MARKETING_LIMIT:
        return SendError(f"{detail} (131049: per-user marketing limit)", transient=False)
    if code in _RATE_LIMIT_CODES or status == 429:
        return http.RateLimited(detail, status=status, retry_after=http.retry_after(response))
    if code in _TRANSIENT_CODES or error.get("is_transient") is True:
        return SendError(detail, transient=True, status=status)
    return http.status_error(response, detail)


def _rejects_media_id(code: Any, text: str) -> bool:
    if code == _MEDIA_UPLOAD_ERROR:
        return True
    return code == _INVALID_PARAMETER and "media attachment id" in text.lower()


def _message_id(reply: Any) -> str | None:
    messages = reply.get("messages") if isinstance(reply, dict) else None
    if isinstance(messages, list) and messages and isinstance(messages[0], dict):
        value = messages[0].get("id")
        return value if isinstance(value, str) else None
    return None
