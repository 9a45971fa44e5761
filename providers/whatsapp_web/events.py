"""What the in-page observer reports, and how it becomes the provider contract's structs."""

from __future__ import annotations

import time
from typing import Literal

import msgspec

from providers.base import InboundMessage, InboundStatus, MediaKind, MediaRef, MessageType, Party
from providers.whatsapp_web.phone_digits import normalize_phone, phone_from_title, split_legacy_id
from providers.whatsapp_web.selectors import TICK_STATES


class QrSeen(msgspec.Struct, tag_field="kind", tag="qr"):
    ref: str


class QrExpired(msgspec.Struct, tag_field="kind", tag="qr_expired"):
    pass


class LoadingSeen(msgspec.Struct, tag_field="kind", tag="loading"):
    pass


class ReadySeen(msgspec.Struct, tag_field="kind", tag="ready"):
    wid: str | None = None


class UnreadSeen(msgspec.Struct, tag_field="kind", tag="unread"):
    title: str
    count: int


class PageMedia(msgspec.Struct):
    kind: Literal["image", "voice", "audio", "document"]
    base64: str
    mimetype: str | None = None
    filename: str | None = None
    size: int | None = None


class RowSeen(msgspec.Struct, tag_field="kind", tag="message"):
    id: str
    from_me: bool
    title: str | None = None
    subtitle: str | None = None
    text: str | None = None
    timestamp: int | None = None
    media: PageMedia | None = None
    unsupported: bool = False
    group: bool = False  # the open chat is a group (its avatar marker)
    author: str | None = None  # in a group: who wrote it, as data-pre-plain-text names them
    author_name: str | None = None  # their push name ("~Ana"), when shown


class TickSeen(msgspec.Struct, tag_field="kind", tag="ack"):
    id: str
    label: str
    title: str | None = None


PageEvent = QrSeen | QrExpired | LoadingSeen | ReadySeen | UnreadSeen | RowSeen | TickSeen


def decode_page_event(payload: object) -> PageEvent | None:
    try:
        event: PageEvent = msgspec.convert(payload, PageEvent)
        return event
    except msgspec.ValidationError:
        return None


def phone_from_wid(wid: str | None) -> str | None:
    """ "5511955554444:12@c.us" (number:device@server) → "5511955554444"."""
    if not wid:
        return None
    return normalize_phone(wid.split("@")[0].split(":")[0])


class ChatRef(msgspec.Struct, frozen=True):
    chat_id: str
    phone: str | None
    from_me: bool | None  # known only from legacy data-ids


GROUP_PREFIX = "group:"


def group_id(name: str) -> str:
    """Our id of a WhatsApp-Web group: the page shows no JID, only the group's name."""
    return f"{GROUP_PREFIX}{name.strip()}"


def group_name(chat_id: str) -> str | None:
    """The name in a ``group:<name>`` id, else None."""
    if chat_id.startswith(GROUP_PREFIX) and chat_id[len(GROUP_PREFIX) :].strip():
        return chat_id[len(GROUP_PREFIX) :].strip()
    return None


def chat_key(row: RowSeen) -> str | None:
    """What a send names the row's chat by: the customer's digits, or the group's id."""
    if row.group and row.title:
        return group_id(row.title)
    return chat_of(row.id, row.title).phone


def chat_of(data_id: str, title: str | None, *, group: bool = False) -> ChatRef:
    if group and title:
        return ChatRef(chat_id=group_id(title), phone=None, from_me=None)
    legacy = split_legacy_id(data_id)
    if legacy is not None:
        from_me, jid, _ = legacy
        return ChatRef(chat_id=jid, phone=normalize_phone(jid.split("@")[0]), from_me=from_me)
    phone = phone_from_title(title)
    chat_id = f"{phone}@c.us" if phone else f"title:{title or ''}"
    return ChatRef(chat_id=chat_id, phone=phone, from_me=None)


def to_inbound_message(row: RowSeen, instance: str | None) -> InboundMessage:
    chat = chat_of(row.id, row.title, group=row.group)
    push_name = row.subtitle[1:] if row.subtitle and row.subtitle.startswith("~") else None
    name = push_name if chat.phone else row.title
    contact = Party(phone=chat.phone, name=name)
    participant: str | None = None
    if row.group:
        # The sender in a group: an unsaved participant is named by number, a saved one
        # by the name on the phone (no number in the DOM then).
        author_phone = phone_from_title(row.author)
        contact = Party(phone=author_phone, name=row.author_name or row.author)
        participant = (f"{author_phone}@c.us" if author_phone else row.author) or None
    media: MediaRef | None = None
    kind: MessageType = "unsupported" if row.unsupported else "text"
    if row.media is not None:
        media_kind: MediaKind = row.media.kind
        kind = media_kind
        media = MediaRef(
            kind=media_kind,
            mimetype=row.media.mimetype,
            filename=row.media.filename,
            base64=row.media.base64,
            size=row.media.size,
        )
    return InboundMessage(
        instance=instance,
        chat_id=chat.chat_id,
        is_group=row.group or chat.chat_id.endswith("@g.us"),
        contact=contact,
        message_id=row.id,
        from_me=chat.from_me if chat.from_me is not None else row.from_me,
        timestamp=row.timestamp or int(time.time()),
        type=kind,
        text=row.text,
        media=media,
        participant=None if row.from_me else participant,
    )


def to_inbound_status(tick: TickSeen, instance: str | None) -> InboundStatus | None:
    status = TICK_STATES.get(tick.label.strip().lower())
    if status not in ("sent", "delivered", "read", "played"):
        return None
    chat = chat_of(tick.id, tick.title)
    return InboundStatus(
        instance=instance,
        chat_id=chat.chat_id,
        message_id=tick.id,
        status=status,
        timestamp=int(time.time()),
        contact=Party(phone=chat.phone),
    )
