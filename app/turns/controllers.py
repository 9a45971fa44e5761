"""Read-only view of the turns the burst merge (workers/merge.py) stores."""

from __future__ import annotations

import uuid
from typing import Annotated

import sqlalchemy as sa
from litestar import Controller, get
from litestar.params import FromPath, FromQuery, QueryParameter

from app.db import models as m
from app.deps import Db
from app.pagination import Page, PageLimit, PageNumber, paginate
from app.records import require
from app.turns.schemas import Turn

SessionFilter = Annotated[
    uuid.UUID | None, QueryParameter(name="sessionId", description="only this session's turns")
]


def turn_out(row: m.Turn) -> Turn:
    return Turn(
        id=row.id,
        session_id=row.session_id,
        status=row.status,
        message_ids=list(row.message_ids),
        merged_text=row.merged_text,
        first_message_at=row.first_message_at,
        last_message_at=row.last_message_at,
        deadline_at=row.deadline_at,
        fired_at=row.fired_at,
        lateness_ms=row.lateness_ms,
        ready_at=row.ready_at,
        created_at=row.created_at,
    )


class TurnController(Controller):
    path = "/api/v1/turns"
    tags = ["turns"]

    @get("/")
    async def list_turns(
        self,
        db: Db,
        session_id: FromQuery[SessionFilter] = None,
        page: FromQuery[PageNumber] = 1,
        limit: FromQuery[PageLimit] = 50,
    ) -> Page[Turn]:
        """Newest first; ``sessionId`` narrows to one session."""
        stmt = sa.select(m.Turn).order_by(m.Turn.fired_at.desc(), m.Turn.id)
        if session_id is not None:
            stmt = stmt.where(m.Turn.session_id == session_id)
        rows, pages = await paginate(db, stmt, page, limit)
        return Page(data=[turn_out(r) for r in rows], pagination=pages)

    @get("/{turn_id:uuid}")
    async def get_turn(self, db: Db, turn_id: FromPath[uuid.UUID]) -> Turn:
        return turn_out(await require(db, m.Turn, turn_id))
