from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from app.auth.guards import admin_only, supervisors
from app.auth.invites import invite_url, record_invite
from app.auth.security import hash_password
from app.db import models as m
from app.deps import Caller, Db, Shared
from app.pagination import Page, PageLimit, PageNumber, paginate
from app.records import require, unset_fields
from app.users import services
from app.users.schemas import Invite, User, UserCreate, UserCreated, UserUpdate


def _invite(request: Request[Any, Any, Any], app_state: Shared, token: str) -> str:
    """The link as the admin's own browser reaches this server, unless a public URL
    is configured (BALCAO_PUBLIC_URL): that is where the invitee comes from."""
    base = app_state.settings.public_url or str(request.base_url)
    return invite_url(base, token)


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["users"]

    @get("/", guards=[supervisors])
    async def list_users(
        self, db: Db, page: FromQuery[PageNumber] = 1, limit: FromQuery[PageLimit] = 50
    ) -> Page[User]:
        rows, pages = await paginate(db, sa.select(m.User).order_by(m.User.email), page, limit)
        departments = await services.department_ids_of(db, [r.id for r in rows])
        return Page(data=[services.user_out(r, departments[r.id]) for r in rows], pagination=pages)

    @get("/{user_id:uuid}", guards=[supervisors])
    async def get_user(self, db: Db, user_id: FromPath[uuid.UUID]) -> User:
        row = await require(db, m.User, user_id)
        departments = await services.department_ids_of(db, [row.id])
        return services.user_out(row, departments[row.id])

    @post("/", guards=[admin_only])
    async def create_user(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        principal: Caller,
        data: JSONBody[UserCreate],
    ) -> UserCreated:
        row = await services.record_user(db, principal.organization_id, data)
        invite = None
        if data.invite:
            issued = await record_invite(db, row)
            url = _invite(request, app_state, issued.token)
            invite = Invite(user_id=row.id, invite_url=url, expires_at=issued.expires_at)
        await db.commit()
        out = services.user_out(row, list(dict.fromkeys(data.department_ids)))
        fields = {f: getattr(out, f) for f in out.__struct_fields__}
        return UserCreated(**fields, invite=invite)

    @post("/{user_id:uuid}/invite", guards=[admin_only], status_code=201)
    async def invite_user(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        user_id: FromPath[uuid.UUID],
    ) -> Invite:
        """A new invite link for the user (shown once); their earlier links stop
        working. Also a way back in for someone who lost their password."""
        row = await require(db, m.User, user_id)
        issued = await record_invite(db, row)
        await db.commit()
        url = _invite(request, app_state, issued.token)
        return Invite(user_id=row.id, invite_url=url, expires_at=issued.expires_at)

    @patch("/{user_id:uuid}", guards=[admin_only])
    async def update_user(
        self, db: Db, user_id: FromPath[uuid.UUID], data: JSONBody[UserUpdate]
    ) -> User:
        row = await require(db, m.User, user_id)
        changes = unset_fields(data)
        await services.check_keeps_an_admin(db, row, changes)
        if "email" in changes:
            await services.check_email_free(db, changes["email"], exclude=row.id)
        if "password" in changes:
            row.password_hash = hash_password(changes.pop("password"))
        if "department_ids" in changes:
            await services.set_departments(db, row.id, changes.pop("department_ids"))
        for key, value in changes.items():
            setattr(row, key, value)
        await db.commit()
        await db.refresh(row)
        departments = await services.department_ids_of(db, [row.id])
        return services.user_out(row, departments[row.id])

    @delete("/{user_id:uuid}", guards=[admin_only])
    async def delete_user(self, db: Db, user_id: FromPath[uuid.UUID]) -> None:
        row = await require(db, m.User, user_id)
        await services.check_keeps_an_admin(db, row, {"is_active": False})
        await db.delete(row)
        await db.commit()
