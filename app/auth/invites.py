"""Invite links: issuing one for a user, reading it, and accepting it (the invitee
chooses their password and is signed in).

A link is ``/inbox/invite/<token>``; only the token's SHA-256 is stored. It works once,
for ``INVITE_TTL``, and issuing another for the same user revokes the earlier ones, so
the last link handed out is the only one that opens. Accepting claims the row with one
conditional UPDATE, so two submits of the same link cannot both succeed."""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.security import hash_password
from app.db import models as m
from app.errors import BalcaoError, Conflict, NotFound

INVITE_TTL = timedelta(days=7)
INVITE_PATH = "/inbox/invite/"
# A token is token_urlsafe(32): 43 characters. Anything far longer is not ours.
MAX_TOKEN_LENGTH = 200


class InviteState(enum.StrEnum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"  # a newer link was issued, or the user was deactivated
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class IssuedInvite:
    token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class InviteLookup:
    state: InviteState
    user: m.User | None = None
    organization_name: str = ""
    expires_at: datetime | None = None


class InviteGone(BalcaoError):
    """The invite link was used, expired or replaced by a newer one."""

    status = 410
    code = "invite_gone"


def check_open(state: InviteState) -> None:
    """Raise the API's answer for a link that does not open (404 or 410 with a code
    naming why)."""
    if state == InviteState.UNKNOWN:
        raise NotFound("No such invite link.", code="invite_unknown")
    if state != InviteState.VALID:
        raise InviteGone(_GONE[state], code=f"invite_{state.value}")


def require_accepted(result: m.User | InviteState) -> m.User:
    """The user ``accept_invite`` signed in, else the API's error for the link."""
    if isinstance(result, InviteState):
        check_open(result)
        raise InviteGone(code="invite_gone")  # check_open raised already: VALID never returns
    return result


_GONE = {
    InviteState.USED: "This invite link was already used.",
    InviteState.EXPIRED: "This invite link has expired.",
    InviteState.REVOKED: "This invite link was replaced by a newer one or withdrawn.",
}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_url(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + INVITE_PATH + token


async def record_invite(db: AsyncSession, user: m.User) -> IssuedInvite:
    """A new link for ``user`` (the caller commits); earlier open links stop working."""
    if not user.is_active:
        raise Conflict(
            "The user is deactivated; reactivate them before inviting.", code="user_inactive"
        )
    now = datetime.now(UTC)
    await db.execute(
        sa.update(m.UserInvite)
        .where(
            m.UserInvite.user_id == user.id,
            m.UserInvite.used_at.is_(None),
            m.UserInvite.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    token = secrets.token_urlsafe(32)
    expires = now + INVITE_TTL
    db.add(
        m.UserInvite(
            organization_id=user.organization_id,
            user_id=user.id,
            token_hash=hash_token(token),
            expires_at=expires,
        )
    )
    await db.flush()
    return IssuedInvite(token=token, expires_at=expires)


async def find_invite(db: AsyncSession, token: str) -> InviteLookup:
    """What the link ``token`` is now. Invitees are not signed in: the lookup crosses
    tenants by the token alone, as an API key's does."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return InviteLookup(InviteState.UNKNOWN)
    row = (
        await db.execute(
            sa.select(m.UserInvite, m.User, m.Organization.name)
            .join(m.User, m.User.id == m.UserInvite.user_id)
            .join(m.Organization, m.Organization.id == m.User.organization_id)
            .where(m.UserInvite.token_hash == hash_token(token))
            .execution_options(all_tenants=True)
        )
    ).first()
    if row is None:
        return InviteLookup(InviteState.UNKNOWN)
    invite, user, org_name = row
    if invite.used_at is not None:
        state = InviteState.USED
    elif invite.revoked_at is not None or not user.is_active:
        state = InviteState.REVOKED
    elif invite.expires_at <= datetime.now(UTC):
        state = InviteState.EXPIRED
    else:
        state = InviteState.VALID
    return InviteLookup(state, user, org_name, invite.expires_at)


async def accept_invite(db: AsyncSession, token: str, password: str) -> m.User | InviteState:
    """Set the invitee's password and spend the link (committed); the user, or why the
    link no longer opens. ``password`` is validated by the caller (schemas.Password)."""
    found = await find_invite(db, token)
    if found.state != InviteState.VALID or found.user is None:
        return found.state
    now = datetime.now(UTC)
    claimed = await db.execute(
        sa.update(m.UserInvite)
        .where(
            m.UserInvite.token_hash == hash_token(token),
            m.UserInvite.used_at.is_(None),
            m.UserInvite.revoked_at.is_(None),
            m.UserInvite.expires_at > now,
        )
        .values(used_at=now)
        .returning(m.UserInvite.id)
        .execution_options(all_tenants=True)
    )
    if claimed.scalar_one_or_none() is None:  # spent by a concurrent submit
        await db.rollback()
        return InviteState.USED
    user = found.user
    user.password_hash = hash_password(password)
    await db.commit()
    await db.refresh(user)
    return user


def new_user_password() -> str:
    """The unusable password of a user created to be invited: nobody knows it, so only
    the link signs them in."""
    return secrets.token_urlsafe(32)
