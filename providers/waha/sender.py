"""Outbound messages through WAHA (SEND_APIS.md §2, OpenAPI 2026.7.1).

Config: ``baseUrl``, ``apiKey``, ``session`` (default ``"default"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from providers import _groups, http
from providers._common import has_link
from providers.base import GroupInfo, OutboundMessage, SendError, SendResult

PROVIDER = "WAHA"
# A lookup per send would double the calls; numbers rarely leave WhatsApp (tests clear it).
KNOWN_CHATS = http.KnownChats()
# WAHA has no audio endpoint but sendVoice, and sendImage takes JPEG only (§2.2), so plain
# audio files and WebP stickers go as files.
_ROUTE = {
    "image": "sendImage",
    "video": "sendVideo",
    "voice": "sendVoice",
    "document": "sendFile",
    "audio": "sendFile",
    "sticker": "sendFile",
}


async def send(
    message: OutboundMessage,
    config: Mapping[str, Any],
    *,
    client: httpx.AsyncClient | None = None,
) -> SendResult:
    chat_id = await resolve_chat_id(message.to, config, client=client)
    body: dict[str, Any] = {"session": _session(config), "chatId": chat_id}
    if message.quoted_provider_message_id:
        body["reply_to"] = message.quoted_provider_message_id
    if message.media is None:
        if not message.text:
            raise SendError(f"{PROVIDER}: empty text", transient=False)
        body["text"] = message.text
        if has_link(message.text):
            body["linkPreview"] = True  # WAHA's default, said so the card never depends on it
        route = "sendText"
    else:
        route = _ROUTE[message.media.kind]
        body.update(await _media_fields(message))
    reply = await _call(config, "POST", f"api/{route}", client, json=body)
    return SendResult(provider_message_id=_message_id(reply, chat_id))


async def resolve_chat_id(
    to: str, config: Mapping[str, Any], *, client: httpx.AsyncClient | None = None
) -> str:
    """The chatId to send to; raises a permanent SendError for a number not on WhatsApp.

    WAHA checks nothing before sending (NOWEB leaves it pending, GOWS fails with a 500) and a
    Brazilian number may exist only without its 9th digit, so the docs say to send to the
    chatId ``contacts/check-exists`` returns (§2.1, §2.5). Hits are cached per session."""
    if http.is_chat_id(to):
        return to
    number = http.digits(to)
    key = (http.base_url(config, "baseUrl", PROVIDER), _session(config), number)
    known = KNOWN_CHATS.get(key)
    if known is not None:
        return known
    params = {"phone": number, "session": _session(config)}
    reply = await _call(config, "GET", "api/contacts/check-exists", client, params=params)
    if not isinstance(reply, dict) or not reply.get("numberExists"):
        detail = f"{PROVIDER}: number not on WhatsApp: {number}"
        raise SendError(detail, transient=False, status=None)
    chat_id = reply.get("chatId")
    chat_id = chat_id if isinstance(chat_id, str) and chat_id else f"{number}@c.us"
    KNOWN_CHATS.put(key, chat_id)
    return chat_id


async def send_presence(
    to: str,
    config: Mapping[str, Any],
    *,
    typing: bool,
    client: httpx.AsyncClient | None = None,
    duration_ms: int = 0,
) -> None:
    """startTyping / stopTyping; WAHA keeps typing until told to stop or a message goes
    (§2.5), so ``duration_ms`` is unused."""
    del duration_ms
    chat_id = await resolve_chat_id(to, config, client=client)
    route = "api/startTyping" if typing else "api/stopTyping"
    body = {"session": _session(config), "chatId": chat_id}
    await _call(config, "POST", route, client, json=body)


async def mark_read(
    chat_id: str,
    message_ids: Sequence[str],
    config: Mapping[str, Any],
    *,
    client: httpx.AsyncClient | None = None,
) -> None:
    """sendSeen; ``message_ids`` are WAHA's serialized ids (``false_<chat>_<id>``)."""
    body: dict[str, Any] = {"session": _session(config), "chatId": chat_id}
    if message_ids:
        body["messageIds"] = list(message_ids)
    await _call(config, "POST", "api/sendSeen", client, json=body)


def _session(config: Mapping[str, Any]) -> str:
    session = config.get("session")
    return session if isinstance(session, str) and session else "default"


async def _media_fields(message: OutboundMessage) -> dict[str, Any]:
    media = http.require_media_source(message, PROVIDER)
    file: dict[str, Any] = {"mimetype": http.media_mimetype(media)}
    if media.url:
        file["url"] = media.url
    else:
        file["data"] = await http.media_base64(message)
    if media.filename or media.kind == "document":
        file["filename"] = http.fallback_filename(media)
    fields: dict[str, Any] = {"file": file}
    if media.kind == "voice":
        # sendVoice wants OGG/Opus; `convert` (required) runs ffmpeg otherwise (§2.2).
        fields["convert"] = not file["mimetype"].startswith("audio/ogg")
    elif media.kind == "video":
        fields["convert"] = file["mimetype"] != "video/mp4"
    if message.text and media.kind != "voice":
        fields["caption"] = message.text
    return fields


async def _call(
    config: Mapping[str, Any],
    method: str,
    route: str,
    client: httpx.AsyncClient | None,
    **kwargs: Any,
) -> Any:
    base = http.base_url(config, "baseUrl", PROVIDER)
    headers = {"X-Api-Key": http.require(config, "apiKey", PROVIDER)}
    response = await http.request(
        client, method, f"{base}/{route}", provider=PROVIDER, headers=headers, **kwargs
    )
    if response.is_success:
        return http.json_body(response)
    raise _error(response)


def _error(response: httpx.Response) -> SendError:
    payload = http.json_body(response)
    message = _error_message(payload)
    detail = http.describe(PROVIDER, response, message)
    status = response.status_code
    if status == 422 and isinstance(payload, dict) and "expected" in payload:
        # The session is not WORKING yet (§2.4: "Try again later or restart the session").
        return SendError(detail, transient=True, status=status)
    if status == 500 and message and "no LID" in message:
        # GOWS/WEBJS answer 500 for a number without WhatsApp (§2.5, 🧾#1714).
        return SendError(detail, transient=False, status=status)
    return http.status_error(response, detail)


def _error_message(payload: Any) -> str | None:
    """Nest ``{message}``, the session-state ``{error, status}``, or the 500 body whose text
    sits in ``exception.message`` (§2.4)."""
    if not isinstance(payload, dict):
        return None
    exception = payload.get("exception")
    if isinstance(exception, dict) and exception.get("message"):
        return str(exception["message"])
    if "expected" in payload:
        return f"{payload.get('error')} (status {payload.get('status')})"
    for key in ("message", "error"):
        if payload.get(key):
            return http.as_text(payload[key])
    return None


def _message_id(reply: Any, chat_id: str) -> str | None:
    """WEBJS ``id._serialized``, GOWS ``id``, NOWEB ``key.id`` (§2.3); WEBJS 2025.6 could
    answer 201 with no body at all."""
    if not isinstance(reply, dict):
        return None
    raw = reply.get("id")
    if isinstance(raw, dict) and isinstance(raw.get("_serialized"), str):
        return str(raw["_serialized"])
    if isinstance(raw, str) and raw:
        return raw
    key = reply.get("key")
    if isinstance(key, dict) and isinstance(key.get("id"), str):
        return f"true_{chat_id}_{key['id']}"
    return None


async def list_groups(
    config: Mapping[str, Any], *, client: httpx.AsyncClient | None = None
) -> list[GroupInfo]:
    """``GET /api/{session}/groups``. The shape depends on the engine: NOWEB answers
    Baileys' map of ``{jid: GroupMetadata}`` (an array in newer builds), GOWS an array of
    whatsmeow ``GroupInfo``, WEBJS an array of ``GroupChat`` (``providers._groups``)."""
    base = http.base_url(config, "baseUrl", PROVIDER)
    payload = await _groups.get_json(
        client,
        f"{base}/api/{_session(config)}/groups",
        provider=PROVIDER,
        headers={"X-Api-Key": http.require(config, "apiKey", PROVIDER)},
        error=_error,
    )
    if isinstance(payload, dict):
        return _groups.read_groups(payload.values())
    if isinstance(payload, list):
        return _groups.read_groups(payload)
    raise SendError(f"{PROVIDER}: the group list is neither an array nor a map", transient=True)
