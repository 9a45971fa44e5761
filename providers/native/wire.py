"""Balcão's own inbound format (docs API.md "Webhooks in"), for any system that can POST
JSON: one event per request, or ``{"events": [...]}``."""

from __future__ import annotations

import msgspec

from ..base import MessageType


class Media(msgspec.Struct, frozen=True):
    url: str | None = None
    base64: str | None = None
    mimetype: str | None = None
    filename: str | None = None


class Event(msgspec.Struct, frozen=True, rename="camel"):
    event: str
    message_id: str | None = None  # required for "message" and "status"
    from_: str | None = msgspec.field(default=None, name="from")
    chat_id: str | None = None
    instance: str | None = None
    name: str | None = None
    timestamp: int | float | str | None = None  # seconds or milliseconds
    from_me: bool = False
    type: MessageType = "text"
    text: str | None = None
    media: Media | None = None
    quoted_message_id: str | None = None
    status: str | None = None
    error: str | None = None


class Probe(msgspec.Struct, frozen=True):
    """Tells a batch from a single event without decoding either."""

    events: msgspec.Raw = msgspec.Raw()
    event: str | None = None
