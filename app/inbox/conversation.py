"""One conversation as the inbox shows it: the session with its contact, people and
settings, and a timeline of messages, internal notes, AI turns and the session's history
(status changes and assignments, app/sessions/events.py) in time order."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.ai import services as ai_services
from app.config import Settings
from app.db import models as m
from app.db.enums import Role, SessionStatus
from app.db.models.history import ActorType, EventKind
from app.inbox.viewer import Viewer
from app.records import require
from app.sessions import notes as session_notes
from app.sessions import services as sessions
from app.sessions.events import queue_state
from app.sessions.schemas import AiStatus, Note
from app.tabulations import services as tabulations
from app.tabulations.schemas import Tabulation

TIMELINE_PAGE = 150


@dataclass(slots=True)
class MessageView:
    id: uuid.UUID
    author: str
    direction: str
    type: str
    status: str
    text: str | None
    kind: str | None
    media: dict[str, Any] | None
    transcription: str | None
    transcription_error: str | None
    media_error: str | None
    error: str | None
    sender_name: str | None
    participant: str | None
    quoted_text: str | None
    campaign_name: str | None  # "from campaign X": a campaign's send
    reactions: list[Any]
    edited_at: datetime | None
    deleted_at: datetime | None
    created_at: datetime


@dataclass(slots=True)
class TurnView:
    id: uuid.UUID
    status: str
    message_count: int
    merged_text: str | None
    outcome_reason: str | None
    knowledge: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class EventView:
    """A status change or assignment, with the names the inbox shows."""

    id: int
    kind: str  # STATUS | ASSIGNMENT
    status: str
    from_status: str | None
    state: str  # AUTOMATION | WAITING | ATTENDING | CLOSED
    reason: str | None
    actor_type: str
    actor_name: str | None  # the user's name, for USER
    department_name: str | None
    agent_name: str | None
    customer_id: str | None
    changed: list[str]  # of department | agent | customer, for an assignment
    at: datetime


@dataclass(slots=True)
class Item:
    kind: str  # message | note | turn | event
    at: datetime
    value: MessageView | Note | TurnView | EventView


@dataclass(slots=True)
class PastSession:
    id: uuid.UUID
    status: str
    connection_name: str
    created_at: datetime
    closed_at: datetime | None
    end_reason: str | None


@dataclass(slots=True)
class Conversation:
    session: m.Session
    contact: m.Contact
    connection: m.Connection
    department: m.Department | None
    agent: m.User | None
    ai: AiStatus
    ai_configured: bool
    may_act: bool
    session_tabulations: list[Tabulation]
    contact_tabulations: list[Tabulation]
    items: list[Item]
    has_older: bool
    past_sessions: list[PastSession]
    choices: Choices = field(default_factory=lambda: Choices([], [], []))

    @property
    def is_closed(self) -> bool:
        return self.session.status == SessionStatus.CLOSED


@dataclass(slots=True)
class Choices:
    """What the dialogs offer: tabulations, departments, agents to transfer to."""

    tabulations: list[Tabulation]
    departments: list[m.Department]
    agents: list[m.User]
    # The tabulations the session may take: unscoped and its department's.
    for_session: list[Tabulation] = field(default_factory=list)


def message_view(
    row: m.Message, sender_name: str | None, quoted: str | None, campaign: str | None = None
) -> MessageView:
    content = row.content or {}
    media = content.get("media")
    return MessageView(
        id=row.id,
        author=row.author.value,
        direction=row.direction.value,
        type=row.type.value,
        status=row.status.value,
        text=content.get("text"),
        kind=content.get("kind"),
        media=media if isinstance(media, dict) else None,
        transcription=row.transcription,
        transcription_error=row.transcription_error,
        media_error=row.media_error,
        error=row.error,
        sender_name=sender_name,
        participant=row.participant,
        quoted_text=quoted,
        campaign_name=campaign,
        reactions=list(row.reactions or []),
        edited_at=row.edited_at,
        deleted_at=row.deleted_at,
        created_at=row.created_at,
    )


async def message_views(db: AsyncSession, rows: list[m.Message]) -> list[MessageView]:
    """Views with the agents' names, the quoted messages' texts and the campaigns'
    names (a lookup each, only when some row needs it)."""
    senders = {r.sender_user_id for r in rows if r.sender_user_id}
    names: dict[uuid.UUID, str] = {}
    if senders:
        result = await db.execute(sa.select(m.User.id, m.User.name).where(m.User.id.in_(senders)))
        names = {uid: name for uid, name in result}
    quoted_ids = {r.quoted_message_id for r in rows if r.quoted_message_id}
    quoted: dict[uuid.UUID, str] = {}
    if quoted_ids:
        result = await db.execute(
            sa.select(m.Message.id, m.Message.content["text"].astext).where(
                m.Message.id.in_(quoted_ids)
            )
        )
        quoted = {mid: text or "" for mid, text in result}
    campaign_ids = {r.campaign_id for r in rows if r.campaign_id}
    campaigns: dict[uuid.UUID, str] = {}
    if campaign_ids:
        result = await db.execute(
            sa.select(m.Campaign.id, m.Campaign.name).where(m.Campaign.id.in_(campaign_ids))
        )
        campaigns = {cid: name for cid, name in result}
    return [
        message_view(
            r,
            names.get(r.sender_user_id) if r.sender_user_id else None,
            quoted.get(r.quoted_message_id)
            if r.quoted_message_id
            else (r.content or {}).get("quotedText"),
            campaigns.get(r.campaign_id) if r.campaign_id else None,
        )
        for r in rows
    ]


def _turn_view(turn: m.Turn, reason: str | None) -> TurnView:
    knowledge = (turn.knowledge or {}).get("chunks") if turn.knowledge else None
    return TurnView(
        id=turn.id,
        status=turn.status.value,
        message_count=len(turn.message_ids or []),
        merged_text=turn.merged_text,
        outcome_reason=reason,
        knowledge=list(knowledge or []),
        created_at=turn.created_at,
        updated_at=turn.updated_at,
    )


async def timeline(
    db: AsyncSession,
    session_id: uuid.UUID,
    *,
    before: datetime | None = None,
    since: datetime | None = None,
) -> tuple[list[Item], bool]:
    """Items in time order: the last page (before ``before``), or everything from
    ``since`` on (turns also when they changed since then). Whether older ones exist."""
    stmt = sa.select(m.Message).where(m.Message.session_id == session_id)
    if since is not None:
        stmt = stmt.where(m.Message.created_at >= since).order_by(m.Message.created_at)
        rows = list((await db.scalars(stmt.limit(500))).all())
        has_older = False
    else:
        if before is not None:
            stmt = stmt.where(m.Message.created_at < before)
        stmt = stmt.order_by(m.Message.created_at.desc(), m.Message.id.desc())
        rows = list((await db.scalars(stmt.limit(TIMELINE_PAGE + 1))).all())
        has_older = len(rows) > TIMELINE_PAGE
        rows = rows[:TIMELINE_PAGE][::-1]
    items = [Item("message", v.created_at, v) for v in await message_views(db, rows)]
    start = since if since is not None else (rows[0].created_at if has_older and rows else None)
    items += await _notes_and_turns(db, session_id, start, before, changed=since is not None)
    items.sort(key=lambda item: (item.at, item.kind != "message"))
    return items, has_older


async def _notes_and_turns(
    db: AsyncSession,
    session_id: uuid.UUID,
    start: datetime | None,
    end: datetime | None,
    *,
    changed: bool,
) -> list[Item]:
    items: list[Item] = []
    for note in await session_notes.notes_of(db, session_id):
        if (start is None or note.created_at >= start) and (end is None or note.created_at < end):
            items.append(Item("note", note.created_at, note))
    stmt = (
        sa.select(m.Turn, m.AiTurn.reason)
        .outerjoin(m.AiTurn, m.AiTurn.turn_id == m.Turn.id)
        .where(m.Turn.session_id == session_id)
    )
    if start is not None:
        moment = m.Turn.updated_at if changed else m.Turn.created_at
        stmt = stmt.where(moment >= start)
    if end is not None:
        stmt = stmt.where(m.Turn.created_at < end)
    for turn, reason in (await db.execute(stmt)).all():
        items.append(Item("turn", turn.created_at, _turn_view(turn, reason)))
    items += [Item("event", e.at, e) for e in await event_views(db, session_id, start, end)]
    return items


async def event_views(
    db: AsyncSession, session_id: uuid.UUID, start: datetime | None, end: datetime | None
) -> list[EventView]:
    """The session's history between ``start`` and ``end``, with the names it mentions.
    Which fields an assignment changed is read against the event before it."""
    rows = list(
        await db.scalars(
            sa.select(m.SessionEvent)
            .where(m.SessionEvent.session_id == session_id)
            .order_by(m.SessionEvent.id)
        )
    )
    users: set[uuid.UUID | None] = {r.assigned_agent_id for r in rows if r.assigned_agent_id}
    users |= {_uuid(r.actor_id) for r in rows if r.actor_type == ActorType.USER}
    names: dict[uuid.UUID | None, str] = {}
    if users:
        found = await db.execute(
            sa.select(m.User.id, m.User.name, m.User.email).where(
                m.User.id.in_({u for u in users if u})
            )
        )
        names = {row.id: row.name or row.email for row in found}
    departments = {r.assigned_department_id for r in rows if r.assigned_department_id}
    dept_names: dict[uuid.UUID, str] = {}
    if departments:
        named = await db.execute(
            sa.select(m.Department.id, m.Department.name).where(m.Department.id.in_(departments))
        )
        dept_names = {did: name for did, name in named}
    views: list[EventView] = []
    previous: m.SessionEvent | None = None
    for row in rows:
        if (start is None or row.at >= start) and (end is None or row.at < end):
            views.append(_event_view(row, previous, names, dept_names))
        previous = row
    return views


def _event_view(
    row: m.SessionEvent,
    previous: m.SessionEvent | None,
    users: dict[uuid.UUID | None, str],
    departments: dict[uuid.UUID, str],
) -> EventView:
    changed = []
    if previous is None or previous.assigned_department_id != row.assigned_department_id:
        changed.append("department")
    if previous is None or previous.assigned_agent_id != row.assigned_agent_id:
        changed.append("agent")
    if previous is None or previous.assigned_customer_id != row.assigned_customer_id:
        changed.append("customer")
    return EventView(
        id=row.id,
        kind=row.kind.value,
        status=row.status.value,
        from_status=row.from_status.value if row.from_status else None,
        state=queue_state(row.status, row.assigned_agent_id).value,
        reason=row.reason,
        actor_type=row.actor_type.value,
        actor_name=users.get(_uuid(row.actor_id)) if row.actor_type == ActorType.USER else None,
        department_name=departments.get(row.assigned_department_id)
        if row.assigned_department_id
        else None,
        agent_name=users.get(row.assigned_agent_id) if row.assigned_agent_id else None,
        customer_id=row.assigned_customer_id,
        changed=changed if row.kind == EventKind.ASSIGNMENT else [],
        at=row.at,
    )


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


async def _past_sessions(db: AsyncSession, contact_id: uuid.UUID) -> list[PastSession]:
    result = await db.execute(
        sa.select(
            m.Session.id,
            m.Session.status,
            m.Connection.name,
            m.Session.created_at,
            m.Session.closed_at,
            m.Session.end_reason,
        )
        .join(m.Connection, m.Connection.id == m.Session.connection_id)
        .where(m.Session.contact_id == contact_id)
        .order_by(m.Session.created_at.desc())
        .limit(50)
    )
    return [
        PastSession(
            id=i, status=s.value, connection_name=n, created_at=c, closed_at=x, end_reason=r
        )
        for i, s, n, c, x, r in result
    ]


async def choices(db: AsyncSession, department_id: uuid.UUID | None = None) -> Choices:
    tabs = list(await db.scalars(sa.select(m.Tabulation).order_by(m.Tabulation.name)))
    departments = await db.scalars(sa.select(m.Department).order_by(m.Department.name))
    agents = await db.scalars(
        sa.select(m.User)
        .where(m.User.is_active.is_(True), m.User.role != Role.VIEWER)
        .order_by(m.User.name)
    )
    return Choices(
        tabulations=[tabulations.tabulation_out(t) for t in tabs],
        departments=list(departments),
        agents=list(agents),
        for_session=[
            tabulations.tabulation_out(t)
            for t in tabs
            if t.department_id is None or t.department_id == department_id
        ],
    )


async def load_conversation(
    db: AsyncSession,
    viewer: Viewer,
    settings: Settings,
    session_id: uuid.UUID,
    *,
    before: datetime | None = None,
    with_timeline: bool = True,
) -> Conversation:
    """The conversation; without its timeline for a page that only refreshes the header
    or the contact panel (every session event does)."""
    session = await require(db, m.Session, session_id)
    contact = await require(db, m.Contact, session.contact_id)
    connection = await require(db, m.Connection, session.connection_id)
    department = (
        await db.get(m.Department, session.assigned_department_id)
        if session.assigned_department_id
        else None
    )
    agent = await db.get(m.User, session.assigned_agent_id) if session.assigned_agent_id else None
    items, has_older = (
        await timeline(db, session.id, before=before) if with_timeline else ([], False)
    )
    by_session = await tabulations.of_sessions(db, [session.id])
    endpoint = ai_services.candidate(
        await ai_services.get_row(db, viewer.principal.organization_id), None, settings
    )
    return Conversation(
        session=session,
        contact=contact,
        connection=connection,
        department=department,
        agent=agent,
        ai=await sessions.ai_status(db, session),
        ai_configured=endpoint.configured,
        may_act=viewer.may_act(session),
        session_tabulations=by_session.get(session.id, []),
        contact_tabulations=await contact_tabulations(db, contact.id),
        items=items,
        has_older=has_older,
        past_sessions=await _past_sessions(db, contact.id),
        choices=await choices(db, session.assigned_department_id),
    )


async def contact_tabulations(db: AsyncSession, contact_id: uuid.UUID) -> list[Tabulation]:
    rows = await db.scalars(
        sa.select(m.Tabulation)
        .join(m.ContactTabulation, m.ContactTabulation.tabulation_id == m.Tabulation.id)
        .where(m.ContactTabulation.contact_id == contact_id)
        .order_by(m.Tabulation.name)
    )
    return [tabulations.tabulation_out(t) for t in rows]
