"""UAZapi (uazapiGO v2): webhook authentication and parsing (SOURCES.md §6)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import httpx
import msgspec

from .._common import check_webhook, decode, header, make_party, non_empty, to_int, to_seconds
from .._forwarding import ForwardsToSender, SendApi
from .._webmsg import NO_TEXT_KINDS, media_kind_of
from ..base import (
    AckStatus,
    Capabilities,
    ConfigKey,
    GroupInfo,
    InboundConnection,
    InboundEvent,
    InboundMessage,
    InboundQr,
    InboundStatus,
    MediaRef,
    MessageType,
    Party,
    ProviderKind,
    ProvisionState,
    WebhookRequest,
)
from ..phone import is_group_jid, normalize_phone
from . import provision as provisioning
from . import sender, wire

# whatsmeow message type names as UAZapi reports them in `messageType`.
_TYPES: dict[str, MessageType] = {
    "Conversation": "text",
    "ExtendedTextMessage": "text",
    "ImageMessage": "image",
    "VideoMessage": "video",
    "PtvMessage": "video",
    "AudioMessage": "audio",
    "DocumentMessage": "document",
    "DocumentWithCaptionMessage": "document",
    "StickerMessage": "sticker",
    "LocationMessage": "location",
    "LiveLocationMessage": "location",
    "ContactMessage": "contact",
    "ContactsArrayMessage": "contact",
    "ReactionMessage": "reaction",
    "ListResponseMessage": "list-reply",
    "ButtonsResponseMessage": "button-reply",
    "TemplateButtonReplyMessage": "button-reply",
    "InteractiveResponseMessage": "button-reply",
}
# UAZapi's simplified `mediaType`, for message types missing above.
_MEDIA_TYPES: dict[str, MessageType] = {
    "image": "image",
    "video": "video",
    "gif": "video",
    "ptt": "voice",
    "audio": "audio",
    "myaudio": "audio",
    "document": "document",
    "sticker": "sticker",
    "user_created_sticker": "sticker",
    "location": "location",
    "vcard": "contact",
    "list_response": "list-reply",
}
# whatsmeow receipt types; *Self receipts are us reading their messages, not acks.
_RECEIPTS: dict[str, AckStatus] = {
    "delivered": "delivered",
    "": "delivered",
    "read": "read",
    "played": "played",
    "servererror": "failed",
}


class UazapiProvider(ForwardsToSender):
    sender: ClassVar[SendApi] = sender
    kind = ProviderKind.UAZAPI
    capabilities = Capabilities(
        groups=True,
        presence=True,
        media=frozenset({"image", "audio", "voice", "video", "document", "sticker"}),
        pairing="qr",
    )
    config_keys = (
        ConfigKey(name="baseUrl", required=True, url=True),
        ConfigKey(name="token", required=True, secret=True),
        ConfigKey(name="instance"),  # the token names the instance; kept for people
    )

    def verify(self, request: WebhookRequest, config: Mapping[str, Any], token: str) -> None:
        # UAZapi cannot sign; every body carries the instance token (quirk 1).
        def presented() -> str | None:
            return header(request, "token") or _body_token(request.body)

        check_webhook(request, token, alternatives=[(config.get("token"), presented)])

    def parse(self, body: bytes) -> list[InboundEvent]:
        envelope = decode(body, wire.Envelope, "uazapi webhook")
        handler = _HANDLERS.get(envelope.EventType)
        return handler(envelope) if handler else []

    def media_headers(self, config: Mapping[str, Any]) -> dict[str, str]:
        return {}  # UAZapi's media links are public (SOURCES.md §6)

    async def list_groups(
        self, config: Mapping[str, Any], *, client: httpx.AsyncClient
    ) -> list[GroupInfo]:
        return await sender.list_groups(config, client=client)

    async def provision(
        self, config: Mapping[str, Any], *, webhook_url: str, client: httpx.AsyncClient
    ) -> ProvisionState:
        return await provisioning.provision(config, webhook_url=webhook_url, client=client)

    async def check(
        self, config: Mapping[str, Any], *, client: httpx.AsyncClient
    ) -> ProvisionState:
        return await provisioning.check(config, client=client)


def _body_token(body: bytes) -> str | None:
    try:
        return msgspec.json.decode(body, type=wire.Token).token
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def _message(envelope: wire.Envelope) -> list[InboundEvent]:
    msg = envelope.message
    if msg is None:
        return []
    content = msg.content if isinstance(msg.content, wire.Content) else wire.Content()
    kind = _kind(msg, content)
    is_group = msg.isGroup or is_group_jid(msg.chatid)
    return [
        InboundMessage(
            instance=envelope.instanceName,
            chat_id=msg.chatid,
            is_group=is_group,
            contact=_party(msg, envelope.chat, is_group),
            message_id=msg.messageid,  # raw; `id` is "<owner>:<messageid>" (quirk 4)
            from_me=msg.fromMe,
            from_api=msg.fromMe and msg.wasSentByApi,
            timestamp=to_seconds(msg.messageTimestamp),
            type=kind,
            text=_text(msg, content, kind),
            media=_media(content, kind),
            quoted_message_id=_quoted(msg, content, kind),
            participant=non_empty(msg.sender) if is_group else None,
        )
    ]


def _kind(msg: wire.Message, content: wire.Content) -> MessageType:
    kind = _TYPES.get(msg.messageType or "") or _MEDIA_TYPES.get(msg.mediaType or "")
    if kind == "audio" and (content.PTT or msg.mediaType == "ptt"):
        return "voice"
    if kind is None and msg.type == "text":
        return "text"
    return kind or "unsupported"


def _text(msg: wire.Message, content: wire.Content, kind: MessageType) -> str | None:
    if kind in NO_TEXT_KINDS:
        return None
    if kind == "reaction":
        return msg.text or ""
    if kind in ("list-reply", "button-reply"):
        return non_empty(msg.vote, content.title, content.selectedDisplayText, msg.buttonOrListid)
    raw = msg.content if isinstance(msg.content, str) else None
    # `text` duplicates the caption of media messages (quirk 6).
    return non_empty(msg.text, raw, content.text, content.caption)


def _quoted(msg: wire.Message, content: wire.Content, kind: MessageType) -> str | None:
    if kind == "reaction":
        return non_empty(msg.reaction, content.key.ID if content.key else None)
    stanza = content.contextInfo.stanzaID if content.contextInfo else None
    return non_empty(msg.quoted, stanza)


def _party(msg: wire.Message, chat: wire.Chat | None, is_group: bool) -> Party:
    if msg.fromMe:
        # sender/senderName are ours; the chat names the customer in 1:1 chats.
        return Party() if is_group else make_party([msg.chatid, msg.chatlid])
    if is_group:
        jids = [msg.sender_pn, msg.sender, msg.sender_lid]
        return make_party(jids, msg.senderName)
    name = non_empty(msg.senderName, chat.wa_name if chat else None, chat.name if chat else None)
    return make_party([msg.chatid, msg.sender_pn, msg.chatlid, msg.sender_lid, msg.sender], name)


def _media(content: wire.Content, kind: MessageType) -> MediaRef | None:
    media_kind = media_kind_of(kind, content.mimetype) if kind not in NO_TEXT_KINDS else None
    if media_kind is None or kind not in (
        "image",
        "video",
        "audio",
        "voice",
        "document",
        "sticker",
    ):
        return None
    # content.URL is the encrypted CDN file; the decrypted one needs POST /message/download.
    return MediaRef(
        kind=media_kind,
        mimetype=content.mimetype,
        filename=non_empty(content.fileName),
        size=to_int(content.fileLength),
        duration=to_int(content.seconds),
    )


def _receipt(envelope: wire.Envelope) -> list[InboundEvent]:
    receipt = envelope.event
    if receipt is None:
        return []
    kind = (receipt.Type if receipt.Type is not None else envelope.state or "").lower()
    status = _RECEIPTS.get(kind)
    if status is None:
        return []
    chat = receipt.Chat
    group = is_group_jid(chat) or str(receipt.IsGroup).lower() in ("true", "1")
    jids = (
        [receipt.sender_pn, receipt.Sender, receipt.sender_lid]
        if group
        else [chat, receipt.sender_pn, receipt.sender_lid]
    )
    contact = make_party(jids)
    timestamp = to_seconds(receipt.Timestamp)
    return [
        InboundStatus(
            instance=envelope.instanceName,
            chat_id=chat,
            message_id=message_id,
            status=status,
            timestamp=timestamp,
            contact=contact,
        )
        for message_id in receipt.MessageIDs or []
        if message_id
    ]


def _connection(envelope: wire.Envelope) -> list[InboundEvent]:
    instance = envelope.instance or wire.Instance()
    name = envelope.instanceName or instance.name
    status = (instance.status or "").lower()
    if status == "connecting" and instance.qrcode:
        return [InboundQr(instance=name, qr_code=instance.qrcode)]
    if status == "connecting":
        return [InboundConnection(instance=name, state="connecting")]
    if status == "connected":
        phone = normalize_phone(envelope.owner) if envelope.owner else None
        return [InboundConnection(instance=name, state="connected", phone=phone)]
    if status == "disconnected":
        return [
            InboundConnection(
                instance=name, state="disconnected", reason=instance.lastDisconnectReason
            )
        ]
    return []


_HANDLERS: dict[str, Callable[[wire.Envelope], list[InboundEvent]]] = {
    "messages": _message,
    "messages_update": _receipt,
    "connection": _connection,
}
