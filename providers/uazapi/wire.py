"""UAZapi (uazapiGO v2) webhook bodies (SOURCES.md §6; captures from 2026-02).

Envelope keys come alphabetically sorted (a Go map) and the instance ``token`` is in the
body (quirk 1). ``content`` is whatsmeow's message with Go field names (``URL``, ``PTT``,
``stanzaID``), and a bare string for ``Conversation`` (quirk 5).
"""

from __future__ import annotations

import msgspec

from .._common import NonEmpty

Flag = bool | str | int  # "True"/"False" strings in receipts, booleans elsewhere (quirk 2)


class ContextInfo(msgspec.Struct, frozen=True):
    stanzaID: str | None = None


class ReactionKey(msgspec.Struct, frozen=True):
    ID: str | None = None


class Content(msgspec.Struct, frozen=True):
    text: str | None = None
    caption: str | None = None
    mimetype: str | None = None
    fileName: str | None = None
    fileLength: int | str | None = None
    seconds: int | str | None = None
    PTT: bool | None = None
    title: str | None = None
    selectedDisplayText: str | None = None
    contextInfo: ContextInfo | None = None
    key: ReactionKey | None = None


class Message(msgspec.Struct, frozen=True):
    messageid: NonEmpty
    chatid: NonEmpty
    chatlid: str | None = None
    content: Content | str | None = None
    fromMe: bool = False
    isGroup: bool = False
    messageTimestamp: int | float | str | None = None  # milliseconds
    messageType: str | None = None
    mediaType: str | None = None
    sender: str | None = None  # the LID
    senderName: str | None = None
    sender_lid: str | None = None
    sender_pn: str | None = None
    text: str | None = None
    quoted: str | None = None
    reaction: str | None = None  # the reacted-to message id
    vote: str | None = None  # list/button/poll answer text
    buttonOrListid: str | None = None
    wasSentByApi: bool = False
    type: str | None = None


class Chat(msgspec.Struct, frozen=True):
    name: str | None = None
    wa_name: str | None = None
    wa_contactName: str | None = None


class Receipt(msgspec.Struct, frozen=True):
    Chat: str | None = None
    MessageIDs: list[str] | None = None
    IsFromMe: Flag | None = None
    IsGroup: Flag | None = None
    Sender: str | None = None
    Timestamp: int | float | str | None = None  # seconds, as a string
    Type: str | None = None
    sender_lid: str | None = None
    sender_pn: str | None = None


class Instance(msgspec.Struct, frozen=True):
    status: str | None = None
    qrcode: str | None = None
    paircode: str | None = None
    lastDisconnectReason: str | None = None
    name: str | None = None


class Envelope(msgspec.Struct, frozen=True):
    EventType: str
    instanceName: str | None = None
    owner: str | None = None
    message: Message | None = None
    chat: Chat | None = None
    event: Receipt | None = None
    state: str | None = None
    instance: Instance | None = None


class Token(msgspec.Struct, frozen=True):
    token: str | None = None
