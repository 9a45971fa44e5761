"""The Baileys ``WAMessage.message`` content as JSON, shared by Evolution API and WAHA NOWEB.

Both serialize the same protobuf, in different ways (SOURCES.md, Evolution quirk 2): bytes
as base64 strings (protobufjs ``toJSON``, Evolution <= 2.3.2 and WAHA NOWEB), as index
objects ``{"0": 12, ...}`` (Evolution 2.3.3+), and 64-bit integers as decimal strings, plain
numbers or ``{"low", "high", "unsigned"}`` Long objects (Evolution 2.3.6+). Byte fields are
never read here (unknown fields are skipped), and every int64 field accepts all three.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from ._common import non_empty, present, to_int
from .base import MediaKind, MessageType


class Long(msgspec.Struct, frozen=True):
    low: int = 0
    high: int = 0
    unsigned: bool = False


Int64 = int | float | str | Long


def int64(value: Int64 | None) -> int | None:
    """``high * 2**32 + (low >>> 0)``, protobufjs's own reading of a Long."""
    if isinstance(value, Long):
        # ``high`` is any JSON integer here, not the 32 bits protobufjs keeps.
        return to_int(value.high * 2**32 + (value.low & 0xFFFFFFFF))
    return to_int(value)


class Key(msgspec.Struct, frozen=True):
    remoteJid: str | None = None
    fromMe: bool | None = None
    id: str | None = None
    participant: str | None = None


class ContextInfo(msgspec.Struct, frozen=True):
    stanzaId: str | None = None
    participant: str | None = None
    # Read leniently (quoted_text): an odd quoted copy must not make the reply unparseable.
    quotedMessage: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)


class _QuotedText(msgspec.Struct, frozen=True):
    text: str | None = None


class _QuotedCaption(msgspec.Struct, frozen=True):
    caption: str | None = None


class _Quoted(msgspec.Struct, frozen=True):
    """The copy of the replied-to message that WhatsApp embeds in ``contextInfo``."""

    conversation: str | None = None
    extendedTextMessage: _QuotedText | None = None
    imageMessage: _QuotedCaption | None = None
    videoMessage: _QuotedCaption | None = None
    documentMessage: _QuotedCaption | None = None


class Media(msgspec.Struct, frozen=True):
    url: str | None = None  # the encrypted CDN file: never a usable MediaRef.url
    mimetype: str | None = None
    caption: str | None = None
    fileName: str | None = None
    fileLength: Int64 | None = None
    seconds: Int64 | None = None
    ptt: bool | None = None
    contextInfo: ContextInfo | None = None


class ExtendedText(msgspec.Struct, frozen=True):
    text: str | None = None
    contextInfo: ContextInfo | None = None


class Reaction(msgspec.Struct, frozen=True):
    key: Key | None = None
    text: str | None = None


class ButtonsResponse(msgspec.Struct, frozen=True):
    selectedButtonId: str | None = None
    selectedDisplayText: str | None = None
    contextInfo: ContextInfo | None = None


class SingleSelectReply(msgspec.Struct, frozen=True):
    selectedRowId: str | None = None


class ListResponse(msgspec.Struct, frozen=True):
    title: str | None = None
    singleSelectReply: SingleSelectReply | None = None
    contextInfo: ContextInfo | None = None


class TemplateButtonReply(msgspec.Struct, frozen=True):
    selectedId: str | None = None
    selectedDisplayText: str | None = None
    contextInfo: ContextInfo | None = None


class InteractiveBody(msgspec.Struct, frozen=True):
    text: str | None = None


class InteractiveResponse(msgspec.Struct, frozen=True):
    body: InteractiveBody | None = None
    contextInfo: ContextInfo | None = None


class Protocol(msgspec.Struct, frozen=True):
    key: Key | None = None
    type: int | str | None = None  # enum: a number in Evolution 2.3.6+, a name before
    editedMessage: Content | None = None
    timestampMs: Int64 | None = None


class Wrapper(msgspec.Struct, frozen=True):
    message: Content | None = None


class Content(msgspec.Struct, frozen=True):
    conversation: str | None = None
    extendedTextMessage: ExtendedText | None = None
    imageMessage: Media | None = None
    videoMessage: Media | None = None
    ptvMessage: Media | None = None
    audioMessage: Media | None = None
    documentMessage: Media | None = None
    stickerMessage: Media | None = None
    locationMessage: msgspec.Raw = msgspec.Raw()
    liveLocationMessage: msgspec.Raw = msgspec.Raw()
    contactMessage: msgspec.Raw = msgspec.Raw()
    contactsArrayMessage: msgspec.Raw = msgspec.Raw()
    reactionMessage: Reaction | None = None
    buttonsResponseMessage: ButtonsResponse | None = None
    listResponseMessage: ListResponse | None = None
    templateButtonReplyMessage: TemplateButtonReply | None = None
    interactiveResponseMessage: InteractiveResponse | None = None
    protocolMessage: Protocol | None = None
    editedMessage: Wrapper | None = None
    documentWithCaptionMessage: Wrapper | None = None
    ephemeralMessage: Wrapper | None = None
    viewOnceMessage: Wrapper | None = None
    viewOnceMessageV2: Wrapper | None = None
    viewOnceMessageV2Extension: Wrapper | None = None
    pollCreationMessage: msgspec.Raw = msgspec.Raw()
    pollCreationMessageV3: msgspec.Raw = msgspec.Raw()
    pollUpdateMessage: msgspec.Raw = msgspec.Raw()
    eventMessage: msgspec.Raw = msgspec.Raw()
    # Evolution adds the decrypted file next to the protobuf fields (webhook base64:true)
    # or a presigned S3/MinIO link (S3 enabled).
    base64: str | None = None
    mediaUrl: str | None = None


ContentKind = MessageType | Literal["edit", "revoke", "ignore"]


class Parsed(msgspec.Struct, frozen=True, kw_only=True):
    """What a content says, in our terms. ``target_id`` is the reacted-to, edited or
    revoked message; ``quoted_id`` the replied-to one."""

    kind: ContentKind
    text: str | None = None
    media_kind: MediaKind | None = None
    media: Media | None = None
    quoted_id: str | None = None
    quoted_text: str | None = None
    target_id: str | None = None


_MEDIA_FIELDS: tuple[tuple[str, MediaKind], ...] = (
    ("imageMessage", "image"),
    ("videoMessage", "video"),
    ("ptvMessage", "video"),
    ("audioMessage", "audio"),
    ("documentMessage", "document"),
    ("stickerMessage", "sticker"),
)
_WRAPPERS = (
    "ephemeralMessage",
    "viewOnceMessage",
    "viewOnceMessageV2",
    "viewOnceMessageV2Extension",
    "documentWithCaptionMessage",
)
_REVOKE = (0, "REVOKE")
_EDIT = (14, "MESSAGE_EDIT")


def message_type(parsed: Parsed) -> MessageType | None:
    """The message type of a content, None when it is an edit, a revoke or chatter."""
    kind = parsed.kind
    return None if kind == "edit" or kind == "revoke" or kind == "ignore" else kind


def unwrap(content: Content) -> Content:
    """The real content inside ephemeral/view-once/document-with-caption envelopes."""
    for _ in range(4):
        inner = next(
            (w.message for f in _WRAPPERS if (w := getattr(content, f)) and w.message), None
        )
        if inner is None:
            return content
        content = inner
    return content


def read_content(content: Content) -> Parsed:
    inner = unwrap(content)
    for read in (_read_protocol, _read_text, _read_media, _read_reply, _read_other):
        parsed = read(inner)
        if parsed is not None:
            return parsed
    return Parsed(kind="unsupported")


def edited_text(content: Content | None) -> str | None:
    """The new text of an edit, wherever this version put it."""
    if content is None:
        return None
    inner = unwrap(content)
    if inner.editedMessage and inner.editedMessage.message:
        return edited_text(inner.editedMessage.message)
    if inner.protocolMessage and inner.protocolMessage.editedMessage:
        return edited_text(inner.protocolMessage.editedMessage)
    parsed = read_content(inner)
    return parsed.text if parsed.kind not in ("edit", "revoke", "ignore") else None


def _read_protocol(content: Content) -> Parsed | None:
    proto = content.protocolMessage
    if content.editedMessage and content.editedMessage.message:
        proto = content.editedMessage.message.protocolMessage or proto
    if proto is None:
        return None
    target = proto.key.id if proto.key else None
    if proto.type in _REVOKE and target:
        return Parsed(kind="revoke", target_id=target)
    if (proto.type in _EDIT or proto.editedMessage) and target:
        return Parsed(kind="edit", target_id=target, text=edited_text(proto.editedMessage))
    # History sync, ephemeral settings, key shares: protocol chatter, not a message.
    return Parsed(kind="ignore")


def _read_text(content: Content) -> Parsed | None:
    if content.conversation is not None:
        return Parsed(kind="text", text=content.conversation)
    ext = content.extendedTextMessage
    if ext is not None:
        return Parsed(
            kind="text",
            text=ext.text,
            quoted_id=_stanza(ext.contextInfo),
            quoted_text=quoted_text(ext.contextInfo),
        )
    return None


def _read_media(content: Content) -> Parsed | None:
    for field, kind in _MEDIA_FIELDS:
        media: Media | None = getattr(content, field)
        if media is None:
            continue
        message_kind: MediaKind = "voice" if kind == "audio" and media.ptt else kind
        return Parsed(
            kind=message_kind,
            text=non_empty(media.caption),
            media_kind=message_kind,
            media=media,
            quoted_id=_stanza(media.contextInfo),
            quoted_text=quoted_text(media.contextInfo),
        )
    return None


def _read_reply(content: Content) -> Parsed | None:
    if (reaction := content.reactionMessage) is not None:
        target = reaction.key.id if reaction.key else None
        return Parsed(kind="reaction", text=reaction.text or "", quoted_id=target, target_id=target)
    if (button := content.buttonsResponseMessage) is not None:
        text = non_empty(button.selectedDisplayText, button.selectedButtonId)
        return Parsed(
            kind="button-reply",
            text=text,
            quoted_id=_stanza(button.contextInfo),
            quoted_text=quoted_text(button.contextInfo),
        )
    if (template := content.templateButtonReplyMessage) is not None:
        text = non_empty(template.selectedDisplayText, template.selectedId)
        return Parsed(
            kind="button-reply",
            text=text,
            quoted_id=_stanza(template.contextInfo),
            quoted_text=quoted_text(template.contextInfo),
        )
    if (choice := content.listResponseMessage) is not None:
        row = choice.singleSelectReply.selectedRowId if choice.singleSelectReply else None
        return Parsed(
            kind="list-reply",
            text=non_empty(choice.title, row),
            quoted_id=_stanza(choice.contextInfo),
            quoted_text=quoted_text(choice.contextInfo),
        )
    if (flow := content.interactiveResponseMessage) is not None:
        text = flow.body.text if flow.body else None
        return Parsed(
            kind="button-reply",
            text=text,
            quoted_id=_stanza(flow.contextInfo),
            quoted_text=quoted_text(flow.contextInfo),
        )
    return None


def _read_other(content: Content) -> Parsed | None:
    if present(content.locationMessage) or present(content.liveLocationMessage):
        return Parsed(kind="location")
    if present(content.contactMessage) or present(content.contactsArrayMessage):
        return Parsed(kind="contact")
    return None


def _stanza(context: ContextInfo | None) -> str | None:
    return non_empty(context.stanzaId) if context else None


def quoted_text(context: ContextInfo | None) -> str | None:
    """The text (or caption) of the quoted copy, when there is one."""
    if context is None or not context.quotedMessage:
        return None
    try:
        quoted = msgspec.json.decode(context.quotedMessage, type=_Quoted)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    captions = (quoted.imageMessage, quoted.videoMessage, quoted.documentMessage)
    return non_empty(
        quoted.conversation,
        quoted.extendedTextMessage.text if quoted.extendedTextMessage else None,
        *(c.caption for c in captions if c is not None),
    )
