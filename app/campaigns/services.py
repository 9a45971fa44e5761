"""Campaigns: checks of what a client sends, the rows it becomes, and what is read back
(stats, recipients, preview, report). Status changes are app.campaigns.transitions."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.campaigns import copy
from app.campaigns.pacing import Pacing, check_pacing
from app.campaigns.schedule import Schedule, check_schedule, zone
from app.campaigns.schemas import (
    Campaign,
    CampaignMessage,
    CampaignStats,
    FailureGroup,
    Funnel,
    Preview,
    ReplyGate,
    Report,
    VariantReport,
)
from app.db import models as m
from app.db.enums import CampaignStatus, RecipientStatus
from app.errors import ValidationFailed
from app.media.errors import FetchError, StorageError
from app.media.netguard import resolve_public
from app.media.storage import LocalMediaStorage

EDITABLE = frozenset({CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.PAUSED})
FINAL = frozenset({CampaignStatus.COMPLETED, CampaignStatus.CANCELLED, CampaignStatus.EXPIRED})
DEFAULT_ZONE = ZoneInfo("America/Sao_Paulo")
MAX_WINDOWS = 50
# A URL's host is checked when the campaign is saved; the download at send time checks
# again (app.media.download), since DNS may answer differently by then.
RESOLVE_TIMEOUT = 3.0

R = RecipientStatus
# Which stats a recipient's status counts in: the funnel is cumulative.
_COUNTS: dict[RecipientStatus, tuple[str, ...]] = {
    R.PENDING: ("pending",),
    R.SENDING: ("pending",),
    R.SENT: ("sent",),
    R.DELIVERED: ("sent", "delivered"),
    R.READ: ("sent", "delivered", "read"),
    R.REPLIED: ("sent", "delivered", "read", "replied"),
    R.FAILED: ("failed",),
    R.OPTED_OUT: ("opted_out",),
    R.SKIPPED: ("skipped",),
}


# -- checks -------------------------------------------------------------------------


def check_messages(messages: Sequence[CampaignMessage], field: str = "messages") -> None:
    for index, message in enumerate(messages):
        where = f"{field}[{index}]"
        media = message.media
        if media is not None and (media.url is None) == (media.media_key is None):
            raise ValidationFailed(
                "media is either {url} or {mediaKey}.", code="invalid_media", field=f"{where}.media"
            )
        if media is not None and not message.text.strip():
            continue  # a bare image or document needs no caption
        check_copy(message.text, f"{where}.text")


def check_copy(text: str, field: str) -> None:
    problems = copy.validate(text)
    if problems:
        raise ValidationFailed(
            f"{field}: {problems[0]}", code="invalid_copy", field=field, problems=problems
        )


def check_reply_gate(gate: ReplyGate | None) -> None:
    if gate is not None:
        check_copy(gate.text, "replyGate.text")


def check_schedule_of(schedule: Schedule) -> None:
    if len(schedule.windows) > MAX_WINDOWS:
        raise ValidationFailed(
            f"At most {MAX_WINDOWS} windows.", code="invalid_window", field="schedule.windows"
        )
    problems = check_schedule(schedule)
    if problems:
        first = problems[0]
        raise ValidationFailed(
            first.detail,
            code=first.code,
            field=first.field,
            problems=[msgspec.to_builtins(p) for p in problems],
        )


def check_pacing_of(pacing: Pacing) -> None:
    problems = check_pacing(pacing)
    if problems:
        first = problems[0]
        raise ValidationFailed(first.detail, code=first.code, field=first.field)


async def check_media(
    messages: Sequence[CampaignMessage], organization_id: uuid.UUID, storage: LocalMediaStorage
) -> None:
    """A URL must be http(s) to a public address; a key must be one of the
    organization's stored files."""
    for index, message in enumerate(messages):
        media, field = message.media, f"messages[{index}].media"
        if media is None:
            continue
        if media.url is not None:
            await _check_url(media.url, f"{field}.url")
        elif media.media_key is not None and not _stored(media.media_key, organization_id, storage):
            raise ValidationFailed(
                "No such media.", code="unknown_media", field=f"{field}.mediaKey"
            )


async def _check_url(url: str, field: str) -> None:
    try:
        parsed = httpx.URL(url)
        host = parsed.host.encode("idna").decode("ascii")
    except (httpx.InvalidURL, UnicodeError, ValueError):
        raise ValidationFailed("Not a valid URL.", code="invalid_media", field=field) from None
    if parsed.scheme not in ("http", "https") or not host:
        raise ValidationFailed("Not an http(s) URL.", code="invalid_media", field=field)
    try:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        await resolve_public(host, port, timeout=RESOLVE_TIMEOUT)
    except FetchError as exc:
        if exc.code == "forbidden_address":
            raise ValidationFailed(
                "The URL points into a private network.", code="forbidden_address", field=field
            ) from None
        # Not resolvable now (DNS down, a name not yet published): the send checks again.


def _stored(key: str, organization_id: uuid.UUID, storage: LocalMediaStorage) -> bool:
    if not key.startswith(f"{organization_id}/"):
        return False
    try:
        path = storage.local_path(key)
        return path is not None and path.is_file()
    except (StorageError, OSError, ValueError):  # a key the storage refuses is not ours
        return False


async def check_connections(db: AsyncSession, ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """The distinct ids, in order (the first is the primary), each a live connection
    of the caller's organization, else 422."""
    wanted = list(dict.fromkeys(ids))
    if wanted:
        found = set(
            await db.scalars(
                sa.select(m.Connection.id).where(
                    m.Connection.id.in_(wanted), m.Connection.deleted_at.is_(None)
                )
            )
        )
        if missing := [str(i) for i in wanted if i not in found]:
            raise ValidationFailed(
                "Unknown connection.", code="unknown_connection", field="connectionIds", ids=missing
            )
    return wanted


async def check_contact_lists(db: AsyncSession, ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    wanted = list(dict.fromkeys(ids))
    if wanted:
        found = set(
            await db.scalars(sa.select(m.ContactList.id).where(m.ContactList.id.in_(wanted)))
        )
        if missing := [str(i) for i in wanted if i not in found]:
            raise ValidationFailed(
                "Unknown contact list.",
                code="unknown_contact_list",
                field="contactListIds",
                ids=missing,
            )
    return wanted


# -- rows ---------------------------------------------------------------------------


async def organization_of(db: AsyncSession, organization_id: uuid.UUID) -> m.Organization:
    org = await db.get(m.Organization, organization_id)
    assert org is not None, "a caller's organization exists"
    return org


def campaign_zone(schedule: Schedule, org: m.Organization) -> ZoneInfo:
    return zone(schedule.timezone, zone(org.timezone, DEFAULT_ZONE)) or DEFAULT_ZONE


def with_offsets(schedule: Schedule, tz: ZoneInfo) -> Schedule:
    """Times sent without an offset are the campaign zone's: stored with it."""

    def fix(moment: datetime | None) -> datetime | None:
        return moment.replace(tzinfo=tz) if moment and moment.tzinfo is None else moment

    return msgspec.structs.replace(
        schedule,
        start_at=fix(schedule.start_at),
        valid_until=fix(schedule.valid_until),
        holiday_subdivision=schedule.holiday_subdivision or None,
    )


def stored(value: Any) -> Any:
    return msgspec.to_builtins(value)


def schedule_of(row: m.Campaign) -> Schedule:
    return msgspec.convert(row.schedule or {}, Schedule)


def pacing_of(row: m.Campaign) -> Pacing:
    return msgspec.convert(row.pacing or {}, Pacing)


def messages_of(row: m.Campaign) -> list[CampaignMessage]:
    return msgspec.convert(row.messages or [], list[CampaignMessage])


def campaign_out(row: m.Campaign, stats: CampaignStats | None = None) -> Campaign:
    return Campaign(
        id=row.id,
        name=row.name,
        status=row.status,
        status_reason=row.status_reason,
        connection_ids=list(row.connection_ids or []),
        contact_list_ids=list(row.contact_list_ids or []),
        messages=messages_of(row),
        schedule=schedule_of(row),
        pacing=pacing_of(row),
        reply_gate=msgspec.convert(row.reply_gate, ReplyGate) if row.reply_gate else None,
        skip_agent_conversations=row.skip_agent_conversations,
        contact_cooldown_hours=row.contact_cooldown_hours,
        stats=stats or CampaignStats(),
        created_at=row.created_at,
        updated_at=row.updated_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        paused_at=row.paused_at,
        next_run_at=row.next_run_at,
    )


# -- stats and reports ----------------------------------------------------------------


def _stats_from(counts: Sequence[tuple[RecipientStatus, int]]) -> CampaignStats:
    totals = dict.fromkeys(CampaignStats.__struct_fields__, 0)
    for status, count in counts:
        totals["total"] += count
        for name in _COUNTS[status]:
            totals[name] += count
    return CampaignStats(**totals)


async def stats_of(
    db: AsyncSession, campaign_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, CampaignStats]:
    """One GROUP BY over the recipients of all the campaigns asked for."""
    if not campaign_ids:
        return {}
    rec = m.CampaignRecipient
    rows = await db.execute(
        sa.select(rec.campaign_id, rec.status, sa.func.count())
        .where(rec.campaign_id.in_(campaign_ids))
        .group_by(rec.campaign_id, rec.status)
    )
    grouped: dict[uuid.UUID, list[tuple[RecipientStatus, int]]] = {}
    for campaign_id, status, count in rows:
        grouped.setdefault(campaign_id, []).append((status, count))
    return {cid: _stats_from(grouped.get(cid, [])) for cid in campaign_ids}


async def report_of(db: AsyncSession, row: m.Campaign) -> Report:
    rec = m.CampaignRecipient
    by_variant = await db.execute(
        sa.select(rec.variant, rec.status, sa.func.count())
        .where(rec.campaign_id == row.id)
        .group_by(rec.variant, rec.status)
    )
    grouped: dict[int, list[tuple[RecipientStatus, int]]] = {}
    everything: list[tuple[RecipientStatus, int]] = []
    for variant, status, count in by_variant:
        grouped.setdefault(variant if variant is not None else -1, []).append((status, count))
        everything.append((status, count))
    stats = _stats_from(everything)
    cause = sa.func.coalesce(rec.error, rec.reason, "unknown")
    failures = await db.execute(
        sa.select(rec.status, cause, sa.func.count())
        .where(rec.campaign_id == row.id, rec.status.in_([R.FAILED, R.SKIPPED, R.OPTED_OUT]))
        .group_by(rec.status, cause)
        .order_by(sa.func.count().desc(), rec.status, cause)
        .limit(100)
    )
    sent = stats.sent

    def rate(part: int) -> float:
        return round(part / sent, 4) if sent else 0.0

    return Report(
        stats=stats,
        variants=[
            VariantReport(variant=v, stats=_stats_from(counts))
            for v, counts in sorted(grouped.items())
        ],
        funnel=Funnel(
            sent=sent,
            delivery_rate=rate(stats.delivered),
            read_rate=rate(stats.read),
            reply_rate=rate(stats.replied),
        ),
        failures=[FailureGroup(status=s, cause=str(c)[:300], count=n) for s, c, n in failures],
    )


# -- recipients and preview -----------------------------------------------------------


def recipients_query(
    campaign_id: uuid.UUID, status: RecipientStatus | None
) -> sa.Select[*tuple[Any, ...]]:
    rec = m.CampaignRecipient
    stmt = (
        sa.select(
            rec.contact_id,
            m.Contact.phone_number,
            m.Contact.name,
            rec.status,
            rec.variant,
            rec.connection_id,
            rec.message_id,
            rec.error,
            rec.reason,
            rec.sent_at,
            rec.delivered_at,
            rec.read_at,
            rec.replied_at,
        )
        .join(m.Contact, m.Contact.id == rec.contact_id)
        .where(rec.campaign_id == campaign_id)
        .order_by(rec.created_at, rec.id)
    )
    if status is not None:
        stmt = stmt.where(rec.status == status)
    return stmt


async def preview_of(
    db: AsyncSession, row: m.Campaign, contact: m.Contact, org: m.Organization
) -> Preview:
    messages = messages_of(row)
    variant = await db.scalar(
        sa.select(m.CampaignRecipient.variant).where(
            m.CampaignRecipient.campaign_id == row.id,
            m.CampaignRecipient.contact_id == contact.id,
        )
    )
    if variant is None or not 0 <= variant < len(messages):
        variant = contact.id.int % max(1, len(messages))
    schedule = schedule_of(row)
    now = datetime.now(UTC).astimezone(campaign_zone(schedule, org))
    target = copy.RenderContact(
        name=contact.name, phone_number=contact.phone_number or "", fields=contact.fields or {}
    )
    # Seeded by the pair, so reloading the preview shows the same draw.
    rng = random.Random(f"{row.id}:{contact.id}")  # noqa: S311 - not security sensitive
    try:
        text = copy.render(messages[variant].text, target, now, rng)
    except copy.MissingVariable as exc:
        raise ValidationFailed(
            f"The contact has no value for {{{{{exc.name}}}}} and it has no fallback.",
            code="missing_variable",
            field="contactId",
            name=exc.name,
        ) from None
    except copy.CopySyntaxError as exc:
        raise ValidationFailed(str(exc), code="invalid_copy", field="messages") from None
    return Preview(variant=variant, text=text)
