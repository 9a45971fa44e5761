from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from litestar import Controller, delete, get, post
from litestar.params import FromPath, JSONBody

from app.auth import invites, services
from app.auth.guards import admin_only
from app.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    InviteAccept,
    InviteInfo,
    LoginRequest,
    Me,
    RefreshRequest,
    TokenPair,
)
from app.db.models import ApiKey, User
from app.deps import Caller, Db, Shared
from app.errors import NotFound


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", exclude_from_auth=True, status_code=200)
    async def login(self, data: JSONBody[LoginRequest], db: Db, app_state: Shared) -> TokenPair:
        return await services.login(db, app_state.settings, data.email, data.password)

    @post("/refresh", exclude_from_auth=True, status_code=200)
    async def refresh(self, data: JSONBody[RefreshRequest], db: Db, app_state: Shared) -> TokenPair:
        return await services.refresh(db, app_state.settings, data.refresh_token)

    @get("/invites/{token:str}", exclude_from_auth=True)
    async def read_invite(self, db: Db, token: FromPath[str]) -> InviteInfo:
        """Whom an invite link is for; 404 ``invite_unknown``, 410 ``invite_used`` /
        ``invite_expired`` / ``invite_revoked`` when it does not open."""
        found = await invites.find_invite(db, token)
        invites.check_open(found.state)
        assert found.user is not None and found.expires_at is not None
        return InviteInfo(
            email=found.user.email,
            name=found.user.name,
            organization_name=found.organization_name,
            expires_at=found.expires_at,
        )

    @post("/invites/{token:str}/accept", exclude_from_auth=True, status_code=200)
    async def accept_invite(
        self, db: Db, app_state: Shared, token: FromPath[str], data: JSONBody[InviteAccept]
    ) -> TokenPair:
        """Choose the password and spend the link; signs in as ``/login`` does."""
        accepted = await invites.accept_invite(db, token, data.password)
        user = invites.require_accepted(accepted)
        return await services.issue_tokens(db, app_state.settings, user)

    @get("/me")
    async def me(self, principal: Caller, db: Db) -> Me:
        user = await db.get(User, principal.user_id) if principal.user_id else None
        return Me(
            organization_id=principal.organization_id,
            role=principal.role,
            user_id=principal.user_id,
            api_key_id=principal.api_key_id,
            email=user.email if user else None,
            name=user.name if user else None,
        )


def _key_out(row: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


class ApiKeyController(Controller):
    path = "/api/v1/api-keys"
    tags = ["auth"]
    guards = [admin_only]

    @get("/")
    async def list_keys(self, db: Db) -> list[ApiKeyOut]:
        rows = await db.scalars(sa.select(ApiKey).order_by(ApiKey.created_at))
        return [_key_out(r) for r in rows]

    @post("/")
    async def create_key(
        self, data: JSONBody[ApiKeyCreate], db: Db, principal: Caller
    ) -> ApiKeyCreated:
        return await services.record_api_key(db, principal.organization_id, data.name)

    @delete("/{key_id:uuid}")
    async def revoke_key(self, key_id: FromPath[uuid.UUID], db: Db) -> None:
        result = await db.execute(
            sa.update(ApiKey)
            .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise NotFound("No such API key.")
        await db.commit()
