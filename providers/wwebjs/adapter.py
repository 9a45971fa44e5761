"""whatsapp-web.js messages → InboundEvent, for our WhatsApp-Web runner (not a webhook)."""

from __future__ import annotations

from typing import Any

from .._common import convert, make_party, non_empty, to_int, to_seconds
from .._webmsg import NO_TEXT_KINDS, media_kind_of, web_type
from ..base import InboundEvent, InboundMessage, InboundRevoke, MediaRef, MessageType, Party
from ..phone import is_group_jid
from . import wire


def parse_wwebjs_message(obj: dict[str, Any], instance: str | None = None) -> list[InboundEvent]:
    """One whatsapp-web.js ``Message`` (its JSON form) as events; UnparseablePayload when
    it is not one. ``instance`` names the runner's connection, if the caller knows it."""
    msg = convert(obj, wire.Message, "whatsapp-web.js message")
    message_id = non_empty(msg.id.serialized)
    chat = non_empty(msg.to if msg.fromMe else msg.from_, msg.id.remote)
    if message_id is None or chat is None:
        return []
    if msg.type == "revoked":  # message_revoke_everyone: `after` keeps the original id
        return [InboundRevoke(instance=instance, chat_id=chat, message_id=message_id)]
    kind = web_type(msg.type) or "text"
    data = msg.data or wire.RawData()
    is_group = is_group_jid(chat)
    return [
        InboundMessage(
            instance=instance,
            chat_id=chat,
            is_group=is_group,
            contact=_party(msg, data, chat, is_group),
            message_id=message_id,
            from_me=msg.fromMe,
            timestamp=to_seconds(msg.timestamp),
            type=kind,
            # `body` is the caption of media, a thumbnail for locations, a vCard for cards.
            text=None if kind in NO_TEXT_KINDS else non_empty(msg.body),
            media=_media(msg, data, kind),
            quoted_message_id=non_empty(data.quotedStanzaID),
            participant=non_empty(msg.author, msg.id.participant) if is_group else None,
        )
    ]


def _party(msg: wire.Message, data: wire.RawData, chat: str, is_group: bool) -> Party:
    if msg.fromMe:
        return Party() if is_group else make_party([chat])
    jids = [msg.author, msg.id.participant] if is_group else [chat]
    return make_party(jids, data.notifyName)


def _media(msg: wire.Message, data: wire.RawData, kind: MessageType) -> MediaRef | None:
    media_kind = media_kind_of(kind, None)
    if media_kind is None:
        return None
    # deprecatedMms3Url is the encrypted CDN file; only a downloaded MessageMedia is usable.
    downloaded = msg.mediaData or wire.MediaData()
    return MediaRef(
        kind=media_kind,
        mimetype=non_empty(data.mimetype, downloaded.mimetype),
        filename=non_empty(data.filename, downloaded.filename),
        base64=non_empty(downloaded.data),
        size=to_int(data.size),
        duration=to_int(data.duration),
    )
