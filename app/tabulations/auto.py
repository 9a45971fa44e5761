"""Automatic tabulations: a tabulation with ``autoTabulation: true`` names the outcome it
is tied to (``autoTrigger``, app/db/models/history.py AutoTrigger) and is applied to the
session when that outcome is recorded — by the AI responder (workers/respond_store.py)
and the bot engine — in the transaction that records it. Its department scope holds here
too: a tabulation of department D is applied only to a session of D."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.models.history import AutoTrigger

_APPLY = sa.text(
    """
    INSERT INTO session_tabulation (session_id, tabulation_id)
    SELECT s.id, t.id FROM session s
    JOIN tabulation t ON t.organization_id = s.organization_id
    WHERE s.id = :sid AND t.auto_tabulation AND t.auto_trigger = :trigger
      AND (t.department_id IS NULL OR t.department_id = s.assigned_department_id)
    ORDER BY t.id
    ON CONFLICT DO NOTHING
    RETURNING tabulation_id
    """
)


async def apply_auto_tabulations(
    conn: AsyncConnection, session_id: uuid.UUID, trigger: AutoTrigger | str
) -> list[uuid.UUID]:
    """Link the session's in-scope tabulations tied to ``trigger``; the ids newly linked."""
    rows = await conn.execute(_APPLY, {"sid": session_id, "trigger": AutoTrigger(trigger).value})
    return list(rows.scalars())
