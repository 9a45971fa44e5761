"""Evolution API v2 webhook bodies (SOURCES.md §2; evolution-api 2.2-2.4,
``webhook.controller.ts`` envelope, ``whatsapp.baileys.service.ts`` payloads).

Only the fields we read are declared; msgspec skips the rest, so the
version-dependent byte encodings inside ``message`` cost nothing but the skip.
"""

from __future__ import annotations

import msgspec

from .._baileys import Content, ContextInfo, Int64, Key
from .._common import NonEmpty


class Envelope(msgspec.Struct, frozen=True):
    event: str
    instance: str | None = None
    data: msgspec.Raw = msgspec.Raw()
    sender: str | None = None  # our own wuid, absent before the first connection
    apikey: str | None = None


class MessageKey(msgspec.Struct, frozen=True):
    remoteJid: NonEmpty
    id: NonEmpty
    fromMe: bool = False
    participant: str | None = None  # "" in 1:1 chats since 2.3.5
    # Baileys 7 (Evolution 2.3.5+): the other addressing of the same chat/sender.
    remoteJidAlt: str | None = None
    participantAlt: str | None = None
    # Baileys 6.7 (Evolution 2.3.1-2.3.4) rewrote LID chats to the PN and kept these.
    senderPn: str | None = None
    senderLid: str | None = None
    participantPn: str | None = None
    participantLid: str | None = None
    previousRemoteJid: str | None = None


class Upsert(msgspec.Struct, frozen=True):
    """``messages.upsert`` and ``send.message``: one message (``prepareMessage``)."""

    key: MessageKey
    pushName: str | None = None
    message: Content | None = None
    messageType: str | None = None
    messageTimestamp: Int64 | None = None
    # Since 2.2.0 the extendedTextMessage's contextInfo is moved here (quirk 1).
    contextInfo: ContextInfo | None = None
    status: str | int | None = None


class Update(msgspec.Struct, frozen=True):
    """``messages.update``: a receipt, or an edit when ``message`` is present (quirk 4)."""

    keyId: str | None = None
    remoteJid: str | None = None
    fromMe: bool | None = None
    participant: str | None = None
    status: str | int | None = None
    message: Content | None = None
    key: Key | None = None


class Edited(msgspec.Struct, frozen=True):
    """``messages.edited``: the raw protocolMessage (edit or revoke), quirk 11."""

    key: Key | None = None
    type: int | str | None = None
    editedMessage: Content | None = None
    timestampMs: Int64 | None = None
    message: Content | None = None  # some versions send the whole upsert-shaped message


class ConnectionUpdate(msgspec.Struct, frozen=True):
    state: str | None = None
    wuid: str | None = None
    statusReason: int | str | None = None


class QrCode(msgspec.Struct, frozen=True):
    code: str | None = None
    base64: str | None = None


class QrUpdate(msgspec.Struct, frozen=True):
    qrcode: QrCode | None = None
    message: str | None = None  # QR limit reached: no code, a refusal follows


class ApiKey(msgspec.Struct, frozen=True):
    apikey: str | None = None


class Deleted(msgspec.Struct, frozen=True):
    """``messages.delete``: the bare key of the revoked message (or wrapped in ``key``)."""

    id: str | None = None
    remoteJid: str | None = None
    key: Key | None = None
