"""`balcao webhooks replay`: run dead letters through today's parsers again (after a
parser fix), storing what now parses exactly as a fresh delivery would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg  # type: ignore[import-untyped]
from arq.connections import ArqRedis

from app.ingest.service import ingest
from app.outbox import flush_outbox
from app.webhooks.services import ConnectionCache
from providers import get_provider
from providers.base import UnparseablePayload

_PENDING = """
SELECT id, connection_id, body FROM dead_letter
WHERE replayed_at IS NULL AND ($1::uuid IS NULL OR id = $1)
ORDER BY created_at
"""
_MARK = "UPDATE dead_letter SET replayed_at = now(), replay_result = $2 WHERE id = $1"
_NOTE = "UPDATE dead_letter SET replay_result = $2 WHERE id = $1"


@dataclass
class ReplayReport:
    stored: int = 0
    still_failing: int = 0
    accepted: int = 0
    duplicates: int = 0


async def replay_dead_letters(
    pool: asyncpg.Pool, arq: ArqRedis | None, only: uuid.UUID | None = None
) -> ReplayReport:
    report = ReplayReport()
    connections = ConnectionCache(pool, ttl=0)
    for row in await pool.fetch(_PENDING, only):
        conn = await connections.get(row["connection_id"])
        if conn is None:
            await pool.execute(_NOTE, row["id"], "connection deleted")
            report.still_failing += 1
            continue
        try:
            events = get_provider(conn.provider).parse(bytes(row["body"]))
        except UnparseablePayload as exc:
            await pool.execute(_NOTE, row["id"], f"still unparseable: {exc}")
            report.still_failing += 1
            continue
        try:
            result = await ingest(pool, conn, events)
        except asyncpg.DataError as exc:  # e.g. a NUL PostgreSQL text cannot hold
            await pool.execute(_NOTE, row["id"], f"still not storable: {exc}")
            report.still_failing += 1
            continue
        await pool.execute(
            _MARK, row["id"], f"accepted={result.accepted} duplicates={result.duplicates}"
        )
        if arq is not None:
            await flush_outbox(pool, arq, result.jobs)
        report.stored += 1
        report.accepted += result.accepted
        report.duplicates += result.duplicates
    return report
