"""Campaigns (API.md "Campaigns"): supervisors and administrators only."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream

from app.ai.llm import endpoint_from_row
from app.ai.services import get_row as get_ai_row
from app.auth.guards import supervisors
from app.campaigns import aicopy, schedule, services, transitions
from app.campaigns.schemas import (
    AiCopy,
    AiCopyRequest,
    Campaign,
    CampaignCreate,
    CampaignUpdate,
    Holiday,
    Preview,
    Recipient,
    Report,
)
from app.db import models as m
from app.db.enums import CampaignStatus, RecipientStatus
from app.db.tenancy import set_tenant
from app.deps import Caller, Db, Shared
from app.errors import Conflict, InvalidTransition, ValidationFailed
from app.jobs import commit_with_jobs
from app.pagination import Page, PageLimit, PageNumber, paginate, paginate_rows
from app.records import require, unset_fields
from app.state import AppState

Year = Annotated[int | None, QueryParameter(ge=1900, le=2200)]
Subdivision = Annotated[str | None, QueryParameter(min_length=1, max_length=64)]
CSV_BATCH = 1000
CSV_COLUMNS = (
    "contactId",
    "phoneNumber",
    "name",
    "status",
    "variant",
    "connectionId",
    "messageId",
    "error",
    "reason",
    "sentAt",
    "deliveredAt",
    "readAt",
    "repliedAt",
)


def _now() -> datetime:
    return datetime.now(UTC)


async def _out(db: Db, row: m.Campaign) -> Campaign:
    return services.campaign_out(row, (await services.stats_of(db, [row.id]))[row.id])


async def _reloaded(db: Db, campaign_id: uuid.UUID) -> Campaign:
    db.expire_all()
    return await _out(db, await require(db, m.Campaign, campaign_id))


def _recipient(row: Any) -> Recipient:
    return Recipient(**row._asdict())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    # A cell starting like a formula runs as one in Excel (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class CampaignController(Controller):
    path = "/api/v1/campaigns"
    tags = ["campaigns"]
    guards = [supervisors]

    @get("/")
    async def list_campaigns(
        self,
        db: Db,
        status: FromQuery[CampaignStatus | None] = None,
        page: FromQuery[PageNumber] = 1,
        limit: FromQuery[PageLimit] = 50,
    ) -> Page[Campaign]:
        stmt = sa.select(m.Campaign).order_by(m.Campaign.created_at.desc(), m.Campaign.id)
        if status is not None:
            stmt = stmt.where(m.Campaign.status == status)
        rows, pages = await paginate(db, stmt, page, limit)
        stats = await services.stats_of(db, [r.id for r in rows])
        return Page(data=[services.campaign_out(r, stats[r.id]) for r in rows], pagination=pages)

    @post("/")
    async def create_campaign(
        self, db: Db, principal: Caller, app_state: Shared, data: JSONBody[CampaignCreate]
    ) -> Campaign:
        org = await services.organization_of(db, principal.organization_id)
        services.check_messages(data.messages)
        services.check_reply_gate(data.reply_gate)
        services.check_schedule_of(data.schedule)
        services.check_pacing_of(data.pacing)
        await services.check_media(data.messages, org.id, app_state.media_storage)
        connection_ids = await services.check_connections(db, data.connection_ids)
        list_ids = await services.check_contact_lists(db, data.contact_list_ids)
        tz = services.campaign_zone(data.schedule, org)
        row = m.Campaign(
            organization_id=org.id,
            name=data.name,
            status=CampaignStatus.DRAFT,
            connection_ids=connection_ids,
            contact_list_ids=list_ids,
            messages=services.stored(data.messages),
            schedule=services.stored(services.with_offsets(data.schedule, tz)),
            pacing=services.stored(data.pacing),
            reply_gate=services.stored(data.reply_gate) if data.reply_gate else None,
            skip_agent_conversations=data.skip_agent_conversations,
            contact_cooldown_hours=data.contact_cooldown_hours,
            created_by_user_id=principal.user_id,
        )
        db.add(row)
        await db.commit()
        await db.refresh(row)
        return services.campaign_out(row)

    @get("/{campaign_id:uuid}")
    async def get_campaign(self, db: Db, campaign_id: FromPath[uuid.UUID]) -> Campaign:
        return await _out(db, await require(db, m.Campaign, campaign_id))

    @patch("/{campaign_id:uuid}")
    async def update_campaign(
        self,
        db: Db,
        principal: Caller,
        app_state: Shared,
        campaign_id: FromPath[uuid.UUID],
        data: JSONBody[CampaignUpdate],
    ) -> Campaign:
        """Only while DRAFT, SCHEDULED or PAUSED. Recipients already chosen (at start)
        follow the edit: contacts of removed lists still pending leave, contacts of
        added lists join."""
        row = await transitions.lock_campaign(db, campaign_id)
        if row.status not in services.EDITABLE:
            raise InvalidTransition(
                f"A {row.status.value} campaign cannot be edited; pause it first.",
                status=row.status.value,
            )
        changes = unset_fields(data)
        await _apply(db, row, changes, app_state, principal.organization_id)
        if row.status == CampaignStatus.SCHEDULED and "connection_ids" in changes:
            await transitions.check_no_conflict(db, row)
        if row.status != CampaignStatus.DRAFT and changes.keys() & {"contact_list_ids", "messages"}:
            await transitions.sync_recipients(db, row, _now())
        await db.commit()
        return await _reloaded(db, campaign_id)

    @delete("/{campaign_id:uuid}")
    async def delete_campaign(self, db: Db, campaign_id: FromPath[uuid.UUID]) -> None:
        """A RUNNING or SCHEDULED campaign is paused or cancelled first."""
        row = await transitions.lock_campaign(db, campaign_id)
        if row.status in transitions.ACTIVE:
            raise InvalidTransition(
                f"A {row.status.value} campaign cannot be deleted; pause or cancel it first.",
                status=row.status.value,
            )
        await db.delete(row)
        await db.commit()

    @post("/{campaign_id:uuid}/start", status_code=200)
    async def start_campaign(
        self, db: Db, principal: Caller, app_state: Shared, campaign_id: FromPath[uuid.UUID]
    ) -> Campaign:
        """Chooses the recipients (each contact once across the lists; opted-out ones
        recorded as OPTED_OUT) and hands the campaign to the dispatcher."""
        org = await services.organization_of(db, principal.organization_id)
        jobs = await transitions.record_start(db, campaign_id, org, _now())
        await commit_with_jobs(db, app_state, jobs)
        return await _reloaded(db, campaign_id)

    @post("/{campaign_id:uuid}/pause", status_code=200)
    async def pause_campaign(self, db: Db, campaign_id: FromPath[uuid.UUID]) -> Campaign:
        await transitions.record_pause(db, campaign_id, _now())
        await db.commit()
        return await _reloaded(db, campaign_id)

    @post("/{campaign_id:uuid}/resume", status_code=200)
    async def resume_campaign(
        self, db: Db, principal: Caller, app_state: Shared, campaign_id: FromPath[uuid.UUID]
    ) -> Campaign:
        org = await services.organization_of(db, principal.organization_id)
        jobs = await transitions.record_resume(db, campaign_id, org, _now())
        await commit_with_jobs(db, app_state, jobs)
        return await _reloaded(db, campaign_id)

    @post("/{campaign_id:uuid}/cancel", status_code=200)
    async def cancel_campaign(self, db: Db, campaign_id: FromPath[uuid.UUID]) -> Campaign:
        await transitions.record_cancel(db, campaign_id, _now())
        await db.commit()
        return await _reloaded(db, campaign_id)

    @get("/{campaign_id:uuid}/recipients")
    async def list_recipients(
        self,
        db: Db,
        campaign_id: FromPath[uuid.UUID],
        status: FromQuery[RecipientStatus | None] = None,
        page: FromQuery[PageNumber] = 1,
        limit: FromQuery[PageLimit] = 50,
    ) -> Page[Recipient]:
        await require(db, m.Campaign, campaign_id)
        rows, pages = await paginate_rows(
            db, services.recipients_query(campaign_id, status), page, limit
        )
        return Page(data=[_recipient(r) for r in rows], pagination=pages)

    @get("/{campaign_id:uuid}/recipients.csv")
    async def export_recipients(
        self,
        db: Db,
        principal: Caller,
        app_state: Shared,
        campaign_id: FromPath[uuid.UUID],
        status: FromQuery[RecipientStatus | None] = None,
    ) -> Stream:
        """Every recipient, streamed (a campaign may have 100k): the rows are read in
        batches from a cursor of a session of the stream's own, since the request's
        is closed once the handler returns."""
        await require(db, m.Campaign, campaign_id)
        stmt = services.recipients_query(campaign_id, status)
        return Stream(
            _csv_rows(app_state, principal.organization_id, stmt),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="campaign-{campaign_id}.csv"'},
        )

    @get("/{campaign_id:uuid}/preview")
    async def preview_campaign(
        self,
        db: Db,
        principal: Caller,
        campaign_id: FromPath[uuid.UUID],
        contactId: FromQuery[uuid.UUID | None] = None,
    ) -> Preview:
        """The message ``contactId`` would get now (the variant it was given at start,
        or the one it would get), rendered in the campaign's time zone."""
        row = await require(db, m.Campaign, campaign_id)
        if contactId is None:
            raise ValidationFailed("contactId is required.", field="contactId")
        contact = await require(db, m.Contact, contactId)
        org = await services.organization_of(db, principal.organization_id)
        return await services.preview_of(db, row, contact, org)

    @get("/{campaign_id:uuid}/report")
    async def campaign_report(self, db: Db, campaign_id: FromPath[uuid.UUID]) -> Report:
        """Stats per variant (to compare them), the funnel's rates over those sent to,
        and failures and skips grouped by their error or reason."""
        return await services.report_of(db, await require(db, m.Campaign, campaign_id))

    @post("/ai-copy", status_code=200)
    async def ai_copy(
        self, db: Db, principal: Caller, app_state: Shared, data: JSONBody[AiCopyRequest]
    ) -> AiCopy:
        """Drafts by the organization's LLM, for a person to review; nothing is saved."""
        endpoint = endpoint_from_row(
            await get_ai_row(db, principal.organization_id), app_state.settings
        )
        if not endpoint.configured:
            raise Conflict(
                "The organization has no AI configured (PUT /api/v1/ai/settings).",
                code="ai_not_configured",
            )
        org = await services.organization_of(db, principal.organization_id)
        await db.close()  # no connection held while the model thinks
        return AiCopy(messages=await aicopy.draft_copy(endpoint, data, org.name))


async def _apply(
    db: Db,
    row: m.Campaign,
    changes: dict[str, Any],
    app_state: AppState,
    organization_id: uuid.UUID,
) -> None:
    if "messages" in changes:
        services.check_messages(changes["messages"])
        await services.check_media(changes["messages"], organization_id, app_state.media_storage)
        row.messages = services.stored(changes["messages"])
    if "reply_gate" in changes:
        services.check_reply_gate(changes["reply_gate"])
        gate = changes["reply_gate"]
        row.reply_gate = services.stored(gate) if gate else None
    if "schedule" in changes:
        services.check_schedule_of(changes["schedule"])
        org = await services.organization_of(db, organization_id)
        tz = services.campaign_zone(changes["schedule"], org)
        row.schedule = services.stored(services.with_offsets(changes["schedule"], tz))
    if "pacing" in changes:
        services.check_pacing_of(changes["pacing"])
        row.pacing = services.stored(changes["pacing"])
    if "connection_ids" in changes:
        row.connection_ids = await services.check_connections(db, changes["connection_ids"])
    if "contact_list_ids" in changes:
        row.contact_list_ids = await services.check_contact_lists(db, changes["contact_list_ids"])
    for key in ("name", "skip_agent_conversations", "contact_cooldown_hours"):
        if key in changes:
            setattr(row, key, changes[key])


async def _csv_rows(
    app_state: AppState, organization_id: uuid.UUID, stmt: sa.Select[*tuple[Any, ...]]
) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # A BOM, so Excel reads the names' accents as UTF-8.
    writer.writerow(CSV_COLUMNS)
    yield ("\ufeff" + buffer.getvalue()).encode()
    async with app_state.sessionmaker() as db:
        set_tenant(db, organization_id)
        result = await db.stream(stmt.execution_options(yield_per=CSV_BATCH))
        async for batch in result.partitions(CSV_BATCH):
            buffer.seek(0)
            buffer.truncate()
            writer.writerows([_cell(v) for v in row] for row in batch)
            yield buffer.getvalue().encode()


class HolidayController(Controller):
    path = "/api/v1/holidays"
    tags = ["campaigns"]

    @get("/")
    async def list_holidays(
        self, year: Year = None, subdivision: Subdivision = None
    ) -> list[Holiday]:
        """The national holidays of ``year`` (default: this year), plus the state's when
        ``subdivision`` (e.g. SP) is given: the days ``skipHolidays`` skips."""
        if subdivision is not None and schedule.normalize_subdivision(subdivision) is None:
            raise ValidationFailed(
                f"Unknown Brazilian state {subdivision!r} (use its two-letter code, e.g. SP).",
                code="invalid_subdivision",
                field="subdivision",
            )
        found = schedule.holidays_for(year or _now().year, subdivision)
        return [Holiday(date=day, name=name) for day, name in found]
