"""Outbound messages through Evolution API v2 (SEND_APIS.md §1, read from 2.3.7).

Config: ``baseUrl``, ``apiKey`` (global key or the instance token), ``instance`` (the
instance *name*, not its id — 🧾#1378).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from providers import _groups, http
from providers._common import has_link
from providers.base import GroupInfo, OutboundMessage, SendError, SendResult

PROVIDER = "Evolution"
_MEDIATYPE = {
    "image": "image",
    "video": "video",
    "document": "document",
    "audio": "audio",
    # Evolution re-encodes any image to JPEG (§1.2); a WebP sticker goes out as an image.
    "sticker": "image",
}


async def send(
    message: OutboundMessage,
    config: Mapping[str, Any],
    *,
    client: httpx.AsyncClient | None = None,
) -> SendResult:
    if message.media is None:
        if not message.text or not message.text.strip():
            raise SendError(f"{PROVIDER}: empty text", transient=False)
        body: dict[str, Any] = {"number": _number(message.to), "text": message.text}
        if has_link(message.text):
            body["linkPreview"] = True
        _add_quote(body, message)
        reply = await _post(config, "message/sendText", body, client)
    elif message.media.kind == "voice":
        reply = await _post(config, "message/sendWhatsAppAudio", await _voice(message), client)
    else:
        reply = await _post(config, "message/sendMedia", await _media(message), client)
    return SendResult(provider_message_id=_message_id(reply))


async def send_presence(
    to: str,
    config: Mapping[str, Any],
    *,
    typing: bool,
    client: httpx.AsyncClient | None = None,
    duration_ms: int = 3000,
) -> None:
    """``composing`` for ``duration_ms``, or ``paused``.

    Evolution holds the HTTP call open for ``delay`` and sends ``paused`` itself at the end
    (§1.2), so this returns only when the indicator is over."""
    delay = duration_ms if typing else 0
    body = {"number": _number(to), "presence": "composing" if typing else "paused", "delay": delay}
    timeout = http.DEFAULT_TIMEOUT.read or 60.0
    await _post(config, "chat/sendPresence", body, client, read_timeout=timeout + delay / 1000)


async def mark_read(
    chat_id: str,
    message_ids: Sequence[str],
    config: Mapping[str, Any],
    *,
    client: httpx.AsyncClient | None = None,
) -> None:
    """Mark received messages read. ``chat_id`` is the ``remoteJid`` verbatim: Evolution drops
    ``@lid`` keys silently and still answers success (§1.2)."""
    remote_jid = chat_id if http.is_chat_id(chat_id) else f"{http.digits(chat_id)}@s.whatsapp.net"
    keys = [{"remoteJid": remote_jid, "fromMe": False, "id": mid} for mid in message_ids]
    if keys:
        await _post(config, "chat/markMessageAsRead", {"readMessages": keys}, client)


def _number(to: str) -> str:
    # Groups and LIDs go as JIDs; Evolution's createJid fixes the Brazilian 9th digit of a
    # bare number itself (§1.2).
    return to if http.is_chat_id(to) else http.digits(to)


def _add_quote(body: dict[str, Any], message: OutboundMessage) -> None:
    # Without `message`, Evolution looks the quoted id up in its DB and sends unquoted when
    # it is not there, without an error (§1.2).
    if message.quoted_provider_message_id:
        body["quoted"] = {"key": {"id": message.quoted_provider_message_id}}


async def _media(message: OutboundMessage) -> dict[str, Any]:
    media = http.require_media_source(message, PROVIDER)
    body: dict[str, Any] = {
        "number": _number(message.to),
        "mediatype": _MEDIATYPE[media.kind],
        "mimetype": http.media_mimetype(media),
        "media": media.url or await http.media_base64(message),
    }
    if message.text:
        body["caption"] = message.text
    if media.kind == "document":
        # A base64 document without fileName is a 400 (§1.2).
        body["fileName"] = http.fallback_filename(media)
    _add_quote(body, message)
    return body


async def _voice(message: OutboundMessage) -> dict[str, Any]:
    # sendWhatsAppAudio converts to OGG/Opus and sends ptt:true, but ignores `quoted` (§1.2).
    media = http.require_media_source(message, PROVIDER)
    return {"number": _number(message.to), "audio": media.url or await http.media_base64(message)}


async def _post(
    config: Mapping[str, Any],
    route: str,
    body: dict[str, Any],
    client: httpx.AsyncClient | None,
    *,
    read_timeout: float | None = None,
) -> Any:
    base = http.base_url(config, "baseUrl", PROVIDER)
    instance = http.require(config, "instance", PROVIDER)
    headers = {"apikey": http.require(config, "apiKey", PROVIDER)}
    timeout = None if read_timeout is None else http.read_timeout(read_timeout)
    response = await http.request(
        client,
        "POST",
        f"{base}/{route}/{instance}",
        provider=PROVIDER,
        json=body,
        headers=headers,
        http_timeout=timeout,
    )
    if response.is_success:
        return http.json_body(response)
    raise _error(response)


def _error(response: httpx.Response) -> SendError:
    """Map ``{status, error, response: {message}}`` (§1.3); ``message`` is a string, a list of
    strings, a nested list, or the number lookup result."""
    payload = http.json_body(response)
    message: Any = None
    if isinstance(payload, dict) and isinstance(payload.get("response"), dict):
        message = payload["response"].get("message")
    missing = _missing_numbers(message)
    if missing:
        found = f"number not on WhatsApp: {', '.join(missing)} ({http.as_text(message)})"
        return SendError(http.describe(PROVIDER, response, found), transient=False, status=400)
    text = None if message is None else http.as_text(message)
    error = http.status_error(response, http.describe(PROVIDER, response, text))
    if response.status_code == 400 and text and "Connection Closed" in text:
        # The instance's socket dropped mid-send (§1.3); it reconnects on its own.
        return SendError(error.detail, transient=True, status=400)
    return error


def _missing_numbers(message: Any) -> list[str]:
    if not isinstance(message, list):
        return []
    return [
        str(item.get("number") or item.get("jid"))
        for item in message
        if isinstance(item, dict) and item.get("exists") is False
    ]


def _message_id(reply: Any) -> str | None:
    if isinstance(reply, dict) and isinstance(reply.get("key"), dict):
        value = reply["key"].get("id")
        return value if isinstance(value, str) else None
    return None


async def list_groups(
    config: Mapping[str, Any], *, client: httpx.AsyncClient | None = None
) -> list[GroupInfo]:
    """``GET /group/fetchAllGroups/{instance}?getParticipants=false``: Baileys'
    ``groupFetchAllParticipating``, an array of ``{id, subject, size, ...}`` (``size``
    counts the members, so their list is not needed)."""
    base = http.base_url(config, "baseUrl", PROVIDER)
    instance = http.require(config, "instance", PROVIDER)
    payload = await _groups.get_json(
        client,
        f"{base}/group/fetchAllGroups/{instance}",
        provider=PROVIDER,
        headers={"apikey": http.require(config, "apiKey", PROVIDER)},
        params={"getParticipants": "false"},
        error=_error,
    )
    if not isinstance(payload, list):
        raise SendError(f"{PROVIDER}: the group list is not an array", transient=True)
    return _groups.read_groups(payload)
