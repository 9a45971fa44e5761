"""Group mirrors at the boundary (API.md "Groups and group mirrors").

Affiliate secrets (Shopee's and AliExpress's ``secret``) are write-only: a mirror is
returned with ``affiliate`` minus the secrets and ``configuredSecrets`` naming the ones
set. ``filters`` and ``affiliate`` are stored as these Structs' builtins (camelCase)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from app.db.models.mirrors import MirrorDeliveryStatus, MirrorPostStatus, UnmappedLinks
from app.schemas import NO_NUL, Camel, Label

StoreName = Literal["AMAZON", "MERCADO_LIVRE", "SHOPEE", "ALIEXPRESS", "MAGALU", "OTHER"]
# A provider's group chat id ("1203...@g.us"), or WhatsApp Web's "group:<name>" (spaces
# and all): the same rule as a message's groupId.
GroupId = Annotated[str, msgspec.Meta(min_length=3, max_length=128, pattern=r"^[^\x00-\x1f]+$")]
GroupIds = Annotated[list[GroupId], msgspec.Meta(max_length=100)]
Keyword = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=NO_NUL)]
Keywords = Annotated[list[Keyword], msgspec.Meta(max_length=100)]
Short = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NO_NUL)]
Secret = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=NO_NUL)]
ClockTime = Annotated[str, msgspec.Meta(pattern=r"^\d{2}:\d{2}$")]
Template = Annotated[str, msgspec.Meta(min_length=1, max_length=4096, pattern=NO_NUL)]
DedupHours = Annotated[int, msgspec.Meta(ge=1, le=24 * 30)]
Seconds = Annotated[int, msgspec.Meta(ge=0, le=86_400)]
DailyCap = Annotated[int, msgspec.Meta(ge=1, le=100_000)]


class Filters(Camel, omit_defaults=True):
    keywords: Keywords | None = None
    exclude_keywords: Keywords | None = None
    stores: list[StoreName] | None = None


class MercadoLivre(Camel):
    matt_word: Short
    matt_tool: Short


class Shopee(Camel):
    app_id: Short
    secret: Secret | None = None  # write-only; omitted on a PATCH keeps the stored one


class AliExpress(Camel):
    app_key: Short
    tracking_id: Short
    secret: Secret | None = None


class AffiliateIn(Camel, omit_defaults=True):
    amazon_tag: Short | None = None
    mercado_livre: MercadoLivre | None = None
    magalu_store: Short | None = None
    shopee: Shopee | None = None
    aliexpress: AliExpress | None = None


class ShopeeOut(Camel):
    app_id: str


class AliExpressOut(Camel):
    app_key: str
    tracking_id: str


class AffiliateOut(Camel):
    amazon_tag: str | None = None
    mercado_livre: MercadoLivre | None = None
    magalu_store: str | None = None
    shopee: ShopeeOut | None = None
    aliexpress: AliExpressOut | None = None


class QuietHours(Camel):
    start: ClockTime
    end: ClockTime


class Mirror(Camel):
    id: uuid.UUID
    name: str
    connection_id: uuid.UUID
    is_active: bool
    source_group_ids: list[str]
    destination_group_ids: list[str]
    filters: Filters
    affiliate: AffiliateOut
    configured_secrets: list[str]  # e.g. ["shopee.secret"]
    unmapped_links: UnmappedLinks
    dedup_hours: int
    min_interval_per_group_seconds: int
    min_interval_seconds: int
    quiet_hours: QuietHours | None
    daily_cap: int | None
    template: str | None
    created_at: datetime
    updated_at: datetime


class MirrorCreate(Camel):
    name: Label
    connection_id: uuid.UUID
    source_group_ids: GroupIds
    destination_group_ids: GroupIds
    is_active: bool = True
    filters: Filters = msgspec.field(default_factory=Filters)
    affiliate: AffiliateIn = msgspec.field(default_factory=AffiliateIn)
    unmapped_links: UnmappedLinks = UnmappedLinks.DROP
    dedup_hours: DedupHours = 6
    min_interval_per_group_seconds: Seconds = 180
    min_interval_seconds: Seconds = 30
    quiet_hours: QuietHours | None = None
    daily_cap: DailyCap | None = None
    template: Template | None = None


class MirrorUpdate(Camel):
    name: Label | msgspec.UnsetType = msgspec.UNSET
    connection_id: uuid.UUID | msgspec.UnsetType = msgspec.UNSET
    is_active: bool | msgspec.UnsetType = msgspec.UNSET
    source_group_ids: GroupIds | msgspec.UnsetType = msgspec.UNSET
    destination_group_ids: GroupIds | msgspec.UnsetType = msgspec.UNSET
    filters: Filters | msgspec.UnsetType = msgspec.UNSET
    affiliate: AffiliateIn | msgspec.UnsetType = msgspec.UNSET
    unmapped_links: UnmappedLinks | msgspec.UnsetType = msgspec.UNSET
    dedup_hours: DedupHours | msgspec.UnsetType = msgspec.UNSET
    min_interval_per_group_seconds: Seconds | msgspec.UnsetType = msgspec.UNSET
    min_interval_seconds: Seconds | msgspec.UnsetType = msgspec.UNSET
    quiet_hours: QuietHours | msgspec.UnsetType | None = msgspec.UNSET
    daily_cap: DailyCap | msgspec.UnsetType | None = msgspec.UNSET
    template: Template | msgspec.UnsetType | None = msgspec.UNSET


class PostLink(Camel):
    original: str
    resolved: str | None
    rewritten: str | None


class PostDestination(Camel):
    group_id: str
    status: MirrorDeliveryStatus
    message_id: uuid.UUID | None
    posted_at: datetime | None
    error: str | None


class MirrorPost(Camel):
    id: uuid.UUID
    source_group_id: str
    source_message_id: str
    offer_key: str | None
    store: str | None
    price_cents: int | None
    status: MirrorPostStatus
    reason: str | None
    original_text: str
    text: str | None
    links: list[PostLink]
    destinations: list[PostDestination]
    created_at: datetime


class StatusCounts(Camel):
    received: int = 0
    filtered: int = 0
    duplicate: int = 0
    queued: int = 0
    posted: int = 0
    failed: int = 0
    rewrite_failed: int = 0


class GroupCounts(Camel):
    group_id: str
    today: StatusCounts
    week: StatusCounts
    month: StatusCounts


class MirrorStats(Camel):
    """Posts by status since midnight, Monday and the 1st (the organization's zone);
    per destination group, its deliveries by status (DUPLICATE counted as duplicate,
    EXPIRED and CANCELLED as filtered)."""

    mirror_id: uuid.UUID
    timezone: str
    today: StatusCounts
    week: StatusCounts
    month: StatusCounts
    destinations: list[GroupCounts]
