"""WhatsApp Web's own message vocabulary, shared by every provider that drives WhatsApp Web
(WAHA WEBJS, WPPConnect, whatsapp-web.js): ``Msg.type`` names and ``ack`` numbers
(whatsapp-web.js ``src/util/Constants.js`` MessageTypes/MessageAck, wppconnect
``enum/ack-type.ts``)."""

from __future__ import annotations

from .base import AckStatus, MediaKind, MessageType

WEB_TYPES: dict[str, MessageType] = {
    "chat": "text",
    "image": "image",
    "video": "video",
    "gif": "video",
    "ptv": "video",
    "audio": "audio",
    "ptt": "voice",
    "document": "document",
    "sticker": "sticker",
    "location": "location",
    "vcard": "contact",
    "multi_vcard": "contact",
    "reaction": "reaction",
    "list_response": "list-reply",
    "buttons_response": "button-reply",
    "template_button_reply": "button-reply",
    "interactive_response": "button-reply",
}
_MEDIA: dict[str, MediaKind] = {
    "image": "image",
    "audio": "audio",
    "voice": "voice",
    "video": "video",
    "document": "document",
    "sticker": "sticker",
}
MEDIA_KINDS: frozenset[str] = frozenset(_MEDIA)
# Types whose ``body`` is not text: a location's body is its JPEG thumbnail and a vCard's
# body the card itself (whatsapp-web.js Message._patch).
NO_TEXT_KINDS: frozenset[str] = frozenset({"location", "contact"})

_ACKS: dict[int, AckStatus] = {
    -1: "failed",
    0: "pending",
    1: "sent",
    2: "delivered",
    3: "read",
    4: "played",
}


def web_type(name: str | None) -> MessageType | None:
    """Our type for a WhatsApp Web ``Msg.type``; None when the name is missing, and
    ``unsupported`` for anything else a person can send (polls, events, orders)."""
    if not name:
        return None
    return WEB_TYPES.get(name, "unsupported")


def web_ack(value: int | None) -> AckStatus | None:
    if value is None or isinstance(value, bool):
        return None
    # Negative codes below -1 are WhatsApp Web's specific send errors.
    return "failed" if value < -1 else _ACKS.get(value)


def media_kind_of(kind: str, mimetype: str | None) -> MediaKind | None:
    """The media kind of a message type, or guessed from the MIME type for providers that
    only say "it has media"."""
    named = _MEDIA.get(kind)
    if named is not None:
        return named
    if not mimetype:
        return None
    major = mimetype.split("/", 1)[0].lower()
    if mimetype.lower().startswith("image/webp"):
        return "sticker"
    if major in ("image", "video", "audio"):
        return _MEDIA[major]
    return "document"
