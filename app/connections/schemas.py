from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec

from app.db.enums import ConnectionStatus
from app.schemas import Camel, Name, Text
from providers import BUILTIN_KINDS

ConcatTimeout = Annotated[int, msgspec.Meta(ge=5, le=8)]
BlockTtl = Annotated[int, msgspec.Meta(ge=1, le=1440)]
Keyword = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
HourMinute = Annotated[str, msgspec.Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
TimeZone = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Weekday = Annotated[str, msgspec.Meta(pattern=r"^(mon|tue|wed|thu|fri|sat|sun)$")]

# A provider kind. The document lists the kinds shipped in this tree (API.md); a
# deployment's own providers (BALCAO_PROVIDERS) are accepted too: the services check
# the kind against the registry, as they check `config` against its keys.
ProviderName = Annotated[
    str,
    msgspec.Meta(
        extra_json_schema={
            "title": "ProviderKind",
            "description": "A registered provider kind; these are the built-in ones.",
            "extra": {"enum": list(BUILTIN_KINDS)},
        }
    ),
]


class TimeRange(msgspec.Struct, array_like=True):
    opens: HourMinute
    closes: HourMinute


class BusinessHours(Camel):
    """Opening hours in a time zone; a weekday missing from ``days`` is closed."""

    timezone: TimeZone = "America/Sao_Paulo"
    days: dict[Weekday, list[TimeRange]] = msgspec.field(default_factory=dict)


class Connection(Camel):
    id: uuid.UUID
    name: str
    provider: ProviderName
    status: ConnectionStatus
    status_reason: str | None
    phone_number: str | None
    webhook_url: str
    config: dict[str, Any]
    configured_secrets: list[str]
    created_at: datetime
    updated_at: datetime
    last_seen_at: datetime | None
    ai_enabled: bool
    ai_block_ttl_minutes: int
    concat_timeout: int
    system_prompt: str | None
    business_hours: BusinessHours | None
    out_of_hours_message: str | None
    allow_groups: bool
    handoff_keywords: list[str]
    failover_connection_id: uuid.UUID | None


class ConnectionCreate(Camel):
    name: Name
    provider: ProviderName
    config: dict[str, str] = msgspec.field(default_factory=dict)
    ai_enabled: bool = True
    ai_block_ttl_minutes: BlockTtl = 60
    concat_timeout: ConcatTimeout = 8
    system_prompt: Text | None = None
    business_hours: BusinessHours | None = None
    out_of_hours_message: Text | None = None
    allow_groups: bool = False
    handoff_keywords: list[Keyword] = msgspec.field(default_factory=lambda: ["atendente", "humano"])
    failover_connection_id: uuid.UUID | None = None


class ConnectionUpdate(Camel):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    config: dict[str, str] | msgspec.UnsetType = msgspec.UNSET
    ai_enabled: bool | msgspec.UnsetType = msgspec.UNSET
    ai_block_ttl_minutes: BlockTtl | msgspec.UnsetType = msgspec.UNSET
    concat_timeout: ConcatTimeout | msgspec.UnsetType = msgspec.UNSET
    system_prompt: Text | msgspec.UnsetType | None = msgspec.UNSET
    business_hours: BusinessHours | msgspec.UnsetType | None = msgspec.UNSET
    out_of_hours_message: Text | msgspec.UnsetType | None = msgspec.UNSET
    allow_groups: bool | msgspec.UnsetType = msgspec.UNSET
    handoff_keywords: list[Keyword] | msgspec.UnsetType = msgspec.UNSET
    failover_connection_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET


class QrCode(Camel):
    status: ConnectionStatus
    qr_code: str | None


class ConnectionState(Camel):
    status: ConnectionStatus
    is_authenticated: bool
    phone_number: str | None
    last_seen_at: datetime | None


class MirrorPostCounts(Camel):
    """The number's group-mirror posts by status (``received`` counts them all)."""

    received: int = 0
    filtered: int = 0
    duplicate: int = 0
    queued: int = 0
    posted: int = 0
    failed: int = 0
    rewrite_failed: int = 0


class StatsWindow(Camel):
    since: datetime
    messages_in: int
    messages_out: int
    messages_out_by_author: dict[str, int]  # AI, AGENT, AGENT_PLATFORM, BUSINESS, SYSTEM
    sessions_opened: int
    sessions_closed: int
    mirror_posts: MirrorPostCounts = msgspec.field(default_factory=MirrorPostCounts)


class ConnectionStats(Camel):
    """Counts since midnight, since Monday and since the 1st, in the connection's
    business-hours time zone (America/Sao_Paulo when it has none)."""

    connection_id: uuid.UUID
    timezone: str
    today: StatsWindow
    week: StatsWindow
    month: StatsWindow
