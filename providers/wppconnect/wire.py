"""WPPConnect Server webhook bodies (SOURCES.md §7; wppconnect-server ``callWebHook``:
``Object.assign({event, session}, data)`` over WhatsApp Web's serialized ``Msg``)."""

from __future__ import annotations

import msgspec

Number = int | float | str


class MsgId(msgspec.Struct, frozen=True):
    serialized: str | None = msgspec.field(default=None, name="_serialized")
    fromMe: bool | None = None
    remote: str | None = None
    id: str | None = None


class Envelope(msgspec.Struct, frozen=True):
    event: str
    session: str | None = None


class Sender(msgspec.Struct, frozen=True):
    id: str | None = None
    pushname: str | None = None


class Message(msgspec.Struct, frozen=True):
    """``onmessage`` / ``onselfmessage`` / ``onanymessage``: ``id`` is a string here."""

    id: str | MsgId
    session: str | None = None
    chatId: str | None = None
    from_: str | None = msgspec.field(default=None, name="from")
    to: str | None = None
    author: str | None = None
    fromMe: bool = False
    type: str | None = None
    body: str | None = None
    caption: str | None = None
    t: Number | None = None
    timestamp: Number | None = None
    notifyName: str | None = None
    sender: Sender | None = None
    isGroupMsg: bool = False
    quotedMsgId: str | None = None
    quotedStanzaID: str | None = None
    mimetype: str | None = None
    filename: str | None = None
    fileUrl: str | None = None  # public S3 copy when uploadS3 is on (quirk 3)
    duration: Number | None = None
    size: Number | None = None


class Ack(msgspec.Struct, frozen=True):
    """``onack``: ``id`` is an object here (quirk 2)."""

    id: MsgId | str
    session: str | None = None
    from_: str | None = msgspec.field(default=None, name="from")
    to: str | None = None
    ack: int | None = None
    t: Number | None = None


class Qr(msgspec.Struct, frozen=True):
    session: str | None = None
    qrcode: str | None = None  # base64 PNG without the data: prefix (quirk 4)
    urlcode: str | None = None


class StatusFind(msgspec.Struct, frozen=True):
    session: str | None = None
    status: str | None = None


class Revoked(msgspec.Struct, frozen=True):
    session: str | None = None
    from_: str | None = msgspec.field(default=None, name="from")
    refId: MsgId | str | None = None


class Reaction(msgspec.Struct, frozen=True):
    session: str | None = None
    id: MsgId | str | None = None
    msgId: MsgId | str | None = None
    reactionText: str | None = None
    senderUserJid: str | None = None
    timestamp: Number | None = None
