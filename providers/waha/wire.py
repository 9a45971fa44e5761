"""WAHA webhook bodies (SOURCES.md §3; waha-docs ``how-to/events``, WAHA 2026.1).

``_data`` is the engine's raw message and differs per engine (quirk 3): WEBJS sends
WhatsApp Web's ``Msg`` (``type``, ``notifyName``), NOWEB the Baileys ``WAMessage``
(``key``, ``pushName``, ``message``), GOWS whatsmeow's event (``Info``). One Struct holds
the few fields of each that we read.
"""

from __future__ import annotations

import msgspec

from .._baileys import Content
from .._common import NonEmpty

Number = int | float | str


class Me(msgspec.Struct, frozen=True):
    id: str | None = None
    lid: str | None = None


class Envelope(msgspec.Struct, frozen=True):
    event: str
    session: str | None = None
    payload: msgspec.Raw = msgspec.Raw()
    me: Me | None = None
    engine: str | None = None


class NowebKey(msgspec.Struct, frozen=True):
    remoteJid: str | None = None
    remoteJidAlt: str | None = None
    participant: str | None = None
    participantAlt: str | None = None


class GowsInfo(msgspec.Struct, frozen=True):
    Chat: str | None = None
    Sender: str | None = None
    SenderAlt: str | None = None
    RecipientAlt: str | None = None
    PushName: str | None = None
    MediaType: str | None = None
    Type: str | None = None


class EngineData(msgspec.Struct, frozen=True):
    type: str | None = None  # WEBJS
    notifyName: str | None = None  # WEBJS
    author: str | None = None  # WEBJS, group sender
    mimetype: str | None = None  # WEBJS
    filename: str | None = None  # WEBJS
    size: Number | None = None  # WEBJS
    duration: Number | None = None  # WEBJS
    key: NowebKey | None = None  # NOWEB
    pushName: str | None = None  # NOWEB
    message: Content | None = None  # NOWEB
    Info: GowsInfo | None = None  # GOWS


class Media(msgspec.Struct, frozen=True):
    url: str | None = None
    mimetype: str | None = None
    filename: str | None = None
    error: msgspec.Raw = msgspec.Raw()  # set when WAHA failed to download the file


class ReplyTo(msgspec.Struct, frozen=True):
    id: str | None = None  # the raw stanza id, not the serialized one (quirk 5)
    body: str | None = None  # the quoted message's text, when WAHA has it


class Reaction(msgspec.Struct, frozen=True):
    text: str | None = None
    messageId: str | None = None


class Message(msgspec.Struct, frozen=True):
    """``message``, ``message.any``, ``message.ack``, ``message.reaction``, ``message.edited``."""

    id: NonEmpty
    timestamp: Number | None = None
    from_: str | None = msgspec.field(default=None, name="from")
    fromMe: bool = False
    source: str | None = None
    to: str | None = None
    participant: str | None = None
    body: str | None = None
    hasMedia: bool = False
    media: Media | None = None
    ack: int | None = None
    ackName: str | None = None
    location: msgspec.Raw = msgspec.Raw()
    vCards: list[str] | None = None
    replyTo: ReplyTo | None = None
    reaction: Reaction | None = None
    editedMessageId: str | None = None
    data: EngineData | None = msgspec.field(default=None, name="_data")


class Revoked(msgspec.Struct, frozen=True):
    after: Message | None = None
    before: Message | None = None
    revokedMessageId: str | None = None


class SessionStatus(msgspec.Struct, frozen=True):
    status: str
