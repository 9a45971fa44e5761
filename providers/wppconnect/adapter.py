"""WPPConnect Server: parsing of its webhooks (SOURCES.md §7).

WPPConnect has no ``ProviderKind`` yet, so it is not in the registry; ``parse_wppconnect``
is ready for it (and the ``?token=`` check is the same as every provider's)."""

from __future__ import annotations

from collections.abc import Callable

from .._common import decode, make_party, non_empty, to_int, to_seconds
from .._webmsg import NO_TEXT_KINDS, media_kind_of, web_ack, web_type
from ..base import (
    ConnectionState,
    InboundConnection,
    InboundEvent,
    InboundMessage,
    InboundQr,
    InboundRevoke,
    InboundStatus,
    MediaRef,
    MessageType,
    Party,
)
from ..phone import is_group_jid
from . import wire

# wppconnect enum/status-find.ts
_STATUS_FIND: dict[str, ConnectionState] = {
    "isLogged": "connected",
    "inChat": "connected",
    "successChat": "connected",
    "qrReadSuccess": "connecting",
    "initBrowser": "connecting",
    "openBrowser": "connecting",
    "initWhatsapp": "connecting",
    "successPageWhatsapp": "connecting",
    "waitForLogin": "connecting",
    "waitChat": "connecting",
    "notLogged": "qr_pending",
    "qrReadError": "failed",
    "qrReadFail": "failed",
    "browserClose": "disconnected",
    "autocloseCalled": "disconnected",
    "serverClose": "disconnected",
    "deleteToken": "disconnected",
    "desconnectedMobile": "disconnected",  # [sic]
    "phoneNotConnected": "disconnected",
}


def parse_wppconnect(body: bytes) -> list[InboundEvent]:
    envelope = decode(body, wire.Envelope, "wppconnect webhook")
    handler = _HANDLERS.get(envelope.event)
    return handler(body) if handler else []


def _serialized(value: wire.MsgId | str | None) -> str | None:
    return non_empty(value if isinstance(value, str) else (value.serialized if value else None))


def _message(body: bytes) -> list[InboundEvent]:
    msg = decode(body, wire.Message, "wppconnect message")
    message_id = _serialized(msg.id)
    chat = non_empty(msg.chatId, msg.to if msg.fromMe else msg.from_)
    kind = web_type(msg.type) or "text"
    if message_id is None or chat is None:
        return []
    if msg.type == "revoked":
        return [InboundRevoke(instance=msg.session, chat_id=chat, message_id=message_id)]
    is_group = msg.isGroupMsg or is_group_jid(chat)
    return [
        InboundMessage(
            instance=msg.session,
            chat_id=chat,
            is_group=is_group,
            contact=_party(msg, chat, is_group),
            message_id=message_id,
            from_me=msg.fromMe,
            timestamp=to_seconds(msg.t if msg.t is not None else msg.timestamp),
            type=kind,
            text=_text(msg, kind),
            media=_media(msg, kind),
            quoted_message_id=non_empty(msg.quotedMsgId, msg.quotedStanzaID),
            participant=non_empty(msg.author) if is_group else None,
        )
    ]


def _party(msg: wire.Message, chat: str, is_group: bool) -> Party:
    sender = msg.sender.id if msg.sender else None
    if msg.fromMe:
        return Party() if is_group else make_party([chat])
    name = non_empty(msg.notifyName, msg.sender.pushname if msg.sender else None)
    return make_party([msg.author, sender] if is_group else [chat, sender], name)


def _text(msg: wire.Message, kind: MessageType) -> str | None:
    if kind in NO_TEXT_KINDS:
        return None
    if media_kind_of(kind, None) is not None:
        # With autoDownload (the default) `body` of media is the file itself (quirk 3).
        return non_empty(msg.caption)
    return non_empty(msg.body)


def _media(msg: wire.Message, kind: MessageType) -> MediaRef | None:
    media_kind = media_kind_of(kind, None)
    if media_kind is None:
        return None
    url = non_empty(msg.fileUrl)
    return MediaRef(
        kind=media_kind,
        mimetype=msg.mimetype,
        filename=non_empty(msg.filename),
        url=url,
        base64=None if url else non_empty(msg.body),
        size=to_int(msg.size),
        duration=to_int(msg.duration),
    )


def _ack(body: bytes) -> list[InboundEvent]:
    ack = decode(body, wire.Ack, "wppconnect onack")
    msg_id = ack.id if isinstance(ack.id, wire.MsgId) else wire.MsgId(serialized=ack.id)
    status, message_id = web_ack(ack.ack), non_empty(msg_id.serialized)
    if status is None or message_id is None or msg_id.fromMe is False:
        return []
    # In onack `from` is our own number and the chat is `to` (quirk 2).
    chat = non_empty(msg_id.remote, ack.to)
    return [
        InboundStatus(
            instance=ack.session,
            chat_id=chat,
            message_id=message_id,
            status=status,
            timestamp=to_seconds(ack.t),
            contact=make_party([chat]) if not is_group_jid(chat) else Party(),
        )
    ]


def _qr(body: bytes) -> list[InboundEvent]:
    qr = decode(body, wire.Qr, "wppconnect qrcode")
    image = non_empty(qr.qrcode)
    if image and not image.startswith("data:"):
        image = "data:image/png;base64," + image
    return [InboundQr(instance=qr.session, qr_code=image, qr_text=non_empty(qr.urlcode))]


def _status_find(body: bytes) -> list[InboundEvent]:
    found = decode(body, wire.StatusFind, "wppconnect status-find")
    state = _STATUS_FIND.get(found.status or "")
    if state is None:
        return []
    reason = found.status if state in ("disconnected", "failed") else None
    return [InboundConnection(instance=found.session, state=state, reason=reason)]


def _revoked(body: bytes) -> list[InboundEvent]:
    revoked = decode(body, wire.Revoked, "wppconnect onrevokedmessage")
    message_id = _serialized(revoked.refId)
    if message_id is None:
        return []
    chat = revoked.refId.remote if isinstance(revoked.refId, wire.MsgId) else revoked.from_
    return [InboundRevoke(instance=revoked.session, chat_id=chat, message_id=message_id)]


def _reaction(body: bytes) -> list[InboundEvent]:
    reaction = decode(body, wire.Reaction, "wppconnect onreactionmessage")
    message_id, target = _serialized(reaction.id), _serialized(reaction.msgId)
    chat = reaction.msgId.remote if isinstance(reaction.msgId, wire.MsgId) else None
    from_me = isinstance(reaction.id, wire.MsgId) and bool(reaction.id.fromMe)
    if message_id is None or chat is None:
        return []
    is_group = is_group_jid(chat)
    return [
        InboundMessage(
            instance=reaction.session,
            chat_id=chat,
            is_group=is_group,
            contact=make_party(
                [reaction.senderUserJid] if is_group else [chat, reaction.senderUserJid]
            ),
            message_id=message_id,
            from_me=from_me,
            timestamp=to_seconds(reaction.timestamp),
            type="reaction",
            text=reaction.reactionText or "",
            quoted_message_id=target,
        )
    ]


_HANDLERS: dict[str, Callable[[bytes], list[InboundEvent]]] = {
    "onmessage": _message,
    "onselfmessage": _message,
    "onanymessage": _message,
    "onack": _ack,
    "qrcode": _qr,
    "status-find": _status_find,
    "onrevokedmessage": _revoked,
    "onreactionmessage": _reaction,
}
