"""Side effects of a request's change, after its commit (see app.outbox)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.outbox import OutboxRow, flush_outbox, write_outbox
from app.state import AppState

log = logging.getLogger("balcao.jobs")


async def commit_with_jobs(db: AsyncSession, state: AppState, rows: Sequence[OutboxRow]) -> None:
    """Commit the request's changes together with their outbox rows, then enqueue them.
    Enqueueing is never an error for the caller: the change is committed, and a row that
    could not be enqueued now is picked up by the relay."""
    jobs = await write_outbox(await db.connection(), rows) if rows else []
    await db.commit()
    if not jobs:
        return
    try:
        await flush_outbox(state.engine, state.redis, jobs)
    except Exception:  # the relay owns what is left; the caller's change stands
        log.warning("enqueue after commit failed; left for the relay", exc_info=True)
