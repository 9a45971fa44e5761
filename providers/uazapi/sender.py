"""Outbound messages through UAZapi (uazapiGO v2, SEND_APIS.md §4, OpenAPI 2.0.1).

Config: ``baseUrl`` (``https://<subdomain>.uazapi.com``), ``token`` (the instance token;
it identifies the instance, so ``instance`` is not needed to send).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from providers import _groups, http
from providers._common import has_link
from providers.base import GroupInfo, OutboundMessage, SendError, SendResult

PROVIDER = "UAZapi"
# A lookup per send would double the calls; numbers rarely leave WhatsApp (tests clear it).
KNOWN_CHATS = http.KnownChats()
_MEDIA_TYPE = {
    "image": "image",
    "video": "video",
    "document": "document",
    "audio": "audio",
    "voice": "ptt",
    "sticker": "sticker",
}
# A zero-width space between the braces keeps text such as "{{name}}" from being
# substituted by UAZapi's placeholders (§4.1) while reading the same to the customer.
_PLACEHOLDER_GUARD = "{\u200b{"


async def send(
    message: OutboundMessage,
    config: Mapping[str, Any],
    *,
    client: httpx.AsyncClient | None = None,
) -> SendResult:
    number = await check_number(message.to, config, client=client)
    body: dict[str, Any] = {"number": number}
    if message.quoted_provider_message_id:
        body["replyid"] = message.quoted_provider_message_id
    if message.media is None:
        if not message.text:
            raise SendError(f"{PROVIDER}: empty text", transient=False)
        body["text"] = _guard(message.text)
        if has_link(message.text):
            body["linkPreview"] = True
        reply = await _post(config, "send/text", body, client)
    else:
        body.update(await _media_fields(message))
        reply = await _post(config, "send/media", body, client)
    return SendResult(provider_message_id=_message_id(reply))


async def check_number(
    to: str, config: Mapping[str, Any], *, client: httpx.AsyncClient | None = None
) -> str:
    """The ``number`` to send to; raises a permanent SendError for one not on WhatsApp.

    What ``/send/text`` does for such a number is undocumented, so the spec's own advice is
    followed: ask ``/chat/check`` first (§4.3). Hits are cached per instance."""
    if http.is_chat_id(to):
        return to
    number = http.digits(to)
    key = (http.base_url(config, "baseUrl", PROVIDER), _token(config), number)
    if KNOWN_CHATS.get(key) is not None:
        return number
    reply = await _post(config, "chat/check", {"numbers": [number]}, client)
    found = reply[0] if isinstance(reply, list) and reply and isinstance(reply[0], dict) else {}
    if not found.get("isInWhatsapp"):
        raise SendError(f"{PROVIDER}: number not on WhatsApp: {number}", transient=False)
    KNOWN_CHATS.put(key, str(found.get("jid") or number))
    return number


async def send_presence(
    to: str,
    config: Mapping[str, Any],
    *,
    typing: bool,
    client: httpx.AsyncClient | None = None,
    duration_ms: int = 30_000,
) -> None:
    """``composing`` (for ``duration_ms``; UAZapi re-sends it and cancels it when a message
    goes to the chat, §4.2) or ``paused``. Does not block."""
    body: dict[str, Any] = {"number": _number(to), "presence": "composing" if typing else "paused"}
    if typing:
        body["delay"] = duration_ms
    await _post(config, "message/presence", body, client)


async def mark_read(
    chat_id: str,
    message_ids: Sequence[str],
    config: Mapping[str, Any],
    *,
    client: httpx.AsyncClient | None = None,
) -> None:
    """``/message/markread`` by bare message ids; the chat is implied by the ids."""
    del chat_id
    if message_ids:
        await _post(config, "message/markread", {"id": list(message_ids)}, client)


def _token(config: Mapping[str, Any]) -> str:
    return http.require(config, "token", PROVIDER)


def _number(to: str) -> str:
    return to if http.is_chat_id(to) else http.digits(to)


def _guard(text: str) -> str:
    return text.replace("{{", _PLACEHOLDER_GUARD)


async def _media_fields(message: OutboundMessage) -> dict[str, Any]:
    media = http.require_media_source(message, PROVIDER)
    fields: dict[str, Any] = {
        "type": _MEDIA_TYPE[media.kind],
        "file": media.url or await http.media_base64(message),
        "mimetype": http.media_mimetype(media),
    }
    if message.text:
        fields["text"] = _guard(message.text)  # `text` is the caption on /send/media
    if media.kind == "document":
        fields["docName"] = http.fallback_filename(media)
    return fields


async def _post(
    config: Mapping[str, Any], route: str, body: dict[str, Any], client: httpx.AsyncClient | None
) -> Any:
    base = http.base_url(config, "baseUrl", PROVIDER)
    response = await http.request(
        client,
        "POST",
        f"{base}/{route}",
        provider=PROVIDER,
        json=body,
        headers={"token": _token(config)},
    )
    if not response.is_success:
        raise _uazapi_error(response)
    payload = http.json_body(response)
    if isinstance(payload, dict) and payload.get("status") == "Failed":
        # A 200 can still carry a failed message (`status` + `error`, §4.1/§4.3).
        text = http.as_text(payload.get("error") or "message failed")
        raise SendError(f"{PROVIDER} {response.status_code}: {text}", transient=False, status=200)
    return payload


def _message_id(reply: Any) -> str | None:
    # `messageid` is the bare WhatsApp id used by replyid/markread; `id` is internal (§4.1).
    if isinstance(reply, dict) and isinstance(reply.get("messageid"), str):
        return str(reply["messageid"])
    return None


async def list_groups(
    config: Mapping[str, Any], *, client: httpx.AsyncClient | None = None
) -> list[GroupInfo]:
    """``GET /group/list?noparticipants=false``: ``{"groups": [GroupInfo]}``, whatsmeow's
    ``{JID, Name, Participants, ...}`` (the members are kept: they are the count)."""
    base = http.base_url(config, "baseUrl", PROVIDER)
    payload = await _groups.get_json(
        client,
        f"{base}/group/list",
        provider=PROVIDER,
        headers={"token": _token(config)},
        params={"noparticipants": "false"},
        error=_uazapi_error,
    )
    groups = payload.get("groups") if isinstance(payload, dict) else None
    if not isinstance(groups, list):
        raise SendError(f"{PROVIDER}: the group list has no `groups` array", transient=True)
    return _groups.read_groups(groups)


def _uazapi_error(response: httpx.Response) -> SendError:
    payload = http.json_body(response)
    message = payload.get("error") if isinstance(payload, dict) else None
    text = None if message is None else http.as_text(message)
    return http.status_error(response, http.describe(PROVIDER, response, text))
