"""Who may use team chat, and which channels (README "Team chat"):

- ADMIN and SUPERVISOR: every department's channel; AGENT: the channels of their
  departments. Everyone of these three: their own direct channels.
- VIEWER and API keys: no access (403 ``team_users_only``) — the chat is for the people
  who work conversations; a viewer only reads the organization's history.
- A department channel one does not belong to answers 403 ``team_channel_forbidden``
  (departments are known across the organization); someone else's direct channel 404,
  as an id that does not exist (its existence is nobody else's business).

Ids are looked up before the caller is checked, so another organization's id is a 404
whoever asks, as everywhere in the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.db import models as m
from app.db.enums import Role
from app.errors import Forbidden, NotFound
from app.records import require
from app.sessions.access import departments_of, may_act

CHATTERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AGENT})


@dataclass(frozen=True, slots=True)
class Member:
    """A caller who may use team chat."""

    principal: Principal
    user_id: uuid.UUID
    departments: frozenset[uuid.UUID]

    @property
    def all_departments(self) -> bool:
        return self.principal.role in (Role.ADMIN, Role.SUPERVISOR)

    def belongs(self, channel: m.TeamChannel) -> bool:
        if channel.kind == m.TeamChannelKind.DIRECT:
            return self.user_id in (channel.user_low_id, channel.user_high_id)
        return self.all_departments or channel.department_id in self.departments

    def may_open(self, session: m.Session) -> bool:
        """Whether the shared conversation opens for this reader (the inbox's rule)."""
        if self.principal.role == Role.ADMIN:
            return True
        return may_act(self.principal, session, set(self.departments))


async def require_member(db: AsyncSession, principal: Principal) -> Member:
    if principal.user_id is None or principal.role not in CHATTERS:
        raise Forbidden(
            "Team chat is for agents, supervisors and administrators signed in as themselves.",
            code="team_users_only",
        )
    departments = await departments_of(db, principal.user_id)
    return Member(principal, principal.user_id, frozenset(departments))


async def require_channel(
    db: AsyncSession, principal: Principal, channel_id: uuid.UUID
) -> tuple[Member, m.TeamChannel]:
    channel = await require(db, m.TeamChannel, channel_id)
    member = await require_member(db, principal)
    check_belongs(member, channel)
    return member, channel


def check_belongs(member: Member, channel: m.TeamChannel) -> None:
    if member.belongs(channel):
        return
    if channel.kind == m.TeamChannelKind.DIRECT:
        raise NotFound("No such team channel.", id=str(channel.id))
    raise Forbidden(
        "This is the channel of a department you are not in.", code="team_channel_forbidden"
    )
