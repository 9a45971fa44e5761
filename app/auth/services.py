from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.schemas import ApiKeyCreated, OrganizationCreated, TokenPair
from app.auth.security import (
    decode_token,
    hash_password,
    issue_token,
    new_api_key,
    verify_password,
)
from app.config import Settings
from app.db.enums import Role
from app.db.models import ApiKey, Organization, RefreshToken, User
from app.errors import Conflict, Unauthorized


async def record_organization(
    db: AsyncSession,
    name: str,
    admin_email: str,
    admin_password: str,
    *,
    admin_name: str | None = None,
) -> OrganizationCreated:
    """Create an organization with its first administrator and API key (the admin's
    name defaults to the email's local part)."""
    taken = await db.scalar(
        sa.select(User.id)
        .where(sa.func.lower(User.email) == admin_email.lower())
        .execution_options(all_tenants=True)
    )
    if taken is not None:
        raise Conflict("A user with this email already exists.", code="email_taken", field="email")
    org = Organization(name=name)
    db.add(org)
    await db.flush()
    admin = User(
        organization_id=org.id,
        email=admin_email,
        name=admin_name or admin_email.split("@")[0],
        password_hash=hash_password(admin_password),
        role=Role.ADMIN,
    )
    key, prefix, digest = new_api_key()
    db.add_all(
        [admin, ApiKey(organization_id=org.id, name="default", prefix=prefix, key_hash=digest)]
    )
    await db.flush()
    return OrganizationCreated(organization_id=org.id, admin_user_id=admin.id, api_key=key)


async def _issue_pair(db: AsyncSession, settings: Settings, user: User) -> TokenPair:
    jti = uuid.uuid4()
    access, access_exp = issue_token(
        settings.secret_key,
        kind="access",
        user_id=user.id,
        organization_id=user.organization_id,
        role=user.role.value,
        ttl=timedelta(minutes=settings.access_token_minutes),
    )
    refresh, refresh_exp = issue_token(
        settings.secret_key,
        kind="refresh",
        user_id=user.id,
        organization_id=user.organization_id,
        role=user.role.value,
        ttl=timedelta(days=settings.refresh_token_days),
        jti=jti,
    )
    db.add(RefreshToken(id=jti, user_id=user.id, expires_at=refresh_exp))
    await db.commit()
    return TokenPair(
        access_token=access,
        refresh_token=refresh,
        token_type="Bearer",  # noqa: S106  the scheme name, not a secret
        expires_at=access_exp,
        refresh_expires_at=refresh_exp,
    )


async def authenticate(db: AsyncSession, email: str, password: str) -> User:
    """The active user with these credentials, else 401 (same answer, same time, for
    an unknown email and a wrong password)."""
    user = await db.scalar(
        sa.select(User)
        .where(sa.func.lower(User.email) == email.lower())
        .execution_options(all_tenants=True)
    )
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        raise Unauthorized("Wrong email or password.", code="invalid_credentials")
    return user


async def login(db: AsyncSession, settings: Settings, email: str, password: str) -> TokenPair:
    return await _issue_pair(db, settings, await authenticate(db, email, password))


async def refresh(db: AsyncSession, settings: Settings, token: str) -> TokenPair:
    """Rotate: each refresh token works once, so a stolen one is noticed and dies."""
    claims = decode_token(settings.secret_key, token, kind="refresh")
    try:
        jti = uuid.UUID(claims["jti"])
    except (KeyError, ValueError) as exc:
        raise Unauthorized("The token is invalid.", code="invalid_token") from exc
    now = datetime.now(UTC)
    used = await db.execute(
        sa.update(RefreshToken)
        .where(
            RefreshToken.id == jti, RefreshToken.used_at.is_(None), RefreshToken.expires_at > now
        )
        .values(used_at=now)
        .returning(RefreshToken.user_id)
    )
    user_id = used.scalar_one_or_none()
    user = await db.get(User, user_id) if user_id else None
    if user is None or not user.is_active:
        raise Unauthorized("The refresh token was already used or revoked.", code="invalid_token")
    return await _issue_pair(db, settings, user)


async def record_api_key(db: AsyncSession, organization_id: uuid.UUID, name: str) -> ApiKeyCreated:
    key, prefix, digest = new_api_key()
    row = ApiKey(organization_id=organization_id, name=name, prefix=prefix, key_hash=digest)
    db.add(row)
    await db.commit()
    return ApiKeyCreated(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=None,
        revoked_at=None,
        key=key,
    )
