"""A campaign's status changes (API.md: start, pause, resume, cancel) and the recipient
rows they write. Each runs inside the caller's transaction, which commits it together
with the dispatcher's job (app.jobs.commit_with_jobs).

::

    DRAFT ──start──> SCHEDULED (startAt ahead) ──(dispatcher)──> RUNNING ──> COMPLETED
      │               │    ^                                     │  ^          EXPIRED
      │               pause│resume                           pause  resume
      │               v    │                                     v  │
      │               PAUSED <───────────────────────────────────┘  │
      └──start (startAt null or past)──> RUNNING ───────────────────┘
    any status but COMPLETED/CANCELLED/EXPIRED ──cancel──> CANCELLED

One number runs one campaign at a time: start and resume lock the campaign's
connection rows (in id order, so two starts cannot deadlock) before looking for another
RUNNING or SCHEDULED campaign on them, so two concurrent starts cannot both pass.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from app.campaigns import services
from app.campaigns.dispatch import dispatch_row
from app.campaigns.schedule import next_open
from app.db import models as m
from app.db.enums import CampaignStatus, RecipientStatus
from app.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from app.outbox import OutboxRow

S = CampaignStatus
ACTIVE = (S.RUNNING, S.SCHEDULED)


async def lock_campaign(db: AsyncSession, campaign_id: uuid.UUID) -> m.Campaign:
    row = (
        await db.execute(
            sa.select(m.Campaign)
            .where(m.Campaign.id == campaign_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar()
    if row is None:
        raise NotFound("No such campaign.", id=str(campaign_id))
    return row


def _refuse(row: m.Campaign, action: str) -> InvalidTransition:
    return InvalidTransition(
        f"A {row.status.value} campaign cannot {action}.", status=row.status.value, action=action
    )


async def check_no_conflict(db: AsyncSession, row: m.Campaign) -> None:
    ids = sorted(set(row.connection_ids or []))
    if not ids:
        return
    await db.execute(
        sa.select(m.Connection.id)
        .where(m.Connection.id.in_(ids))
        .order_by(m.Connection.id)
        .with_for_update()
    )
    other = (
        await db.execute(
            sa.select(m.Campaign.id, m.Campaign.name, m.Campaign.connection_ids)
            .where(
                m.Campaign.id != row.id,
                m.Campaign.status.in_(ACTIVE),
                m.Campaign.connection_ids.overlap(sa.cast(ids, ARRAY(UUID(as_uuid=True)))),
            )
            .order_by(m.Campaign.created_at)
            .limit(1)
        )
    ).first()
    if other is not None:
        shared = sorted(str(c) for c in set(other.connection_ids) & set(ids))
        raise Conflict(
            f"Campaign {other.name!r} is already running or scheduled on this number.",
            code="campaign_conflict",
            campaignId=str(other.id),
            connectionIds=shared,
        )


def _check_ready(row: m.Campaign) -> None:
    for field, value in (
        ("connectionIds", row.connection_ids),
        ("contactListIds", row.contact_list_ids),
        ("messages", row.messages),
    ):
        if not value:
            raise ValidationFailed(
                f"A campaign needs {field} to start.", code="campaign_incomplete", field=field
            )


def _check_opens(row: m.Campaign, org: m.Organization, now: datetime) -> None:
    schedule = services.schedule_of(row)
    tz = services.campaign_zone(schedule, org)
    if next_open(schedule, now, tz, org.holiday_subdivision) is None:
        raise ValidationFailed(
            "The schedule never opens again (check validUntil and the windows).",
            code="schedule_closed",
            field="schedule",
        )


_MATERIALISE = sa.text(
    """
    INSERT INTO campaign_recipient
        (organization_id, campaign_id, contact_id, status, variant, reason, next_attempt_at)
    SELECT :org, :campaign, audience.id,
           CASE WHEN audience.opted_out_at IS NULL THEN 'PENDING' ELSE 'OPTED_OUT' END,
           (:offset + row_number() OVER (ORDER BY audience.id) - 1) % :variants,
           CASE WHEN audience.opted_out_at IS NULL THEN NULL ELSE 'opted_out' END,
           :due
    FROM (
        SELECT DISTINCT contact.id, contact.opted_out_at
        FROM contact_list_member AS member
        JOIN contact ON contact.id = member.contact_id
        WHERE member.contact_list_id = ANY(:lists)
          AND contact.organization_id = :org
          AND contact.erased_at IS NULL
          AND contact.phone_number IS NOT NULL
          AND NOT EXISTS (
              SELECT 1 FROM campaign_recipient AS r
              WHERE r.campaign_id = :campaign AND r.contact_id = contact.id
          )
    ) AS audience
    ON CONFLICT (campaign_id, contact_id) DO NOTHING
    """
).bindparams(sa.bindparam("lists", type_=ARRAY(UUID(as_uuid=True))))

_DROP_LEFT_LISTS = sa.text(
    """
    DELETE FROM campaign_recipient AS r
    WHERE r.campaign_id = :campaign AND r.status = 'PENDING'
      AND NOT EXISTS (
          SELECT 1 FROM contact_list_member AS member
          WHERE member.contact_id = r.contact_id AND member.contact_list_id = ANY(:lists)
      )
    """
).bindparams(sa.bindparam("lists", type_=ARRAY(UUID(as_uuid=True))))


async def _recipient_count(db: AsyncSession, campaign_id: uuid.UUID) -> int:
    count = await db.scalar(
        sa.select(sa.func.count()).where(m.CampaignRecipient.campaign_id == campaign_id)
    )
    return count or 0


async def materialise(db: AsyncSession, row: m.Campaign, due: datetime) -> int:
    """Adds the lists' contacts not yet recipients (opted-out ones as OPTED_OUT, so the
    report counts them), variants rotating on from those already there; one statement.
    Returns how many the campaign has in all."""
    existing = await _recipient_count(db, row.id)
    await db.execute(
        _MATERIALISE,
        {
            "org": row.organization_id,
            "campaign": row.id,
            "lists": list(row.contact_list_ids),
            "variants": max(1, len(row.messages)),
            "offset": existing,
            "due": due,
        },
    )
    return await _recipient_count(db, row.id)


async def sync_recipients(db: AsyncSession, row: m.Campaign, now: datetime) -> None:
    """After an edit of a SCHEDULED or PAUSED campaign: pending recipients follow the
    lists and the number of variants; the ones already sent to stay as they are."""
    await db.execute(_DROP_LEFT_LISTS, {"campaign": row.id, "lists": list(row.contact_list_ids)})
    variants = max(1, len(row.messages))
    await db.execute(
        sa.update(m.CampaignRecipient)
        .where(
            m.CampaignRecipient.campaign_id == row.id,
            m.CampaignRecipient.status == RecipientStatus.PENDING,
            m.CampaignRecipient.variant >= variants,
        )
        .values(variant=m.CampaignRecipient.variant % variants)
    )
    await materialise(db, row, now)


def _go(row: m.Campaign, now: datetime) -> None:
    """RUNNING now, or SCHEDULED until its start time."""
    start_at = services.schedule_of(row).start_at
    if start_at is not None and start_at > now:
        row.status, row.next_run_at = S.SCHEDULED, start_at
    else:
        row.status, row.next_run_at = S.RUNNING, now
        row.started_at = row.started_at or now
    row.paused_at = None
    row.status_reason = None


async def record_start(
    db: AsyncSession, campaign_id: uuid.UUID, org: m.Organization, now: datetime
) -> list[OutboxRow]:
    row = await lock_campaign(db, campaign_id)
    if row.status != S.DRAFT:
        raise _refuse(row, "start")
    _check_ready(row)
    _check_opens(row, org, now)
    await check_no_conflict(db, row)
    start_at = services.schedule_of(row).start_at
    if await materialise(db, row, max(now, start_at) if start_at else now) == 0:
        raise ValidationFailed(
            "The contact lists have no contact that can receive this campaign.",
            code="empty_audience",
            field="contactListIds",
        )
    _go(row, now)
    return [dispatch_row(row.id, row.next_run_at)]


async def record_pause(db: AsyncSession, campaign_id: uuid.UUID, now: datetime) -> None:
    """A plain UPDATE guarded by the status: delivery's claim reads the campaign row
    FOR SHARE (workers/deliver_store.py), so once this commits no send of it starts."""
    done = await db.execute(
        sa.update(m.Campaign)
        .where(m.Campaign.id == campaign_id, m.Campaign.status.in_(ACTIVE))
        .values(status=S.PAUSED, paused_at=now, updated_at=now)
        .returning(m.Campaign.id)
    )
    if done.first() is None:
        row = await lock_campaign(db, campaign_id)
        raise _refuse(row, "pause")


async def record_resume(
    db: AsyncSession, campaign_id: uuid.UUID, org: m.Organization, now: datetime
) -> list[OutboxRow]:
    row = await lock_campaign(db, campaign_id)
    if row.status != S.PAUSED:
        raise _refuse(row, "resume")
    _check_ready(row)
    _check_opens(row, org, now)
    await check_no_conflict(db, row)
    await materialise(db, row, now)
    _go(row, now)
    return [dispatch_row(row.id, row.next_run_at)]


async def record_cancel(db: AsyncSession, campaign_id: uuid.UUID, now: datetime) -> None:
    row = await lock_campaign(db, campaign_id)
    if row.status in services.FINAL:
        raise _refuse(row, "be cancelled")
    row.status = S.CANCELLED
    row.finished_at = now
    row.next_run_at = None
    # A send staged but not started (its message PENDING, unclaimed) never starts: the
    # recipient is skipped first, so the message's failure leaves it so (the trigger of
    # migration 0015 moves only recipients still in flight). A send already claimed is
    # in the provider's hands; its outcome is still recorded.
    staged = sa.text(
        "WITH r AS ("
        " UPDATE campaign_recipient r SET status = 'SKIPPED', reason = 'cancelled',"
        " updated_at = now() FROM message m"
        " WHERE r.campaign_id = :id AND r.status = 'SENDING'"
        " AND m.id = COALESCE(r.message_id, r.gate_message_id) AND m.status = 'PENDING'"
        " AND (m.send_claimed_until IS NULL OR m.send_claimed_until < now())"
        " RETURNING m.id)"
        " UPDATE message SET status = 'FAILED', error = 'campaign cancelled', updated_at = now()"
        " WHERE id IN (SELECT id FROM r)"
    )
    await db.execute(staged, {"id": row.id})
    await db.execute(
        sa.update(m.CampaignRecipient)
        .where(
            m.CampaignRecipient.campaign_id == row.id,
            m.CampaignRecipient.status == RecipientStatus.PENDING,
        )
        .values(status=RecipientStatus.SKIPPED, reason="cancelled", updated_at=now)
    )
