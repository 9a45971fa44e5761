"""Enqueue the jobs of committed outbox rows from a request (see app.outbox)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.outbox import flush_outbox, write_outbox

log = logging.getLogger("balcao.jobs")


async def stage_jobs(db: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Write outbox rows in the request's transaction; pass the ids to
    ``enqueue_after_commit`` once it has committed."""
    if not rows:
        return []
    return await write_outbox(await db.connection(), rows)


async def enqueue_after_commit(state: Any, ids: Sequence[int]) -> None:
    """Never an error for the caller: the change is committed, and a row that could not
    be enqueued now is picked up by the relay cron."""
    arq = getattr(state, "arq", None)
    if not ids or arq is None:
        return
    try:
        await flush_outbox(state.engine, arq, ids)
    except Exception:  # the relay owns what is left; the caller's change stands
        log.warning("enqueue after commit failed; left for the relay", exc_info=True)


async def commit_with_jobs(db: AsyncSession, state: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Commit the request's changes together with their outbox rows, then enqueue."""
    ids = await stage_jobs(db, rows)
    await db.commit()
    await enqueue_after_commit(state, ids)
