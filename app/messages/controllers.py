from __future__ import annotations

import uuid
from datetime import datetime

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from app.db import models as m
from app.db.enums import Author
from app.deps import Caller, Db, Shared
from app.errors import NotFound, ValidationFailed
from app.jobs import commit_with_jobs
from app.messages import services
from app.messages.groups import group_post
from app.messages.schemas import Message, MessageCreate
from app.pagination import Page, PageLimit, PageNumber, paginate
from app.records import require
from app.schemas import ProviderIdQuery, aware
from app.sessions.access import check_can_act
from app.sessions.services import require_session


class MessageController(Controller):
    path = "/api/v1/messages"
    tags = ["messages"]

    @post("/")
    async def create_message(
        self, db: Db, principal: Caller, app_state: Shared, data: JSONBody[MessageCreate]
    ) -> Message:
        """``sendExternalMessage: false`` only records the message; otherwise it is
        stored PENDING and delivered by the worker. With ``connectionId`` + ``groupId``
        instead of ``sessionId`` it is a post to one of the connection's groups
        (409 ``groups_not_supported`` on Meta, 422 ``unknown_group``)."""
        if data.group_id is not None or data.connection_id is not None:
            row, jobs = await group_post(db, principal, data)
            await commit_with_jobs(db, app_state, jobs)
            await db.refresh(row)
            return services.message_out(row)
        if data.session_id is None:
            raise ValidationFailed(
                "Name the session (sessionId), or the connection and group (connectionId, "
                "groupId) to post in a group.",
                code="missing_field",
                field="sessionId",
            )
        try:
            session = await require_session(db, data.session_id, for_update=True)
        except NotFound as exc:
            raise ValidationFailed(
                "No such session.", code="unknown_session", field="sessionId"
            ) from exc
        await check_can_act(db, principal, session)
        row, jobs = await services.record_message(db, principal, session, data)
        await commit_with_jobs(db, app_state, jobs)
        await db.refresh(row)
        return services.message_out(row)

    @get("/")
    async def list_messages(
        self,
        db: Db,
        # camelCase parameter names: they are API.md's, and errors name them.
        sessionId: FromQuery[uuid.UUID | None] = None,
        contactId: FromQuery[uuid.UUID | None] = None,
        author: FromQuery[Author | None] = None,
        since: FromQuery[datetime | None] = None,
        providerMessageId: ProviderIdQuery = None,
        page: FromQuery[PageNumber] = 1,
        limit: FromQuery[PageLimit] = 50,
    ) -> Page[Message]:
        """Oldest first; ``since`` keeps messages created at or after that time."""
        since = aware(since)
        if providerMessageId is not None and "\x00" in providerMessageId:
            raise ValidationFailed("Invalid providerMessageId.", field="providerMessageId")
        stmt = services.list_statement(
            session_id=sessionId,
            contact_id=contactId,
            author=author,
            since=since,
            provider_message_id=providerMessageId,
        )
        rows, pages = await paginate(db, stmt, page, limit)
        return Page(data=[services.message_out(r) for r in rows], pagination=pages)

    @get("/{message_id:uuid}")
    async def get_message(self, db: Db, message_id: FromPath[uuid.UUID]) -> Message:
        return services.message_out(await require(db, m.Message, message_id))
