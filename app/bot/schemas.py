"""Bot rules at the boundary (API.md "Business hours and bot rules"). Actions are a
tagged union on ``type``; a MENU's options carry their own actions, so sub-menus are a
MENU inside an option (depth-limited by app.bot.services)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from app.schemas import NO_NUL, Camel

RuleName = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NO_NUL)]
BotText = Annotated[str, msgspec.Meta(min_length=1, max_length=4000, pattern=r"^[^\x00]*\S")]
OptionKey = Annotated[str, msgspec.Meta(min_length=1, max_length=20, pattern=r"^[^\x00]*\S")]
OptionLabel = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"^[^\x00]*\S")]
ShortReason = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NO_NUL)]
MatchValue = Annotated[str, msgspec.Meta(max_length=1000, pattern=NO_NUL)]
MediaUrl = Annotated[
    str, msgspec.Meta(min_length=8, max_length=2000, pattern=r"^https?://[^\s\x00]+$")
]


class MatchKind(enum.StrEnum):
    EQUALS = "EQUALS"
    CONTAINS = "CONTAINS"
    STARTS_WITH = "STARTS_WITH"
    REGEX = "REGEX"
    ANY = "ANY"


class SessionStatusName(enum.StrEnum):
    QUEUED = "QUEUED"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"


class Match(Camel):
    kind: MatchKind
    value: MatchValue | None = None


class When(Camel):
    open_hours: bool | None = None  # true: only while open; false: only while closed
    session_status: list[SessionStatusName] | None = None


class Media(Camel):
    url: MediaUrl
    type: Literal["image", "video", "audio", "document"] = "image"
    mime_type: Annotated[str, msgspec.Meta(max_length=200, pattern=NO_NUL)] | None = None
    name: Annotated[str, msgspec.Meta(max_length=255, pattern=NO_NUL)] | None = None


class Reply(Camel, tag_field="type", tag="REPLY"):
    text: BotText
    media: Media | None = None


class MenuOption(Camel):
    key: OptionKey
    label: OptionLabel
    actions: list[Action] = msgspec.field(default_factory=list)


class Menu(Camel, tag_field="type", tag="MENU"):
    text: BotText
    options: list[MenuOption]
    max_retries: Annotated[int, msgspec.Meta(ge=1, le=10)] = 3
    invalid_text: BotText = "Não entendi. Responda com o número de uma das opções."
    # Minutes without an answer after which ``timeoutActions`` run (none: the menu waits).
    timeout_minutes: Annotated[int, msgspec.Meta(ge=1, le=10_080)] | None = None
    timeout_actions: list[Action] = msgspec.field(default_factory=list)


class Tabulate(Camel, tag_field="type", tag="TABULATE"):
    tabulation_id: uuid.UUID


class Assign(Camel, tag_field="type", tag="ASSIGN"):
    department_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None


class HandToAi(Camel, tag_field="type", tag="HAND_TO_AI"):
    pass


class Handoff(Camel, tag_field="type", tag="HANDOFF"):
    reason: ShortReason = "bot_handoff"


class Close(Camel, tag_field="type", tag="CLOSE"):
    end_reason: ShortReason = "bot_closed"


Action = Reply | Menu | Tabulate | Assign | HandToAi | Handoff | Close
Actions = Annotated[list[Action], msgspec.Meta(min_length=1, max_length=20)]


class BotRule(Camel):
    id: uuid.UUID
    name: str
    priority: int
    is_active: bool
    connection_id: uuid.UUID | None
    department_id: uuid.UUID | None
    match: Match
    when: When
    actions: list[Action]
    cooldown_minutes: int
    created_at: datetime
    updated_at: datetime


Priority = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
Cooldown = Annotated[int, msgspec.Meta(ge=0, le=10_080)]


class BotRuleCreate(Camel):
    name: RuleName
    match: Match
    actions: Actions
    priority: Priority | None = None  # default: after the last rule
    is_active: bool = True
    connection_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None
    when: When = msgspec.field(default_factory=When)
    # A rule that fired in a chat stays quiet there this long (0: fires every time).
    cooldown_minutes: Cooldown = 0


class BotRuleUpdate(Camel):
    name: RuleName | msgspec.UnsetType = msgspec.UNSET
    match: Match | msgspec.UnsetType = msgspec.UNSET
    actions: Actions | msgspec.UnsetType = msgspec.UNSET
    priority: Priority | msgspec.UnsetType = msgspec.UNSET
    is_active: bool | msgspec.UnsetType = msgspec.UNSET
    connection_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
    department_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
    when: When | msgspec.UnsetType = msgspec.UNSET
    cooldown_minutes: Cooldown | msgspec.UnsetType = msgspec.UNSET


class BotRuleReorder(Camel):
    ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=2000)]


class MenuState(Camel):
    rule_id: uuid.UUID
    path: list[str] = msgspec.field(default_factory=list)
    retries: int = 0


class BotTest(Camel):
    text: Annotated[str, msgspec.Meta(max_length=4000, pattern=NO_NUL)]
    connection_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None
    session_status: SessionStatusName = SessionStatusName.ACTIVE
    at: datetime | None = None
    menu_state: MenuState | None = None
    contact_name: Annotated[str, msgspec.Meta(max_length=200, pattern=NO_NUL)] | None = None


class BotTestResult(Camel):
    fired: bool
    rule_id: uuid.UUID | None
    rule_name: str | None
    # "rule" (a rule matched), "menu_option", "menu_invalid", "menu_retry_limit" or
    # "none" (nothing fired: the AI or the out-of-hours notice would take the turn).
    kind: str
    open_hours: bool
    actions: list[dict[str, Any]]
    replies: list[str]
    menu_state: MenuState | None
