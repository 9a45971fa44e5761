"""whatsapp-web.js ``Message`` as ``JSON.stringify(message)`` gives it (SOURCES.md §7,
``src/structures/Message.js`` ``_patch``), plus ``mediaData``: the ``MessageMedia`` of
``message.downloadMedia()`` that our WhatsApp-Web runner may attach."""

from __future__ import annotations

import msgspec

Number = int | float | str


class MsgId(msgspec.Struct, frozen=True):
    serialized: str | None = msgspec.field(default=None, name="_serialized")
    fromMe: bool | None = None
    remote: str | None = None
    participant: str | None = None


class RawData(msgspec.Struct, frozen=True):
    notifyName: str | None = None
    mimetype: str | None = None
    filename: str | None = None
    size: Number | None = None
    duration: Number | None = None
    quotedStanzaID: str | None = None


class MediaData(msgspec.Struct, frozen=True):
    data: str | None = None  # base64 of the decrypted file
    mimetype: str | None = None
    filename: str | None = None


class Message(msgspec.Struct, frozen=True):
    id: MsgId
    type: str | None = None
    body: str | None = None
    timestamp: Number | None = None
    from_: str | None = msgspec.field(default=None, name="from")
    to: str | None = None
    author: str | None = None
    fromMe: bool = False
    hasMedia: bool = False
    data: RawData | None = msgspec.field(default=None, name="_data")
    mediaData: MediaData | None = None
