from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from app.db import models as m
from app.deps import Caller, Db, Shared
from app.records import require
from app.teamchat import live, services
from app.teamchat.access import check_belongs, require_channel, require_member
from app.teamchat.schemas import (
    TeamChannel,
    TeamChannels,
    TeamDirectCreate,
    TeamMessage,
    TeamMessageCreate,
    TeamMessagePage,
    TeamReadMark,
    TeamReadState,
    TeamUnread,
    TeamUser,
)

PageSize = Annotated[int, QueryParameter(ge=1, le=100, description="messages per page (≤ 100)")]


class TeamChatController(Controller):
    """Team chat between the people of the organization (README "Team chat"). Never
    sent to WhatsApp. Agents, supervisors and administrators only: viewers and API keys
    get 403 ``team_users_only``."""

    path = "/api/v1/team"
    tags = ["team chat"]

    @get("/channels")
    async def list_channels(self, db: Db, principal: Caller) -> TeamChannels:
        """The caller's channels: departments' (every department for administrators and
        supervisors) first, then direct ones, latest first, each with its unread count."""
        member = await require_member(db, principal)
        await services.ensure_department_channels(db, principal.organization_id)
        await db.commit()
        channels = await services.channels_of(db, member)
        return TeamChannels(data=channels, unread_total=sum(c.unread_count for c in channels))

    @get("/unread")
    async def unread(self, db: Db, principal: Caller) -> TeamUnread:
        """The unread total (the inbox's badge) and each channel's count."""
        member = await require_member(db, principal)
        return await services.unread_of(db, member)

    @get("/people")
    async def list_people(self, db: Db, principal: Caller) -> list[TeamUser]:
        """Whom the caller can start a direct conversation with."""
        member = await require_member(db, principal)
        return await services.people(db, member)

    @post("/direct", status_code=200)
    async def open_direct(
        self, db: Db, principal: Caller, data: JSONBody[TeamDirectCreate]
    ) -> TeamChannel:
        """The direct channel with ``userId``: the same pair always gets the same one."""
        await require(db, m.User, data.user_id)
        member = await require_member(db, principal)
        channel_id = await services.direct_channel(db, member, data.user_id)
        await db.commit()
        (channel,) = await services.channels_of(db, member, only=channel_id)
        return channel

    @get("/channels/{channel_id:uuid}")
    async def get_channel(
        self, db: Db, principal: Caller, channel_id: FromPath[uuid.UUID]
    ) -> TeamChannel:
        member, _ = await require_channel(db, principal, channel_id)
        (channel,) = await services.channels_of(db, member, only=channel_id)
        return channel

    @get("/channels/{channel_id:uuid}/messages")
    async def list_messages(
        self,
        db: Db,
        principal: Caller,
        channel_id: FromPath[uuid.UUID],
        before: FromQuery[uuid.UUID | None] = None,
        limit: FromQuery[PageSize] = 50,
    ) -> TeamMessagePage:
        """The newest page (or the one before message ``before``), oldest first."""
        member, channel = await require_channel(db, principal, channel_id)
        return await services.messages_page(db, member, channel, before, limit)

    @post("/channels/{channel_id:uuid}/messages", status_code=201)
    async def post_message(
        self,
        db: Db,
        principal: Caller,
        app_state: Shared,
        channel_id: FromPath[uuid.UUID],
        data: JSONBody[TeamMessageCreate],
    ) -> TeamMessage:
        """A message; with ``sessionId`` it shares that conversation (a link for those
        who may open it). Stored only: nothing goes to WhatsApp."""
        channel = await require(db, m.TeamChannel, channel_id)
        if data.session_id is not None:
            await require(db, m.Session, data.session_id)
        member = await require_member(db, principal)
        check_belongs(member, channel)
        text = services.check_text(data)
        message_id = await services.record_message(db, member, channel, text, data.session_id)
        await db.commit()
        await live.announce(
            app_state.redis, channel.organization_id, live.MESSAGE_CREATED, message_id, channel.id
        )
        return await services.get_message(db, member, message_id)

    @post("/channels/{channel_id:uuid}/read", status_code=200)
    async def mark_read(
        self,
        db: Db,
        principal: Caller,
        app_state: Shared,
        channel_id: FromPath[uuid.UUID],
        data: JSONBody[TeamReadMark | None] = None,
    ) -> TeamReadState:
        """Read up to ``messageId`` (the latest message when omitted); never moves back."""
        channel = await require(db, m.TeamChannel, channel_id)
        message_id = data.message_id if data is not None else None
        seq = await services.read_seq(db, channel, message_id)
        member = await require_member(db, principal)
        check_belongs(member, channel)
        await services.mark_read(db, member, channel, seq)
        await db.commit()
        await live.announce(
            app_state.redis, channel.organization_id, live.CHANNEL_READ, channel.id, channel.id
        )
        unread = await services.unread_of(db, member)
        mine = next((c.unread_count for c in unread.channels if c.channel_id == channel.id), 0)
        return TeamReadState(channel_id=channel.id, unread_count=mine, unread_total=unread.total)
