from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Final

import msgspec

from app.db.enums import Role, SessionStatus
from app.db.models import TeamChannelKind
from app.schemas import NO_NUL, Camel

TEXT_LIMIT: Final = 4000
PREVIEW_LIMIT: Final = 140
# The decoder's bound is looser than TEXT_LIMIT so that a long text gets its own code
# (team_text_too_long) rather than the generic one; the body limit caps it anyway.
BodyText = Annotated[str, msgspec.Meta(max_length=TEXT_LIMIT * 4, pattern=NO_NUL)]


class TeamUser(Camel):
    id: uuid.UUID
    name: str
    role: Role


class SharedSession(Camel):
    """A conversation shared into the chat. ``canOpen`` says whether the reader may open
    it in the inbox (app.sessions.access); only then are its contact and link given."""

    id: uuid.UUID
    can_open: bool
    contact_name: str | None = None
    status: SessionStatus | None = None
    url: str | None = None


class TeamMessage(Camel):
    id: uuid.UUID
    channel_id: uuid.UUID
    author_user_id: uuid.UUID | None
    author_name: str | None
    text: str
    session_id: uuid.UUID | None
    shared_session: SharedSession | None
    created_at: datetime


class TeamMessagePreview(Camel):
    id: uuid.UUID
    author_user_id: uuid.UUID | None
    author_name: str | None
    text: str
    session_id: uuid.UUID | None
    created_at: datetime


class TeamChannel(Camel):
    """``name`` is the department's for DEPARTMENT, the other user's for DIRECT."""

    id: uuid.UUID
    kind: TeamChannelKind
    name: str
    department_id: uuid.UUID | None
    other_user: TeamUser | None
    unread_count: int
    last_message: TeamMessagePreview | None
    created_at: datetime


class TeamChannels(Camel):
    data: list[TeamChannel]
    unread_total: int


class TeamMessagePage(Camel):
    """One page, oldest first; ``hasMore``: older messages exist (pass the first id as
    ``before``)."""

    data: list[TeamMessage]
    has_more: bool


class TeamMessageCreate(Camel):
    """``text`` may be empty only when a conversation is shared (``sessionId``)."""

    text: BodyText = ""
    session_id: uuid.UUID | None = None


class TeamDirectCreate(Camel):
    user_id: uuid.UUID


class TeamReadMark(Camel):
    """Marks the channel read up to ``messageId`` (its latest message when omitted); a
    mark never moves back."""

    message_id: uuid.UUID | None = None


class ChannelUnread(Camel):
    channel_id: uuid.UUID
    unread_count: int


class TeamUnread(Camel):
    total: int
    channels: list[ChannelUnread]


class TeamReadState(Camel):
    channel_id: uuid.UUID
    unread_count: int
    unread_total: int
