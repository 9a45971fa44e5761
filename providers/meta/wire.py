"""Meta WhatsApp Cloud API webhook bodies (SOURCES.md §4; developers.facebook.com
"Webhooks: messages" and "Status messages" references, mid-2026).

``object → entry[] → changes[] → value`` with batches at every level (quirk 1).
"""

from __future__ import annotations

import msgspec

from .._common import NonEmpty


class Profile(msgspec.Struct, frozen=True):
    name: str | None = None


class Contact(msgspec.Struct, frozen=True):
    wa_id: str | None = None
    user_id: str | None = None  # BSUID (2026): may be the only id of a username adopter
    profile: Profile | None = None


class Metadata(msgspec.Struct, frozen=True):
    phone_number_id: str | None = None
    display_phone_number: str | None = None


class Text(msgspec.Struct, frozen=True):
    body: str | None = None


class Media(msgspec.Struct, frozen=True):
    id: str | None = None
    mime_type: str | None = None
    caption: str | None = None
    filename: str | None = None
    url: str | None = None  # lookaside link (needs the Bearer token), since 2025-11
    voice: bool = False


class Context(msgspec.Struct, frozen=True):
    id: str | None = None  # absent on forwarded messages (quirk 6)


class Reply(msgspec.Struct, frozen=True):
    id: str | None = None
    title: str | None = None


class Interactive(msgspec.Struct, frozen=True):
    type: str | None = None
    button_reply: Reply | None = None
    list_reply: Reply | None = None


class Button(msgspec.Struct, frozen=True):
    payload: str | None = None
    text: str | None = None


class Reaction(msgspec.Struct, frozen=True):
    message_id: str | None = None
    emoji: str | None = None


class Message(msgspec.Struct, frozen=True):
    id: NonEmpty
    type: str = "unsupported"
    from_: str | None = msgspec.field(default=None, name="from")
    from_user_id: str | None = None
    to: str | None = None  # message echoes (Coexistence): the customer
    timestamp: str | int | None = None
    text: Text | None = None
    image: Media | None = None
    video: Media | None = None
    audio: Media | None = None
    document: Media | None = None
    sticker: Media | None = None
    interactive: Interactive | None = None
    button: Button | None = None
    reaction: Reaction | None = None
    context: Context | None = None


class ErrorData(msgspec.Struct, frozen=True):
    details: str | None = None


class Error(msgspec.Struct, frozen=True):
    code: int | str | None = None
    title: str | None = None
    message: str | None = None
    error_data: ErrorData | None = None


class Status(msgspec.Struct, frozen=True):
    id: NonEmpty
    status: str
    timestamp: str | int | None = None
    recipient_id: str | None = None
    recipient_user_id: str | None = None
    errors: list[Error] | None = None


class UserPreference(msgspec.Struct, frozen=True):
    """``user_preferences`` webhook: a user stopped or resumed marketing messages."""

    wa_id: str | None = None
    category: str | None = None
    value: str | None = None  # "stop" | "resume"
    detail: str | None = None
    timestamp: int | str | None = None


class Value(msgspec.Struct, frozen=True):
    metadata: Metadata | None = None
    contacts: list[Contact] | None = None
    messages: list[Message] | None = None
    statuses: list[Status] | None = None
    message_echoes: list[Message] | None = None
    user_preferences: list[UserPreference] | None = None


class Change(msgspec.Struct, frozen=True):
    value: Value | None = None
    field: str | None = None


class Entry(msgspec.Struct, frozen=True):
    changes: list[Change] | None = None
    id: str | None = None


class Notification(msgspec.Struct, frozen=True):
    entry: list[Entry]
    object: str | None = None


class GraphMedia(msgspec.Struct, frozen=True):
    """``GET /{version}/{media-id}``'s answer; ``url`` is short-lived and needs the token."""

    url: str
