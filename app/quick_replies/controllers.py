from __future__ import annotations

import uuid

import sqlalchemy as sa
from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from app.auth.guards import supervisors
from app.db import models as m
from app.deps import Caller, Db
from app.pagination import Page, PageLimit, PageNumber, paginate
from app.quick_replies import services
from app.quick_replies.schemas import QuickReply, QuickReplyCreate, QuickReplyUpdate
from app.records import require, unset_fields
from app.sessions.access import check_can_manage
from app.tabulations.services import check_department


class QuickReplyController(Controller):
    """Shortcuts agents type in the inbox (``/saudacao``). Organization-wide replies
    are managed by administrators, a department's by its supervisors too."""

    path = "/api/v1/quick-replies"
    tags = ["quick replies"]

    @get("/")
    async def list_quick_replies(
        self,
        db: Db,
        departmentId: FromQuery[uuid.UUID | None] = None,
        page: FromQuery[PageNumber] = 1,
        limit: FromQuery[PageLimit] = 200,
    ) -> Page[QuickReply]:
        stmt = sa.select(m.QuickReply).order_by(m.QuickReply.shortcut, m.QuickReply.id)
        if departmentId is not None:
            stmt = stmt.where(m.QuickReply.department_id == departmentId)
        rows, pages = await paginate(db, stmt, page, limit)
        return Page(data=[services.quick_reply_out(r) for r in rows], pagination=pages)

    @get("/{reply_id:uuid}")
    async def get_quick_reply(self, db: Db, reply_id: FromPath[uuid.UUID]) -> QuickReply:
        return services.quick_reply_out(await require(db, m.QuickReply, reply_id))

    @post("/", guards=[supervisors])
    async def create_quick_reply(
        self, db: Db, principal: Caller, data: JSONBody[QuickReplyCreate]
    ) -> QuickReply:
        await check_can_manage(db, principal, data.department_id)
        await check_department(db, data.department_id)
        await services.check_shortcut_free(db, data.shortcut)
        row = m.QuickReply(
            organization_id=principal.organization_id,
            shortcut=data.shortcut,
            content=data.content,
            department_id=data.department_id,
        )
        db.add(row)
        await db.commit()
        await db.refresh(row)
        return services.quick_reply_out(row)

    @patch("/{reply_id:uuid}", guards=[supervisors])
    async def update_quick_reply(
        self,
        db: Db,
        principal: Caller,
        reply_id: FromPath[uuid.UUID],
        data: JSONBody[QuickReplyUpdate],
    ) -> QuickReply:
        row = await require(db, m.QuickReply, reply_id)
        changes = unset_fields(data)
        await check_can_manage(db, principal, row.department_id)
        if "department_id" in changes:
            await check_can_manage(db, principal, changes["department_id"])
            await check_department(db, changes["department_id"])
        if "shortcut" in changes:
            await services.check_shortcut_free(db, changes["shortcut"], exclude=row.id)
        for key, value in changes.items():
            setattr(row, key, value)
        await db.commit()
        await db.refresh(row)
        return services.quick_reply_out(row)

    @delete("/{reply_id:uuid}", guards=[supervisors])
    async def delete_quick_reply(
        self, db: Db, principal: Caller, reply_id: FromPath[uuid.UUID]
    ) -> None:
        row = await require(db, m.QuickReply, reply_id)
        await check_can_manage(db, principal, row.department_id)
        await db.delete(row)
        await db.commit()
