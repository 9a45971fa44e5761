"""Mirror rules: ``check_*`` validates a body (422 with a machine code), ``record_*``
writes (with its audit row), ``*_out`` shapes rows for the API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.connections.services import window_starts
from app.db import models as m
from app.db.models.mirrors import MirrorDeliveryStatus, MirrorPostStatus
from app.errors import NotFound, ValidationFailed
from app.groups.services import GROUP_IDENTITY
from app.mirrors.schemas import (
    AffiliateIn,
    AffiliateOut,
    AliExpressOut,
    Filters,
    GroupCounts,
    MercadoLivre,
    Mirror,
    MirrorCreate,
    MirrorPost,
    PostDestination,
    PostLink,
    QuietHours,
    ShopeeOut,
    StatusCounts,
)
from providers import find_provider

TEMPLATE_SLOT = "{{texto}}"
SECRETS = (("shopee", "secret"), ("aliexpress", "secret"))
_WINDOWS = ("today", "week", "month")
_DELIVERY_AS = {
    MirrorDeliveryStatus.QUEUED: "queued",
    MirrorDeliveryStatus.SENDING: "queued",
    MirrorDeliveryStatus.POSTED: "posted",
    MirrorDeliveryStatus.FAILED: "failed",
    MirrorDeliveryStatus.DUPLICATE: "duplicate",
    MirrorDeliveryStatus.EXPIRED: "filtered",
    MirrorDeliveryStatus.CANCELLED: "filtered",
}


# -- checks -------------------------------------------------------------------------


async def check_connection(db: AsyncSession, connection_id: uuid.UUID) -> m.Connection:
    """The organization's connection, on a provider that can post to groups."""
    row = await db.scalar(
        sa.select(m.Connection).where(
            m.Connection.id == connection_id, m.Connection.deleted_at.is_(None)
        )
    )
    if row is None:
        raise ValidationFailed(
            "No such connection.", code="unknown_connection", field="connectionId"
        )
    provider = find_provider(row.provider)
    if provider is None or not provider.capabilities.groups:
        raise ValidationFailed(
            f"{row.provider} connections cannot post to groups.",
            code="groups_not_supported",
            field="connectionId",
        )
    return row


def check_groups(sources: list[str], destinations: list[str]) -> None:
    if not sources:
        raise ValidationFailed(
            "At least one source group.", code="no_source_groups", field="sourceGroupIds"
        )
    if not destinations:
        raise ValidationFailed(
            "At least one destination group.",
            code="no_destination_groups",
            field="destinationGroupIds",
        )
    both = sorted(set(sources) & set(destinations))
    if both:
        raise ValidationFailed(
            "A group cannot be both a source and a destination (it would re-post its own posts).",
            code="destination_is_source",
            field="destinationGroupIds",
            groups=both,
        )


# Destinations the number is known not to be in: it has a group list (synced from the
# provider or the page) and the id is neither listed nor a chat a message came from. A
# number whose groups were never listed accepts any id (typed before the first sync).
_UNKNOWN_DESTINATIONS = sa.text(
    """
    SELECT g FROM unnest(CAST(:groups AS varchar[])) AS g
    WHERE EXISTS (SELECT 1 FROM connection_group WHERE connection_id = :conn)
      AND NOT EXISTS (SELECT 1 FROM connection_group cg
                      WHERE cg.connection_id = :conn AND cg.group_id = g)
      AND NOT EXISTS (SELECT 1 FROM contact_identity ci
                      WHERE ci.connection_id = :conn AND ci.kind = :kind AND ci.value = g)
    """
)


async def check_destinations(
    db: AsyncSession, connection_id: uuid.UUID, destinations: list[str]
) -> None:
    """A destination the number is not in would fail every post at send time: refused
    now, naming the groups."""
    params = {"groups": destinations, "conn": connection_id, "kind": GROUP_IDENTITY}
    unknown = list((await db.scalars(_UNKNOWN_DESTINATIONS, params)).all())
    if unknown:
        raise ValidationFailed(
            "The number is not in these groups (refresh its groups if it just joined).",
            code="unknown_group",
            field="destinationGroupIds",
            groups=unknown,
        )


def check_quiet_hours(quiet: QuietHours | None) -> None:
    if quiet is None:
        return
    for name, value in (("start", quiet.start), ("end", quiet.end)):
        hours, minutes = int(value[:2]), int(value[3:])
        if hours > 23 or minutes > 59:
            raise ValidationFailed(
                "A time of day is HH:MM, 00:00 to 23:59.",
                code="invalid_quiet_hours",
                field=f"quietHours.{name}",
            )
    if quiet.start == quiet.end:
        raise ValidationFailed(
            "Quiet hours must not start and end at the same time.",
            code="invalid_quiet_hours",
            field="quietHours",
        )


def check_template(template: str | None) -> None:
    if template is not None and template.count(TEMPLATE_SLOT) != 1:
        raise ValidationFailed(
            "The template must contain {{texto}} exactly once (where the offer goes).",
            code="invalid_template",
            field="template",
        )


# -- writes -------------------------------------------------------------------------


def stored_affiliate(data: AffiliateIn, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """The settings to store; a secret left out of a PATCH keeps the stored one."""
    stored: dict[str, Any] = msgspec.to_builtins(data)
    for section, key in SECRETS:
        old = (previous or {}).get(section) or {}
        if section in stored and stored[section].get(key) is None and old.get(key):
            stored[section][key] = old[key]
        if section in stored and stored[section].get(key) is None:
            stored[section].pop(key, None)
    return stored


def audit(principal: Principal, action: str, row: m.Mirror, fields: list[str]) -> m.AuditLog:
    return m.AuditLog(
        organization_id=row.organization_id,
        actor_user_id=principal.user_id,
        actor_api_key_id=principal.api_key_id,
        action=action,
        target_type="mirror",
        target_id=str(row.id),
        data={"fields": sorted(fields)},  # names only: never a secret's value
    )


def new_mirror(principal: Principal, data: MirrorCreate) -> m.Mirror:
    return m.Mirror(
        organization_id=principal.organization_id,
        connection_id=data.connection_id,
        name=data.name,
        is_active=data.is_active,
        source_group_ids=list(dict.fromkeys(data.source_group_ids)),
        destination_group_ids=list(dict.fromkeys(data.destination_group_ids)),
        filters=msgspec.to_builtins(data.filters),
        affiliate=stored_affiliate(data.affiliate),
        unmapped_links=data.unmapped_links,
        dedup_hours=data.dedup_hours,
        min_interval_per_group_seconds=data.min_interval_per_group_seconds,
        min_interval_seconds=data.min_interval_seconds,
        quiet_hours=msgspec.to_builtins(data.quiet_hours) if data.quiet_hours else None,
        daily_cap=data.daily_cap,
        template=data.template,
        created_by_user_id=principal.user_id,
    )


def apply_changes(row: m.Mirror, changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        if name == "affiliate":
            row.affiliate = stored_affiliate(value, row.affiliate)
        elif name in ("filters", "quiet_hours"):
            setattr(row, name, msgspec.to_builtins(value) if value is not None else None)
        elif name in ("source_group_ids", "destination_group_ids"):
            setattr(row, name, list(dict.fromkeys(value)))
        else:
            setattr(row, name, value)


async def require_mirror(db: AsyncSession, mirror_id: uuid.UUID) -> m.Mirror:
    row = await db.scalar(sa.select(m.Mirror).where(m.Mirror.id == mirror_id))
    if row is None:
        raise NotFound("No such mirror.", id=str(mirror_id))
    return row


# -- reads --------------------------------------------------------------------------


def mirror_out(row: m.Mirror) -> Mirror:
    aff: dict[str, Any] = row.affiliate or {}
    configured = [
        f"{section}.{key}" for section, key in SECRETS if (aff.get(section) or {}).get(key)
    ]
    shopee, ali = aff.get("shopee"), aff.get("aliexpress")
    affiliate = AffiliateOut(
        amazon_tag=aff.get("amazonTag"),
        mercado_livre=msgspec.convert(aff["mercadoLivre"], type=MercadoLivre)
        if aff.get("mercadoLivre")
        else None,
        magalu_store=aff.get("magaluStore"),
        shopee=ShopeeOut(app_id=shopee["appId"]) if shopee else None,
        aliexpress=AliExpressOut(app_key=ali["appKey"], tracking_id=ali["trackingId"])
        if ali
        else None,
    )
    return Mirror(
        id=row.id,
        name=row.name,
        connection_id=row.connection_id,
        is_active=row.is_active,
        source_group_ids=list(row.source_group_ids),
        destination_group_ids=list(row.destination_group_ids),
        filters=msgspec.convert(row.filters or {}, type=Filters),
        affiliate=affiliate,
        configured_secrets=configured,
        unmapped_links=row.unmapped_links,
        dedup_hours=row.dedup_hours,
        min_interval_per_group_seconds=row.min_interval_per_group_seconds,
        min_interval_seconds=row.min_interval_seconds,
        quiet_hours=msgspec.convert(row.quiet_hours, type=QuietHours) if row.quiet_hours else None,
        daily_cap=row.daily_cap,
        template=row.template,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def post_out(row: m.MirrorPost, deliveries: list[m.MirrorDelivery]) -> MirrorPost:
    return MirrorPost(
        id=row.id,
        source_group_id=row.source_group_id,
        source_message_id=row.source_message_id,
        offer_key=row.offer_key,
        store=row.store,
        price_cents=row.price_cents,
        status=row.status,
        reason=row.reason,
        original_text=row.original_text,
        text=row.text,
        links=[
            PostLink(
                original=str(link.get("original", "")),
                resolved=link.get("resolved"),
                rewritten=link.get("rewritten"),
            )
            for link in row.links or []
        ],
        destinations=[
            PostDestination(
                group_id=d.group_id,
                status=d.status,
                message_id=d.message_id,
                posted_at=d.posted_at,
                error=d.error,
            )
            for d in deliveries
        ],
        created_at=row.created_at,
    )


async def deliveries_of(
    db: AsyncSession, post_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[m.MirrorDelivery]]:
    found: dict[uuid.UUID, list[m.MirrorDelivery]] = {pid: [] for pid in post_ids}
    if post_ids:
        rows = await db.scalars(
            sa.select(m.MirrorDelivery)
            .where(m.MirrorDelivery.post_id.in_(post_ids))
            .order_by(m.MirrorDelivery.group_id)
        )
        for d in rows:
            found[d.post_id].append(d)
    return found


async def organization_zone(db: AsyncSession, organization_id: uuid.UUID) -> str:
    zone = await db.scalar(
        sa.select(m.Organization.timezone).where(m.Organization.id == organization_id)
    )
    return zone or "America/Sao_Paulo"


_POST_COUNTS = sa.text(
    """
    SELECT status,
           count(*) FILTER (WHERE created_at >= :today) AS today,
           count(*) FILTER (WHERE created_at >= :week) AS week,
           count(*) FILTER (WHERE created_at >= :month) AS month
    FROM mirror_post
    WHERE organization_id = :org AND mirror_id = ANY(:mirrors)
      AND created_at >= LEAST(:week, :month)
    GROUP BY status
    """
)
_DELIVERY_COUNTS = sa.text(
    """
    SELECT group_id, status,
           count(*) FILTER (WHERE created_at >= :today) AS today,
           count(*) FILTER (WHERE created_at >= :week) AS week,
           count(*) FILTER (WHERE created_at >= :month) AS month
    FROM mirror_delivery
    WHERE organization_id = :org AND mirror_id = :mirror
      AND created_at >= LEAST(:week, :month)
    GROUP BY group_id, status
    """
)


def _add(counts: StatusCounts, key: str, n: int) -> None:
    setattr(counts, key, getattr(counts, key) + n)


async def post_counts(
    db: AsyncSession, organization_id: uuid.UUID, mirror_ids: list[uuid.UUID], zone: str
) -> dict[str, StatusCounts]:
    """Posts by status per window; ``received`` counts every post."""
    starts = window_starts(datetime.now(UTC), ZoneInfo(zone))
    windows = {name: StatusCounts() for name in _WINDOWS}
    params = {"org": organization_id, "mirrors": mirror_ids, **starts}
    for row in (await db.execute(_POST_COUNTS, params)).mappings():
        key = MirrorPostStatus(row["status"]).value.lower()
        for name in _WINDOWS:
            n = int(row[name])
            _add(windows[name], "received", n)
            if key != "received":
                _add(windows[name], key, n)
    return windows


async def destination_counts(db: AsyncSession, row: m.Mirror, zone: str) -> list[GroupCounts]:
    starts = window_starts(datetime.now(UTC), ZoneInfo(zone))
    groups: dict[str, GroupCounts] = {
        g: GroupCounts(group_id=g, today=StatusCounts(), week=StatusCounts(), month=StatusCounts())
        for g in row.destination_group_ids
    }
    params = {"org": row.organization_id, "mirror": row.id, **starts}
    for count in (await db.execute(_DELIVERY_COUNTS, params)).mappings():
        group = groups.setdefault(
            count["group_id"],
            GroupCounts(
                group_id=count["group_id"],
                today=StatusCounts(),
                week=StatusCounts(),
                month=StatusCounts(),
            ),
        )
        key = _DELIVERY_AS[MirrorDeliveryStatus(count["status"])]
        for name in _WINDOWS:
            n = int(count[name])
            _add(getattr(group, name), "received", n)
            _add(getattr(group, name), key, n)
    return list(groups.values())
