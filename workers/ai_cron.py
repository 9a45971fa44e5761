"""``emit_ai_unblocked(ctx)`` — a cron that announces AI blocks that ended by time.

Blocks end by themselves (the responder compares ``ai_blocked_until`` with now); this
only tells realtime subscribers and CRMs, with ``session.ai_unblocked``, exactly once
per block: the (session, block end) pair is inserted into ``ai_block_notice`` in the
same transaction as the event's outbox row, so overlapping or repeated runs cannot
announce a block twice. Blocks that ended up to a day ago are caught up after an outage.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app import events
from app.outbox import OutboxRow, flush_outbox, write_outbox
from workers.context import context, redis_of

_ENDED = sa.text(
    """
    INSERT INTO ai_block_notice (session_id, blocked_until)
    SELECT id, ai_blocked_until FROM session
    WHERE ai_blocked_until IS NOT NULL AND ai_blocked_until <= now()
      AND ai_blocked_until > now() - interval '1 day'
    ON CONFLICT DO NOTHING
    RETURNING session_id
    """
)
_PRUNE = sa.text("DELETE FROM ai_block_notice WHERE blocked_until < now() - interval '2 days'")


async def emit_ai_unblocked(ctx: dict[str, Any]) -> int:
    deps = context(ctx)
    async with deps.engine.begin() as conn:
        ended = list((await conn.execute(_ENDED)).scalars())
        rows: list[OutboxRow] = []
        if ended:
            orgs = await conn.execute(
                sa.text("SELECT id, organization_id FROM session WHERE id = ANY(:ids)"),
                {"ids": ended},
            )
            rows = [events.event_row(org, events.SESSION_AI_UNBLOCKED, sid) for sid, org in orgs]
        jobs = await write_outbox(conn, rows)
        await conn.execute(_PRUNE)
    await flush_outbox(deps.engine, redis_of(ctx), jobs)
    return len(rows)
