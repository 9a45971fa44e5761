"""How an InboundMessage becomes a message row: API type, content, media source.
Pure functions: no I/O."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from app.db.enums import MessageType
from providers.base import InboundMessage, MediaRef

# content.media.type in API.md has four values; WhatsApp's kinds fold into them.
_MEDIA_TYPE = {
    "image": "image",
    "sticker": "image",
    "audio": "audio",
    "voice": "audio",
    "video": "video",
    "document": "document",
}
# What an agent or the AI reads for messages that carry no text of their own.
_PLACEHOLDER = {
    "location": "[localização]",
    "contact": "[contato]",
    "unsupported": "[mensagem não suportada]",
}


def message_type(event: InboundMessage) -> MessageType:
    if event.type == "voice":
        return MessageType.RECORDING
    if event.media is not None or event.type in _MEDIA_TYPE:
        return MessageType.MEDIA
    return MessageType.TEXT


def content_of(event: InboundMessage) -> dict[str, Any]:
    content: dict[str, Any] = {"text": event.text}
    if event.text is None and event.type in _PLACEHOLDER:
        content["text"] = _PLACEHOLDER[event.type]
    if event.type not in ("text", "image", "audio", "voice", "video", "document", "sticker"):
        content["kind"] = event.type
    if event.quoted_message_id and event.quoted_text and event.type != "reaction":
        content["quotedText"] = event.quoted_text
    media = event.media
    if media is not None:
        content["media"] = {
            "url": None,  # our stored copy, set by the media job
            "name": media.filename,
            "type": _MEDIA_TYPE.get(media.kind, "document"),
            "mimeType": media.mimetype,
            "extension": None,
            "duration": media.duration,
        }
    return content


def media_source(media: MediaRef | None) -> dict[str, Any] | None:
    """Where the media job fetches the file; the inline bytes travel separately."""
    if media is None:
        return None
    return {
        "url": media.url,
        "mediaId": media.media_id,
        "mimetype": media.mimetype,
        "filename": media.filename,
        "kind": media.kind,
        "inline": media.base64 is not None,
    }


def inline_bytes(data: str) -> bytes:
    """The file a payload carries inline (base64, bare or as a data: URL)."""
    payload = data.split(",", 1)[1] if data.startswith("data:") else data
    try:
        return base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError):
        return b""  # the media job reports an empty file on the message
