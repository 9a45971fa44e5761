from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from app.contacts.schemas import Contact
from app.db.enums import SessionStatus, StartedBy
from app.db.models.history import ActorType, EventKind
from app.messages.schemas import HistoryMessage, Message
from app.pagination import Pagination
from app.schemas import Camel, ExternalId, IdList, NonEmptyIdList, Reason
from app.tabulations.schemas import Tabulation

BlockMinutes = Annotated[int, msgspec.Meta(ge=1, le=1440)]


class Session(Camel):
    id: uuid.UUID
    contact_id: uuid.UUID
    connection_id: uuid.UUID
    organization_id: uuid.UUID
    status: SessionStatus
    started_by: StartedBy
    status_reason: str | None
    end_reason: str | None
    external_id: str | None
    assigned_department_id: uuid.UUID | None
    assigned_agent_id: uuid.UUID | None
    assigned_customer_id: str | None
    concat_timeout: int | None
    ai_blocked_until: datetime | None
    ai_block_reason: str | None
    first_response_at: datetime | None
    last_message_at: datetime | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    tabulations: list[Tabulation]


class SessionWithMessages(Session):
    messages: list[Message]


class AiStatus(Camel):
    ai_blocked: bool
    ai_blocked_until: datetime | None
    ai_block_reason: str | None
    remaining_seconds: int
    bypass_bots: bool
    ai_enabled: bool


class BlockAi(Camel):
    duration_minutes: BlockMinutes = 15
    reason: Reason | None = None


class CloseSession(Camel):
    end_reason: Reason | None = None
    tabulation_ids: IdList = msgspec.field(default_factory=list)


class StatusChange(Camel):
    status: SessionStatus
    status_reason: Reason | None = None


class TabulationIds(Camel):
    tabulation_ids: NonEmptyIdList


class Assign(Camel):
    """``departmentId`` alone (when the department's ``roundRobin`` is on, or with
    ``autoAssign: true``) picks the department's available agent assigned longest ago
    (round robin); ``autoAssign: false`` only moves the session to the department's
    queue; ``agentId`` names the agent."""

    department_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None
    customer_id: ExternalId | None = None
    auto_assign: bool | None = None


class DepartmentRef(Camel):
    id: uuid.UUID
    name: str


class ContactHistory(Camel):
    """The falecomigo shape of ``by-contact``: one page of the contact's messages
    (page 1 = the most recent), oldest first, grouped by session too."""

    contact: Contact
    sessions: list[SessionWithMessages]
    all_messages: list[HistoryMessage]
    is_last_session_closed: bool
    last_session_id: uuid.UUID | None
    last_session_status: SessionStatus | None
    last_session_assigned_department: DepartmentRef | None
    pagination: Pagination


NoteText = Annotated[str, msgspec.Meta(min_length=1, max_length=10_000, pattern=r"^[^\x00]*\S")]


class Note(Camel):
    """An internal note: seen by the team in the inbox, never sent to the customer."""

    id: uuid.UUID
    session_id: uuid.UUID
    author_user_id: uuid.UUID | None
    author_name: str | None
    text: str
    created_at: datetime


class NoteCreate(Camel):
    text: NoteText


class SessionCreate(Camel):
    """A session the business starts (an agent writing first, or reopening a closed
    conversation): ACTIVE, assigned to the agent who opened it, the AI silent until a
    human's reply block ends as usual."""

    contact_id: uuid.UUID
    connection_id: uuid.UUID
    external_id: ExternalId | None = None


class QueueState(enum.StrEnum):
    """The helpdesk queue states (app/sessions/events.py maps the statuses onto them)."""

    AUTOMATION = "AUTOMATION"  # automação
    WAITING = "WAITING"  # espera
    ATTENDING = "ATTENDING"  # atendimento
    CLOSED = "CLOSED"  # encerrado


class Actor(Camel):
    """Who made a change: ``id`` is the user, API key, turn, bot rule or contact id
    (None for SYSTEM)."""

    type: ActorType
    id: str | None


class SessionHistoryEvent(Camel):
    """One status change or assignment, the session's state after it."""

    kind: EventKind
    status: SessionStatus
    from_status: SessionStatus | None
    queue_state: QueueState
    reason: str | None
    by: Actor
    at: datetime
    assigned_department_id: uuid.UUID | None
    assigned_agent_id: uuid.UUID | None
    assigned_customer_id: str | None
