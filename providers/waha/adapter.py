"""WAHA (WEBJS, NOWEB and GOWS engines): webhook authentication and parsing (SOURCES.md §3)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import httpx
import msgspec

from .._baileys import message_type, read_content
from .._common import (
    check_webhook,
    decode,
    make_party,
    non_empty,
    present,
    signing_check,
    to_int,
    to_seconds,
)
from .._forwarding import ForwardsToSender, SendApi
from .._webmsg import NO_TEXT_KINDS, media_kind_of, web_type
from ..base import (
    AckStatus,
    Capabilities,
    ConfigKey,
    GroupInfo,
    InboundConnection,
    InboundEdit,
    InboundEvent,
    InboundMessage,
    InboundRevoke,
    InboundStatus,
    MediaRef,
    MessageType,
    Party,
    ProviderKind,
    ProvisionState,
    UnparseablePayload,
    WebhookRequest,
)
from ..phone import is_group_jid, jid_user, normalize_phone
from . import provision as provisioning
from . import sender, wire

_ACK_NAMES: dict[str, AckStatus] = {
    "ERROR": "failed",
    "PENDING": "pending",
    "SERVER": "sent",
    "DEVICE": "delivered",
    "READ": "read",
    "PLAYED": "played",
}
_ACK_NUMBERS: dict[int, AckStatus] = {
    -1: "failed",
    0: "pending",
    1: "sent",
    2: "delivered",
    3: "read",
    4: "played",
}
# whatsmeow's Info.MediaType names (GOWS).
_GOWS_MEDIA: dict[str, MessageType] = {
    "image": "image",
    "video": "video",
    "gif": "video",
    "ptv": "video",
    "audio": "audio",
    "ptt": "voice",
    "document": "document",
    "sticker": "sticker",
    "vcard": "contact",
    "contact_array": "contact",
    "location": "location",
    "livelocation": "location",
}


class WahaProvider(ForwardsToSender):
    sender: ClassVar[SendApi] = sender
    kind = ProviderKind.WAHA
    capabilities = Capabilities(
        groups=True,
        presence=True,  # startTyping lasts until our message goes (SEND_APIS.md §2.5)
        media=frozenset({"image", "audio", "voice", "video", "document", "sticker"}),
        pairing="qr",
    )
    config_keys = (
        ConfigKey(name="baseUrl", required=True, url=True),
        ConfigKey(name="apiKey", required=True, secret=True),
        ConfigKey(name="session"),  # "default" when unset
        ConfigKey(name="webhookHmacKey", secret=True),
    )

    def verify(self, request: WebhookRequest, config: Mapping[str, Any], token: str) -> None:
        # X-Webhook-Hmac: hex HMAC-SHA512 of the raw body with hmac.key (quirk 11).
        signature = signing_check(
            request,
            config,
            config_field="webhookHmacKey",
            header_name="x-webhook-hmac",
            digest=hashlib.sha512,
        )
        check_webhook(request, token, signature=signature)

    def parse(self, body: bytes) -> list[InboundEvent]:
        envelope = decode(body, wire.Envelope, "waha webhook")
        handler = _HANDLERS.get(envelope.event)
        if handler is None or not present(envelope.payload):
            return []
        return handler(envelope)

    def media_headers(self, config: Mapping[str, Any]) -> dict[str, str]:
        key = config.get("apiKey")
        return {"X-Api-Key": str(key)} if key else {}

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


def _payload(envelope: wire.Envelope) -> wire.Message:
    msg = decode(envelope.payload, wire.Message, f"waha {envelope.event}")
    if not msg.fromMe and _is_me(envelope.me, msg.from_):
        # Sent from our own number is ours, whatever `fromMe` says (or that it is missing):
        # read as the customer's, it would file our reply under a contact that is us.
        return msgspec.structs.replace(msg, fromMe=True)
    return msg


def _is_me(me: wire.Me | None, jid: str | None) -> bool:
    if me is None or not jid or is_group_jid(jid):
        return False
    return jid_user(jid) in {jid_user(own) for own in (me.id, me.lid) if own}


def _chat(msg: wire.Message, me: wire.Me | None) -> str:
    # WEBJS puts our own number in `from` of our messages and the chat in `to`; NOWEB and
    # GOWS omit or null `to` (quirks 3, 4). A customer's message is from its chat: its
    # `to` is us, never the chat; and our own number is never the chat of our message.
    if msg.fromMe:
        return msg.to or (None if _is_me(me, msg.from_) else msg.from_) or ""
    return msg.from_ or ""


def _message_chat(envelope: wire.Envelope, msg: wire.Message) -> str:
    """The chat a message belongs to; without one it cannot be filed anywhere."""
    chat = _chat(msg, envelope.me)
    if not chat:
        raise UnparseablePayload(f"waha {envelope.event}: neither from nor to")
    return chat


def _message(envelope: wire.Envelope) -> list[InboundEvent]:
    msg = _payload(envelope)
    data = msg.data or wire.EngineData()
    kind = _kind(msg, data)
    if kind is None:
        return []
    chat = _message_chat(envelope, msg)
    is_group = is_group_jid(chat)
    text = None if kind in NO_TEXT_KINDS else non_empty(msg.body)
    return [
        InboundMessage(
            instance=envelope.session,
            chat_id=chat,
            is_group=is_group,
            contact=_party(msg, data, chat),
            message_id=msg.id,
            from_me=msg.fromMe,
            from_api=msg.fromMe and msg.source == "api",
            timestamp=to_seconds(msg.timestamp),
            type=kind,
            text=text,
            media=_media(msg, data, kind),
            quoted_message_id=non_empty(msg.replyTo.id) if msg.replyTo else _noweb_quoted(data),
            quoted_text=_quoted_text(msg, data),
            participant=non_empty(msg.participant) if is_group else None,
        )
    ]


def _kind(msg: wire.Message, data: wire.EngineData) -> MessageType | None:
    """The message type from the engine's own data, else from the common fields.
    None for protocol chatter that is not a message."""
    if found := web_type(data.type):
        return found
    if data.message is not None:
        # None for edits and revokes: WAHA reports them as their own events.
        return message_type(read_content(data.message))
    info = data.Info
    if info and info.MediaType and info.MediaType in _GOWS_MEDIA:
        return _GOWS_MEDIA[info.MediaType]
    if info and info.Type == "reaction":
        return "reaction"
    if present(msg.location):
        return "location"
    if msg.vCards:
        return "contact"
    if msg.hasMedia:
        mimetype = msg.media.mimetype if msg.media else data.mimetype
        return media_kind_of("", mimetype) or "document"
    return "text"


def _noweb_quoted(data: wire.EngineData) -> str | None:
    return read_content(data.message).quoted_id if data.message is not None else None


def _quoted_text(msg: wire.Message, data: wire.EngineData) -> str | None:
    if msg.replyTo is not None:
        return non_empty(msg.replyTo.body)
    return read_content(data.message).quoted_text if data.message is not None else None


def _party(msg: wire.Message, data: wire.EngineData, chat: str) -> Party:
    info = data.Info or wire.GowsInfo()
    key = data.key or wire.NowebKey()
    if is_group_jid(chat):
        if msg.fromMe:
            return Party()
        jids = [msg.participant, key.participantAlt, info.SenderAlt, data.author]
    else:
        own_alt = info.RecipientAlt if msg.fromMe else info.SenderAlt
        jids = [chat, key.remoteJidAlt, key.remoteJid, own_alt]
    # The push name lives in the engine's data only (quirk 1), and ours is never theirs.
    name = None if msg.fromMe else non_empty(data.notifyName, data.pushName, info.PushName)
    return make_party(jids, name)


def _media(msg: wire.Message, data: wire.EngineData, kind: MessageType) -> MediaRef | None:
    media = msg.media
    mimetype = non_empty(media.mimetype if media else None, data.mimetype)
    media_kind = media_kind_of(kind, mimetype) if kind not in NO_TEXT_KINDS else None
    if media_kind is None or (not msg.hasMedia and media is None):
        return None
    downloaded = media is not None and not present(media.error)
    return MediaRef(
        kind=media_kind,
        mimetype=mimetype,
        filename=non_empty(media.filename if media else None, data.filename),
        url=non_empty(media.url) if media and downloaded else None,
        size=to_int(data.size),
        duration=to_int(data.duration),
    )


def _reaction(envelope: wire.Envelope) -> list[InboundEvent]:
    msg = _payload(envelope)
    reaction = msg.reaction or wire.Reaction()
    chat = _message_chat(envelope, msg)
    is_group = is_group_jid(chat)
    return [
        InboundMessage(
            instance=envelope.session,
            chat_id=chat,
            is_group=is_group,
            contact=_party(msg, msg.data or wire.EngineData(), chat),
            message_id=msg.id,
            from_me=msg.fromMe,
            timestamp=to_seconds(msg.timestamp),  # fractional seconds (quirk 6)
            type="reaction",
            text=reaction.text or "",
            quoted_message_id=non_empty(reaction.messageId),
            participant=non_empty(msg.participant) if is_group else None,
        )
    ]


def _ack(envelope: wire.Envelope) -> list[InboundEvent]:
    msg = _payload(envelope)
    status = _ACK_NAMES.get(msg.ackName or "") or (
        _ACK_NUMBERS.get(msg.ack) if msg.ack is not None else None
    )
    if status is None or not msg.fromMe:
        return []
    chat = _chat(msg, envelope.me)
    data = msg.data or wire.EngineData()
    key = data.key or wire.NowebKey()
    jids = [msg.participant] if is_group_jid(chat) else [chat, key.remoteJidAlt]
    # The payload's timestamp is the message's, not the ack's: leave the ack time unknown.
    return [
        InboundStatus(
            instance=envelope.session,
            chat_id=chat or None,
            message_id=msg.id,
            status=status,
            contact=make_party(jids),
        )
    ]


def _revoked(envelope: wire.Envelope) -> list[InboundEvent]:
    payload = decode(envelope.payload, wire.Revoked, "waha message.revoked")
    after, before = payload.after, payload.before
    message_id = non_empty(payload.revokedMessageId, before.id if before else None)
    if message_id is None:
        return []
    reference = after or before
    return [
        InboundRevoke(
            instance=envelope.session,
            chat_id=_chat(reference, envelope.me) if reference else None,
            message_id=message_id,
            timestamp=to_seconds(after.timestamp) if after else None,
        )
    ]


def _edited(envelope: wire.Envelope) -> list[InboundEvent]:
    msg = _payload(envelope)
    return [
        InboundEdit(
            instance=envelope.session,
            chat_id=_chat(msg, envelope.me),
            message_id=msg.editedMessageId or msg.id,
            text=msg.body,
            timestamp=to_seconds(msg.timestamp),
        )
    ]


def _session_status(envelope: wire.Envelope) -> list[InboundEvent]:
    status = decode(envelope.payload, wire.SessionStatus, "waha session.status").status.upper()
    session = envelope.session
    if status == "SCAN_QR_CODE":
        # The QR itself is not in the webhook (quirk 9): the health check fetches it from
        # GET /api/{session}/auth/qr (provision.py). Only the state is stored here, so the
        # QR shown meanwhile is kept rather than blanked at every refresh.
        return [InboundConnection(instance=session, state="qr_pending")]
    if status == "WORKING":
        me = envelope.me.id if envelope.me else None
        return [
            InboundConnection(
                instance=session, state="connected", phone=normalize_phone(me) if me else None
            )
        ]
    if status == "STARTING":
        return [InboundConnection(instance=session, state="connecting")]
    if status in ("FAILED", "STOPPED"):
        return [InboundConnection(instance=session, state="disconnected", reason=status)]
    return []


_HANDLERS: dict[str, Callable[[wire.Envelope], list[InboundEvent]]] = {
    "message": _message,
    "message.any": _message,
    "message.reaction": _reaction,
    "message.ack": _ack,
    "message.ack.group": _ack,
    "message.revoked": _revoked,
    "message.edited": _edited,
    "session.status": _session_status,
}

__all__ = ["WahaProvider"]
