"""Who is calling: resolved once per request by the authentication middleware."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import sqlalchemy as sa
from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.security import API_KEY_PREFIX, decode_token, hash_api_key
from app.db.enums import Role
from app.db.models import ApiKey
from app.errors import Forbidden, Unauthorized
from app.state import state_of

INBOX_COOKIE = "balcao_inbox"
INBOX_HEADER = "x-balcao-inbox"
INBOX_TOKEN_KIND = "inbox"  # noqa: S105  a token type, not a secret
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    organization_id: uuid.UUID
    role: Role
    user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None


# Touching last_used_at on every call would turn each read into a write.
_LAST_USED_GRANULARITY = timedelta(minutes=5)


async def principal_from_api_key(db: AsyncSession, key: str) -> Principal:
    row = (
        await db.execute(
            sa.select(ApiKey.id, ApiKey.organization_id, ApiKey.last_used_at)
            .where(ApiKey.key_hash == hash_api_key(key), ApiKey.revoked_at.is_(None))
            .execution_options(all_tenants=True)
        )
    ).first()
    if row is None:
        raise Unauthorized("The API key is invalid or revoked.", code="invalid_token")
    now = datetime.now(UTC)
    if row.last_used_at is None or now - row.last_used_at > _LAST_USED_GRANULARITY:
        await db.execute(sa.update(ApiKey).where(ApiKey.id == row.id).values(last_used_at=now))
        await db.commit()
    # API keys act as ADMIN of their organization (API.md).
    return Principal(organization_id=row.organization_id, role=Role.ADMIN, api_key_id=row.id)


def principal_from_token(secret: str, token: str, kind: str = "access") -> Principal:
    """The user a signed token of ``kind`` names (an API access token, or the inbox's
    session cookie: each kind is refused where the other is expected)."""
    claims = decode_token(secret, token, kind=kind)
    try:
        return Principal(
            organization_id=uuid.UUID(claims["org"]),
            user_id=uuid.UUID(claims["sub"]),
            role=Role(claims["role"]),
        )
    except (ValueError, KeyError) as exc:
        raise Unauthorized("The token is invalid.", code="invalid_token") from exc


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    """``Authorization: Bearer`` (API key or access token), or the inbox's session
    cookie when no header is sent. Cookies travel with any request the browser makes,
    so a cookie-authenticated change must also carry ``X-Balcao-Inbox: 1``: a header
    no other site can make a browser send (CSRF)."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        cookie = connection.cookies.get(INBOX_COOKIE)
        if not header and cookie:
            if (
                connection.scope.get("method") not in _SAFE_METHODS
                and connection.headers.get(INBOX_HEADER) != "1"
            ):
                raise Forbidden(
                    f"A change made with the inbox cookie needs the {INBOX_HEADER} header.",
                    code="csrf_check_failed",
                )
            secret = state_of(connection.app.state).settings.secret_key
            return AuthenticationResult(
                user=principal_from_token(secret, cookie, INBOX_TOKEN_KIND), auth=cookie
            )
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("Send `Authorization: Bearer <token>`.", code="missing_token")
        state = state_of(connection.app.state)
        if token.startswith(API_KEY_PREFIX):
            async with state.sessionmaker() as db:
                principal = await principal_from_api_key(db, token)
        else:
            principal = principal_from_token(state.settings.secret_key, token)
        return AuthenticationResult(user=principal, auth=token)
