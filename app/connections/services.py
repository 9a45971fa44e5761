from __future__ import annotations

import logging
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import sqlalchemy as sa
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from app.connections.schemas import (
    BusinessHours,
    Connection,
    ConnectionCreate,
    ConnectionStats,
    StatsWindow,
)
from app.db import models as m
from app.db.enums import Author, ConnectionStatus
from app.errors import NotFound, ValidationFailed
from app.hours.compat import document_from_old, old_from_document
from app.outbox import OutboxRow, outbox_row
from providers import find_provider, registered
from providers.base import ConfigKey, ConnectionHooks, Provider, Provisioner

log = logging.getLogger("balcao.connections")
PROVISION_JOB = "provision_connection"  # workers.provision.JOB
URL_RE = re.compile(r"^https?://[^\s/]+")


def require_provider(kind: str) -> Provider:
    """The registered provider of ``kind``; 422 on ``provider`` otherwise, shaped as the
    body validation's answer for an unknown enum value."""
    provider = find_provider(kind)
    if provider is None:
        message = f"Unknown provider {kind!r}, expected one of {', '.join(sorted(registered()))}"
        raise ValidationFailed(
            f"Invalid value for provider: {message}",
            field="provider",
            errors=[{"field": "provider", "message": message}],
        )
    return provider


def _config_keys(kind: str) -> dict[str, ConfigKey]:
    provider = find_provider(kind)
    return {key.name: key for key in provider.config_keys} if provider else {}


def check_config(kind: str, config: dict[str, str]) -> None:
    allowed = {key.name: key for key in require_provider(kind).config_keys}
    for key, value in config.items():
        if key not in allowed:
            raise ValidationFailed(
                f"`{key}` is not a {kind} setting "
                f"(allowed: {', '.join(sorted(allowed)) or 'none'}).",
                code="invalid_config",
                field=f"config.{key}",
            )
        if allowed[key].url and not URL_RE.match(value):
            raise ValidationFailed(
                f"`{key}` must be an http(s) URL.", code="invalid_config", field=f"config.{key}"
            )
        if len(value) > 2000:
            raise ValidationFailed(
                f"`{key}` is too long.", code="invalid_config", field=f"config.{key}"
            )


def webhook_url(base_url: str, row: m.Connection) -> str:
    return webhook_url_for(base_url, row.provider, row.id, row.webhook_token)


def webhook_url_for(base_url: str, kind: str, connection_id: uuid.UUID | str, token: str) -> str:
    path = f"/api/v1/webhooks/{kind.lower()}/{connection_id}"
    return f"{base_url.rstrip('/')}{path}?token={token}"


def provisions(kind: str) -> bool:
    """Whether the platform sets up this provider's session itself (a Provisioner)."""
    return isinstance(find_provider(kind), Provisioner)


def provision_jobs(row: m.Connection) -> list[OutboxRow]:
    """The job that provisions ``row`` after the commit, for providers that provision
    (workers.provision); the request itself never calls the provider."""
    if not provisions(row.provider):
        return []
    return [outbox_row(PROVISION_JOB, str(row.id))]


def connection_out(row: m.Connection, base_url: str) -> Connection:
    # Only what the provider declares public is shown; a key it does not declare (never
    # accepted by the API, so written by hand) stays hidden like a secret would.
    keys = _config_keys(row.provider)
    public = {k: v for k, v in row.config.items() if k in keys and not keys[k].secret}
    hours = (
        msgspec.convert(old_from_document(row.business_hours), BusinessHours)
        if row.business_hours
        else None
    )
    return Connection(
        id=row.id,
        name=row.name,
        provider=row.provider,
        status=row.status,
        status_reason=row.status_reason,
        phone_number=row.phone_number,
        webhook_url=webhook_url(base_url, row),
        config=public,
        configured_secrets=sorted(k for k in row.config if k in keys and keys[k].secret),
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_seen_at=row.last_seen_at,
        ai_enabled=row.ai_enabled,
        ai_block_ttl_minutes=row.ai_block_ttl_minutes,
        concat_timeout=row.concat_timeout,
        system_prompt=row.system_prompt,
        business_hours=hours,
        out_of_hours_message=row.out_of_hours_message,
        allow_groups=row.allow_groups,
        handoff_keywords=list(row.handoff_keywords),
        failover_connection_id=row.failover_connection_id,
    )


async def require_connection(db: AsyncSession, connection_id: uuid.UUID) -> m.Connection:
    row = await db.scalar(
        sa.select(m.Connection).where(
            m.Connection.id == connection_id, m.Connection.deleted_at.is_(None)
        )
    )
    if row is None:
        raise NotFound("No such connection.", id=str(connection_id))
    return row


async def check_failover(
    db: AsyncSession, connection_id: uuid.UUID | None, own_id: uuid.UUID | None
) -> None:
    if connection_id is None:
        return
    if connection_id == own_id:
        raise ValidationFailed(
            "A connection cannot fail over to itself.", field="failoverConnectionId"
        )
    try:
        await require_connection(db, connection_id)
    except NotFound as exc:
        raise ValidationFailed(
            "Unknown failover connection.", field="failoverConnectionId"
        ) from exc


def _hours(
    value: BusinessHours | None, existing: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """The old ``businessHours`` shape written as the connection-level hours document
    (app/hours/compat.py), keeping the holidays and dates it already had."""
    if value is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed("Unknown time zone.", field="businessHours.timezone") from exc
    days = {day: [[r.opens, r.closes] for r in ranges] for day, ranges in value.days.items()}
    return document_from_old(value.timezone, days, existing)


async def record_connection(
    db: AsyncSession, organization_id: uuid.UUID, data: ConnectionCreate
) -> m.Connection:
    check_config(data.provider, data.config)
    await check_failover(db, data.failover_connection_id, None)
    values = msgspec.structs.asdict(data)
    values["business_hours"] = _hours(data.business_hours)
    # A provider we provision starts connecting at once (its job is queued with the
    # commit); the others wait for their first webhook or runner status.
    status = (
        ConnectionStatus.CONNECTING if provisions(data.provider) else ConnectionStatus.DISCONNECTED
    )
    row = m.Connection(
        organization_id=organization_id,
        webhook_token=secrets.token_urlsafe(32),
        status=status,
        **values,
    )
    db.add(row)
    await db.flush()
    return row


def apply_changes(row: m.Connection, changes: dict[str, Any]) -> None:
    if "config" in changes:
        # Secrets are write-only: a PATCH that omits them keeps them.
        check_config(row.provider, changes["config"])
        changes["config"] = {**row.config, **changes["config"]}
    if "business_hours" in changes:
        changes["business_hours"] = _hours(changes["business_hours"], row.business_hours)
    for key, value in changes.items():
        setattr(row, key, value)


async def send_connection_hook(redis: Redis, row: m.Connection, *, deleted: bool) -> None:
    """After the commit. A Redis outage only delays a start (the runner loads every
    connection when it starts), so it is logged, not raised."""
    provider = find_provider(row.provider)
    if provider is None or not isinstance(provider, ConnectionHooks):
        return
    try:
        if deleted:
            await provider.connection_deleted(redis, str(row.id))
        else:
            await provider.connection_created(redis, str(row.id))
    except (RedisError, OSError) as exc:
        log.warning("runner not told about connection %s: %s", row.id, exc)


_TIME_PARAMS = [
    sa.bindparam(n, type_=sa.DateTime(timezone=True)) for n in ("today", "week", "month")
]
_MESSAGE_COUNTS = sa.text("""
SELECT direction::text AS direction, author::text AS author,
       count(*) FILTER (WHERE created_at >= :today) AS today,
       count(*) FILTER (WHERE created_at >= :week) AS week,
       count(*) FILTER (WHERE created_at >= :month) AS month
FROM message
WHERE connection_id = :connection AND created_at >= LEAST(:week, :month)
GROUP BY direction, author
""").bindparams(*_TIME_PARAMS)
_SESSION_COUNTS = sa.text("""
SELECT count(*) FILTER (WHERE created_at >= :today) AS opened_today,
       count(*) FILTER (WHERE created_at >= :week) AS opened_week,
       count(*) FILTER (WHERE created_at >= :month) AS opened_month,
       count(*) FILTER (WHERE closed_at >= :today) AS closed_today,
       count(*) FILTER (WHERE closed_at >= :week) AS closed_week,
       count(*) FILTER (WHERE closed_at >= :month) AS closed_month
FROM session
WHERE connection_id = :connection
  AND (created_at >= LEAST(:week, :month) OR closed_at >= LEAST(:week, :month))
""").bindparams(*_TIME_PARAMS)
_WINDOWS = ("today", "week", "month")
_MIRROR_COUNTS = sa.text(
    """
    SELECT status,
           count(*) FILTER (WHERE created_at >= :today) AS today,
           count(*) FILTER (WHERE created_at >= :week) AS week,
           count(*) FILTER (WHERE created_at >= :month) AS month
    FROM mirror_post
    WHERE connection_id = :connection AND created_at >= LEAST(:week, :month)
    GROUP BY status
    """
)


def window_starts(now: datetime, zone: ZoneInfo) -> dict[str, datetime]:
    """Midnight today, Monday's midnight and the 1st's midnight in the business's zone:
    "today" for a bakery in São Paulo starts at its midnight, not UTC's."""
    local = now.astimezone(zone)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "today": day,
        "week": day - timedelta(days=day.weekday()),
        "month": day.replace(day=1),
    }


async def connection_stats(db: AsyncSession, row: m.Connection) -> ConnectionStats:
    zone_name = (row.business_hours or {}).get("timezone") or "America/Sao_Paulo"
    starts = window_starts(datetime.now(UTC), ZoneInfo(zone_name))
    params = {"connection": row.id, **starts}
    windows = {
        name: StatsWindow(
            since=starts[name],
            messages_in=0,
            messages_out=0,
            messages_out_by_author={a.value: 0 for a in Author if a != Author.CUSTOMER},
            sessions_opened=0,
            sessions_closed=0,
        )
        for name in _WINDOWS
    }
    for count in (await db.execute(_MESSAGE_COUNTS, params)).mappings():
        for name in _WINDOWS:
            window, n = windows[name], int(count[name])
            if count["direction"] == "IN":
                window.messages_in += n
            else:
                window.messages_out += n
                by = window.messages_out_by_author
                by[count["author"]] = by.get(count["author"], 0) + n
    sessions = (await db.execute(_SESSION_COUNTS, params)).mappings().one()
    for name in _WINDOWS:
        windows[name].sessions_opened = int(sessions[f"opened_{name}"])
        windows[name].sessions_closed = int(sessions[f"closed_{name}"])
    for count in (await db.execute(_MIRROR_COUNTS, params)).mappings():
        for name in _WINDOWS:
            posts, n = windows[name].mirror_posts, int(count[name])
            posts.received += n
            key = str(count["status"]).lower()
            if key != "received":
                setattr(posts, key, getattr(posts, key) + n)
    return ConnectionStats(
        connection_id=row.id,
        timezone=zone_name,
        today=windows["today"],
        week=windows["week"],
        month=windows["month"],
    )
