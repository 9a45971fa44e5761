"""Maps an InboundEvent to the shape of the shared ``.expected.json`` files
(tests/fixtures/payloads/SOURCES.md §1), so every fixture is compared field by field."""

from __future__ import annotations

from typing import Any

from providers.base import (
    InboundConnection,
    InboundEdit,
    InboundEvent,
    InboundMessage,
    InboundQr,
    InboundRevoke,
    InboundStatus,
    MediaRef,
)
from providers.phone import is_group_jid

_BLANK: dict[str, Any] = {
    "chat_id": None,
    "is_group": False,
    "contact_phone": None,
    "contact_name": None,
    "message_id": None,
    "from_me": False,
    "timestamp": None,
    "type": None,
    "text": None,
    "media": None,
    "quoted_message_id": None,
    "status": None,
}


def _media(media: MediaRef | None) -> dict[str, Any] | None:
    if media is None:
        return None
    return {
        "mimetype": media.mimetype,
        "filename": media.filename,
        "url_present": media.url is not None,
        "base64_present": media.base64 is not None,
    }


def as_expected(provider: str, event: InboundEvent) -> dict[str, Any]:
    out = {"provider": provider, "instance": event.instance, **_BLANK}
    match event:
        case InboundMessage():
            out |= {
                "event_kind": "message",
                "chat_id": event.chat_id,
                "is_group": event.is_group,
                "contact_phone": event.contact.phone,
                "contact_name": event.contact.name,
                "message_id": event.message_id,
                "from_me": event.from_me,
                "timestamp": event.timestamp,
                "type": event.type,
                "text": event.text,
                "media": _media(event.media),
                "quoted_message_id": event.quoted_message_id,
            }
        case InboundStatus():
            out |= {
                "event_kind": "status",
                "chat_id": event.chat_id,
                "is_group": is_group_jid(event.chat_id),
                "contact_phone": event.contact.phone,
                "contact_name": event.contact.name,
                "message_id": event.message_id,
                "from_me": True,
                "timestamp": event.timestamp,
                "status": event.status,
            }
        case InboundConnection():
            out |= {"event_kind": "connection", "status": event.state}
        case InboundQr():
            out |= {"event_kind": "qr", "status": "qr_updated"}
        case InboundEdit() | InboundRevoke():
            out |= {
                "event_kind": event.__struct_config__.tag,
                "chat_id": event.chat_id,
                "message_id": event.message_id,
            }
    return out
