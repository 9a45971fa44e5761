from __future__ import annotations

import uuid

import sqlalchemy as sa
from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from app.auth.guards import admin_only, supervisors
from app.auth.security import hash_password
from app.db import models as m
from app.deps import Caller, Db
from app.pagination import Page, PageLimit, PageNumber, paginate
from app.records import require, unset_fields
from app.users import services
from app.users.schemas import User, UserCreate, UserUpdate


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
    async def create_user(self, db: Db, principal: Caller, data: JSONBody[UserCreate]) -> User:
        row = await services.record_user(db, principal.organization_id, data)
        await db.commit()
        return services.user_out(row, list(dict.fromkeys(data.department_ids)))

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
