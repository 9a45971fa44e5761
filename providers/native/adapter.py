"""The native JSON format: authentication and parsing (docs API.md "Webhooks in")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from .._common import (
    check_webhook,
    decode,
    make_party,
    non_empty,
    present,
    signing_check,
    to_seconds,
)
from .._forwarding import DirectMedia
from .._webmsg import media_kind_of
from ..base import (
    AckStatus,
    Capabilities,
    ConfigKey,
    GroupInfo,
    InboundEvent,
    InboundMessage,
    InboundStatus,
    MediaRef,
    OutboundMessage,
    ProviderKind,
    SendResult,
    UnparseablePayload,
    WebhookRequest,
)
from ..phone import is_group_jid, is_lid_jid, phone_of_jid
from . import sender, wire

_STATUSES: dict[str, AckStatus] = {
    "PENDING": "pending",
    "SENT": "sent",
    "DELIVERED": "delivered",
    "READ": "read",
    "PLAYED": "played",
    "FAILED": "failed",
}


class NativeProvider(DirectMedia):
    kind = ProviderKind.NATIVE
    capabilities = Capabilities(
        groups=True,  # `to` is passed through verbatim, group ids included
        media=frozenset({"image", "audio", "voice", "video", "document", "sticker"}),
    )
    config_keys = (
        ConfigKey(name="sendUrl", required=True, url=True),
        ConfigKey(name="secret", required=True, secret=True),
        # Where the integration lists the number's groups (sender.list_groups); optional.
        ConfigKey(name="groupsUrl", url=True),
    )

    async def list_groups(
        self, config: Mapping[str, Any], *, client: httpx.AsyncClient
    ) -> list[GroupInfo]:
        return await sender.list_groups(config, client=client)

    def verify(self, request: WebhookRequest, config: Mapping[str, Any], token: str) -> None:
        # X-Balcao-Signature: sha256=<hex HMAC-SHA256 of the raw body with config "secret">.
        signature = signing_check(
            request,
            config,
            config_field="secret",
            header_name="x-balcao-signature",
            prefix="sha256=",
        )
        check_webhook(request, token, signature=signature)

    def parse(self, body: bytes) -> list[InboundEvent]:
        probe = decode(body, wire.Probe, "native webhook")
        if present(probe.events):
            events = decode(probe.events, list[wire.Event], "native webhook events")
        elif probe.event is not None:
            events = [decode(body, wire.Event, "native webhook event")]
        else:
            raise UnparseablePayload('native webhook: expected an "event" or an "events" array')
        parsed: list[InboundEvent] = []
        for event in events:
            parsed.extend(_event(event))
        return parsed

    async def send(
        self, message: OutboundMessage, config: Mapping[str, Any], *, client: httpx.AsyncClient
    ) -> SendResult:
        return await sender.send(message, config, client=client)

    async def send_presence(
        self,
        to: str,
        config: Mapping[str, Any],
        *,
        typing: bool,
        duration_ms: int,
        reply_to: str | None,
        client: httpx.AsyncClient,
    ) -> None:
        """The native contract has no presence call; nothing is sent."""

    def media_headers(self, config: Mapping[str, Any]) -> dict[str, str]:
        return {}


def _event(event: wire.Event) -> list[InboundEvent]:
    if event.event not in ("message", "status"):
        return []
    if not event.message_id:
        raise UnparseablePayload(f'native webhook: a {event.event} needs a "messageId"')
    if event.event == "message":
        return [_message(event, event.message_id)]
    if event.event == "status":
        status = _STATUSES.get((event.status or "").upper())
        if status is None:
            raise UnparseablePayload(f"native webhook: unknown status {event.status!r}")
        chat = non_empty(event.chat_id, event.from_)
        return [
            InboundStatus(
                instance=event.instance,
                chat_id=chat,
                message_id=event.message_id,
                status=status,
                timestamp=to_seconds(event.timestamp),
                contact=make_party([event.from_]),
                error=event.error,
            )
        ]
    return []


def _message(event: wire.Event, message_id: str) -> InboundMessage:
    sender = (
        event.from_
        if event.from_ and (is_lid_jid(event.from_) or not is_group_jid(event.from_))
        else None
    )
    contact = make_party([sender], None if event.from_me else event.name)
    # Senders spell numbers freely ("+55 (11) 9…"); the chat is the number, normalized.
    chat = non_empty(event.chat_id, contact.phone, event.from_)
    if chat is None:
        raise UnparseablePayload('native webhook: a message needs "from" or "chatId"')
    chat_phone = phone_of_jid(chat) if not is_group_jid(chat) else None
    if chat_phone and contact.phone and chat_phone != contact.phone:
        # One person's chat filed under another: which one the sender meant is unknowable.
        raise UnparseablePayload('native webhook: "chatId" and "from" are different people')
    return InboundMessage(
        instance=event.instance,
        chat_id=chat,
        is_group=is_group_jid(chat),
        contact=contact,
        message_id=message_id,
        from_me=event.from_me,
        timestamp=to_seconds(event.timestamp),
        type=event.type,
        text=event.text,
        media=_media(event),
        quoted_message_id=non_empty(event.quoted_message_id),
    )


def _media(event: wire.Event) -> MediaRef | None:
    media = event.media
    if media is None:
        return None
    kind = media_kind_of(event.type, media.mimetype)
    if kind is None:
        return None
    return MediaRef(
        kind=kind,
        mimetype=media.mimetype,
        filename=media.filename,
        url=non_empty(media.url),
        base64=non_empty(media.base64),
    )
