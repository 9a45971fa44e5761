"""Campaigns at the boundary (API.md "Campaigns").

What the dispatcher reads back from the ``campaign`` row is these same shapes, stored
with ``msgspec.to_builtins`` (camelCase keys) and read with ``msgspec.convert``:
``messages`` a list of :class:`CampaignMessage` (``media`` either ``{"url"}`` or
``{"mediaKey"}``, never both), ``schedule`` a :class:`~app.campaigns.schedule.Schedule`
(times with their offset), ``pacing`` a :class:`~app.campaigns.pacing.Pacing`,
``reply_gate`` a :class:`ReplyGate` or null.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from app.campaigns.pacing import Pacing
from app.campaigns.schedule import Schedule
from app.db.enums import CampaignStatus, RecipientStatus
from app.schemas import NO_NUL, Camel, HttpUrl, Label

MAX_VARIANTS = 5
# WhatsApp's own limit for a text message body.
CopyText = Annotated[str, msgspec.Meta(max_length=4096, pattern=NO_NUL)]
MediaKey = Annotated[str, msgspec.Meta(min_length=1, max_length=255, pattern=NO_NUL)]
CampaignIds = Annotated[list[uuid.UUID], msgspec.Meta(max_length=20)]
ListIds = Annotated[list[uuid.UUID], msgspec.Meta(max_length=100)]
CooldownHours = Annotated[int, msgspec.Meta(ge=0, le=24 * 365)]


class MediaRef(Camel, omit_defaults=True):
    """``{url}`` (fetched at send time, SSRF-guarded) or ``{mediaKey}`` (an upload)."""

    url: HttpUrl | None = None
    media_key: MediaKey | None = None


class CampaignMessage(Camel, omit_defaults=True):
    text: CopyText = ""
    media: MediaRef | None = None


Variants = Annotated[list[CampaignMessage], msgspec.Meta(min_length=1, max_length=MAX_VARIANTS)]


class ReplyGate(Camel):
    text: CopyText


class CampaignStats(Camel):
    """Cumulative funnel: a DELIVERED recipient also counts as sent, a READ one as sent
    and delivered, a REPLIED one as sent, delivered and read; SENDING counts as
    pending."""

    total: int = 0
    pending: int = 0
    sent: int = 0
    delivered: int = 0
    read: int = 0
    replied: int = 0
    failed: int = 0
    opted_out: int = 0
    skipped: int = 0


class Campaign(Camel):
    id: uuid.UUID
    name: str
    status: CampaignStatus
    status_reason: str | None
    connection_ids: list[uuid.UUID]
    contact_list_ids: list[uuid.UUID]
    messages: list[CampaignMessage]
    schedule: Schedule
    pacing: Pacing
    reply_gate: ReplyGate | None
    skip_agent_conversations: bool
    contact_cooldown_hours: int
    stats: CampaignStats
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    paused_at: datetime | None
    next_run_at: datetime | None


class CampaignCreate(Camel):
    name: Label
    messages: Variants
    connection_ids: CampaignIds = msgspec.field(default_factory=list)
    contact_list_ids: ListIds = msgspec.field(default_factory=list)
    schedule: Schedule = msgspec.field(default_factory=Schedule)
    pacing: Pacing = msgspec.field(default_factory=Pacing)
    reply_gate: ReplyGate | None = None
    skip_agent_conversations: bool = True
    contact_cooldown_hours: CooldownHours = 24


class CampaignUpdate(Camel):
    name: Label | msgspec.UnsetType = msgspec.UNSET
    messages: Variants | msgspec.UnsetType = msgspec.UNSET
    connection_ids: CampaignIds | msgspec.UnsetType = msgspec.UNSET
    contact_list_ids: ListIds | msgspec.UnsetType = msgspec.UNSET
    schedule: Schedule | msgspec.UnsetType = msgspec.UNSET
    pacing: Pacing | msgspec.UnsetType = msgspec.UNSET
    reply_gate: ReplyGate | msgspec.UnsetType | None = msgspec.UNSET
    skip_agent_conversations: bool | msgspec.UnsetType = msgspec.UNSET
    contact_cooldown_hours: CooldownHours | msgspec.UnsetType = msgspec.UNSET


class Recipient(Camel):
    contact_id: uuid.UUID
    phone_number: str | None
    name: str | None
    status: RecipientStatus
    variant: int | None
    connection_id: uuid.UUID | None
    message_id: uuid.UUID | None
    error: str | None
    reason: str | None
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None
    replied_at: datetime | None


class Preview(Camel):
    variant: int
    text: str


class VariantReport(Camel):
    variant: int
    stats: CampaignStats


class Funnel(Camel):
    """Shares of the recipients sent to (0..1; 0 while nothing was sent)."""

    sent: int
    delivery_rate: float
    read_rate: float
    reply_rate: float


class FailureGroup(Camel):
    status: RecipientStatus
    cause: str
    count: int


class Report(Camel):
    stats: CampaignStats
    variants: list[VariantReport]
    funnel: Funnel
    failures: list[FailureGroup]


class Holiday(Camel):
    date: date
    name: str


class AiCopyRequest(Camel):
    brief: Annotated[str, msgspec.Meta(min_length=1, max_length=4000, pattern=NO_NUL)]
    variants: Annotated[int, msgspec.Meta(ge=1, le=MAX_VARIANTS)] = 3
    tone: Annotated[str, msgspec.Meta(max_length=200, pattern=NO_NUL)] | None = None


class AiCopy(Camel):
    messages: list[str]
