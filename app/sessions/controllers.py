from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from app.db import models as m
from app.db.enums import SessionStatus
from app.deps import Caller, Db, Shared
from app.errors import NotFound
from app.jobs import commit_with_jobs
from app.messages.schemas import Message
from app.messages.services import message_out
from app.pagination import Page, PageLimit, PageNumber, paginate
from app.schemas import aware
from app.sessions import assign, events, history, lifecycle, notes, services
from app.sessions.access import check_can_act
from app.sessions.schemas import (
    AiStatus,
    Assign,
    BlockAi,
    CloseSession,
    ContactHistory,
    Note,
    NoteCreate,
    Session,
    SessionCreate,
    SessionHistoryEvent,
    StatusChange,
    TabulationIds,
)
from app.tabulations import services as tabulations


class SessionController(Controller):
    path = "/api/v1/sessions"
    tags = ["sessions"]

    @get("/")
    async def list_sessions(
        self,
        db: Db,
        status: FromQuery[SessionStatus | None] = None,
        # camelCase parameter names: they are API.md's, and errors name them.
        contactId: FromQuery[uuid.UUID | None] = None,
        connectionId: FromQuery[uuid.UUID | None] = None,
        departmentId: FromQuery[uuid.UUID | None] = None,
        agentId: FromQuery[uuid.UUID | None] = None,
        tabulationId: FromQuery[uuid.UUID | None] = None,
        updatedSince: FromQuery[datetime | None] = None,
        page: FromQuery[PageNumber] = 1,
        limit: FromQuery[PageLimit] = 50,
    ) -> Page[Session]:
        """Most recently updated first."""
        stmt = services.list_statement(
            status=status,
            contact_id=contactId,
            connection_id=connectionId,
            department_id=departmentId,
            agent_id=agentId,
            tabulation_id=tabulationId,
            updated_since=aware(updatedSince),
        )
        rows, pages = await paginate(db, stmt, page, limit)
        return Page(data=await services.sessions_out(db, rows), pagination=pages)

    @post("/", status_code=201)
    async def create_session(
        self, db: Db, principal: Caller, app_state: Shared, data: JSONBody[SessionCreate]
    ) -> Session:
        """Start a conversation from the business side (409 ``session_open`` with
        ``extra.sessionId`` when the contact has an open one on that connection)."""
        session_id, jobs = await services.open_session(db, principal, data)
        await commit_with_jobs(db, app_state, jobs)
        return await services.load_session(db, session_id)

    @get("/by-contact/{contact_id:uuid}")
    async def get_history(
        self,
        db: Db,
        contact_id: FromPath[uuid.UUID],
        page: FromQuery[PageNumber] = 1,
        limit: FromQuery[PageLimit] = 100,
    ) -> ContactHistory:
        """falecomigo's shape; page 1 is the most recent page, each page oldest first."""
        return await history.contact_history(db, contact_id, page, limit)

    @get("/{session_id:uuid}")
    async def get_session(self, db: Db, session_id: FromPath[uuid.UUID]) -> Session:
        return await services.load_session(db, session_id)

    @get("/{session_id:uuid}/history")
    async def get_session_history(
        self, db: Db, session_id: FromPath[uuid.UUID]
    ) -> list[SessionHistoryEvent]:
        """Every status change and assignment of the session, oldest first."""
        await services.require_session(db, session_id)
        return await events.history_of(db, session_id)

    @get("/{session_id:uuid}/messages")
    async def list_session_messages(
        self,
        db: Db,
        session_id: FromPath[uuid.UUID],
        page: FromQuery[PageNumber] = 1,
        limit: FromQuery[PageLimit] = 50,
    ) -> Page[Message]:
        """Oldest first."""
        await services.require_session(db, session_id)
        stmt = (
            sa.select(m.Message)
            .where(m.Message.session_id == session_id)
            .order_by(m.Message.created_at, m.Message.id)
        )
        rows, pages = await paginate(db, stmt, page, limit)
        return Page(data=[message_out(r) for r in rows], pagination=pages)

    @get("/{session_id:uuid}/ai-status")
    async def get_ai_status(self, db: Db, session_id: FromPath[uuid.UUID]) -> AiStatus:
        return await services.ai_status(db, await services.require_session(db, session_id))

    @post("/{session_id:uuid}/block-ai", status_code=200)
    async def block_ai(
        self,
        db: Db,
        principal: Caller,
        session_id: FromPath[uuid.UUID],
        data: JSONBody[BlockAi | None] = None,
    ) -> AiStatus:
        body = data or BlockAi()
        row = await services.require_session(db, session_id, for_update=True)
        await check_can_act(db, principal, row)
        services.block_ai(row, body.duration_minutes, body.reason)
        await db.commit()
        return await services.ai_status(db, row)

    @post("/{session_id:uuid}/unblock-ai", status_code=200)
    async def unblock_ai(
        self, db: Db, principal: Caller, app_state: Shared, session_id: FromPath[uuid.UUID]
    ) -> AiStatus:
        row = await services.require_session(db, session_id, for_update=True)
        await check_can_act(db, principal, row)
        await commit_with_jobs(db, app_state, services.unblock_ai(row))
        return await services.ai_status(db, row)

    @post("/{session_id:uuid}/close", status_code=200)
    async def close_session(
        self,
        db: Db,
        principal: Caller,
        app_state: Shared,
        session_id: FromPath[uuid.UUID],
        data: JSONBody[CloseSession | None] = None,
    ) -> Session:
        body = data or CloseSession()
        row = await services.require_session(db, session_id, for_update=True)
        await check_can_act(db, principal, row)
        jobs = await lifecycle.close(db, row, body.end_reason, body.tabulation_ids)
        await commit_with_jobs(db, app_state, jobs)
        return await services.load_session(db, session_id)

    @patch("/{session_id:uuid}/status")
    async def change_status(
        self,
        db: Db,
        principal: Caller,
        app_state: Shared,
        session_id: FromPath[uuid.UUID],
        data: JSONBody[StatusChange],
    ) -> Session:
        """Moving to CLOSED is a close (tabulation rules apply)."""
        row = await services.require_session(db, session_id, for_update=True)
        await check_can_act(db, principal, row)
        if data.status == SessionStatus.CLOSED:
            if data.status_reason is not None:
                row.status_reason = data.status_reason
            jobs = await lifecycle.close(db, row, row.end_reason, [])
        else:
            jobs = lifecycle.change_status(row, data.status, data.status_reason)
        await commit_with_jobs(db, app_state, jobs)
        return await services.load_session(db, session_id)

    @post("/{session_id:uuid}/tags", status_code=200)
    async def add_tags(
        self,
        db: Db,
        principal: Caller,
        session_id: FromPath[uuid.UUID],
        data: JSONBody[TabulationIds],
    ) -> Session:
        row = await services.require_session(db, session_id, for_update=True)
        await check_can_act(db, principal, row)
        ids = await tabulations.check_tabulations(db, data.tabulation_ids)
        await tabulations.check_in_scope(db, ids, row.assigned_department_id)
        await tabulations.link_session(db, row.id, ids)
        row.updated_at = datetime.now(UTC)
        await db.commit()
        return await services.load_session(db, session_id)

    @delete("/{session_id:uuid}/tags", status_code=200)
    async def remove_tags(
        self,
        db: Db,
        principal: Caller,
        session_id: FromPath[uuid.UUID],
        data: JSONBody[TabulationIds],
    ) -> Session:
        row = await services.require_session(db, session_id, for_update=True)
        await check_can_act(db, principal, row)
        ids = await tabulations.check_tabulations(db, data.tabulation_ids)
        await tabulations.unlink_session(db, row.id, ids)
        row.updated_at = datetime.now(UTC)
        await db.commit()
        return await services.load_session(db, session_id)

    @post("/{session_id:uuid}/assign", status_code=200)
    async def assign_session(
        self,
        db: Db,
        principal: Caller,
        app_state: Shared,
        session_id: FromPath[uuid.UUID],
        data: JSONBody[Assign],
    ) -> Session:
        row = await services.require_session(db, session_id, for_update=True)
        await check_can_act(db, principal, row)
        jobs = await assign.assign(db, principal, row, data)
        await commit_with_jobs(db, app_state, jobs)
        return await services.load_session(db, session_id)

    @get("/{session_id:uuid}/notes")
    async def list_notes(self, db: Db, session_id: FromPath[uuid.UUID]) -> list[Note]:
        """Internal notes, oldest first (never sent to the customer)."""
        await services.require_session(db, session_id)
        return await notes.notes_of(db, session_id)

    @post("/{session_id:uuid}/notes", status_code=201)
    async def add_note(
        self,
        db: Db,
        principal: Caller,
        app_state: Shared,
        session_id: FromPath[uuid.UUID],
        data: JSONBody[NoteCreate],
    ) -> Note:
        """A note for the team; a closed session still takes notes."""
        row = await services.require_session(db, session_id)
        await check_can_act(db, principal, row)
        note_id, jobs = await notes.record_note(db, principal, row, data.text)
        await commit_with_jobs(db, app_state, jobs)
        note = await notes.get_note(db, note_id)
        if note is None:  # deleted with its session in between
            raise NotFound("No such session.", id=str(session_id))
        return note
