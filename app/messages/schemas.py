from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from app.db.enums import Author, Direction, MessageStatus, MessageType, SessionStatus, StartedBy
from app.schemas import NO_NUL, Camel, ExternalId, HttpUrl, LongText

MediaKind = Literal["audio", "image", "video", "document"]
ShortName = Annotated[str, msgspec.Meta(max_length=300, pattern=NO_NUL)]
MimeType = Annotated[str, msgspec.Meta(max_length=120, pattern=r"^[\w.+-]+/[\w.+-]+$")]
Extension = Annotated[str, msgspec.Meta(max_length=16, pattern=r"^[A-Za-z0-9]*$")]
Seconds = Annotated[float, msgspec.Meta(ge=0, le=86_400)]
# A group's chat id as its provider names it (``120363...@g.us``; the WhatsApp-Web
# page's group ids).
GroupId = Annotated[str, msgspec.Meta(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f]+$")]


class Message(Camel):
    """``content`` is ``{text}`` or ``{text?, media: {url, name, type, mimeType,
    extension, duration?}}``, plus ``kind`` for the original WhatsApp type of messages
    that arrived as something else (location, contact, button reply)."""

    id: uuid.UUID
    session_id: uuid.UUID
    contact_id: uuid.UUID
    connection_id: uuid.UUID
    direction: Direction
    author: Author
    type: MessageType
    content: dict[str, Any]
    status: MessageStatus
    external_id: str | None
    provider_message_id: str | None
    quoted_message_id: uuid.UUID | None
    # What the provider named as quoted, kept when the original was never stored (a
    # message from before the number was connected); quotedMessageId follows once it is.
    quoted_provider_message_id: str | None
    transcription: str | None
    error: str | None
    reactions: list[Any]
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None
    edited_at: datetime | None
    deleted_at: datetime | None


class HistoryMessage(Message):
    started_by: StartedBy
    session_status: SessionStatus


class MediaIn(Camel):
    url: HttpUrl
    type: MediaKind
    name: ShortName | None = None
    mime_type: MimeType | None = None
    extension: Extension | None = None
    duration: Seconds | None = None


class ContentIn(Camel):
    text: LongText | None = None
    media: MediaIn | None = None


class MessageCreate(Camel):
    """Into a session (``sessionId``), or a post to a group (``connectionId`` +
    ``groupId`` instead of ``sessionId``)."""

    type: MessageType
    author: Author
    content: ContentIn
    send_external_message: bool = True
    pause_session: bool = False
    direction: Direction | None = None
    status: MessageStatus | None = None
    external_id: ExternalId | None = None
    quoted_message_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    connection_id: uuid.UUID | None = None
    group_id: GroupId | None = None
