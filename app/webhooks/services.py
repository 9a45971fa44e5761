"""Webhook plumbing around ingest: which connection a URL names (cached briefly, so a
burst of webhooks costs no extra query each), and dead letters for payloads we could
not parse."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import msgspec

from app.ingest.connection import ConnectionInfo

CACHE_SECONDS = 5.0
_LOAD = """
SELECT id, organization_id, provider, config, webhook_token, ai_enabled,
       ai_block_ttl_minutes, allow_groups
FROM connection WHERE id = $1 AND deleted_at IS NULL
"""
# Headers worth keeping with a dead letter; credentials and signatures are not kept.
_KEPT_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "user-agent",
        "x-request-id",
        "x-webhook-request-id",
        "x-balcao-event",
    }
)
_INSERT_DEAD_LETTER = """
INSERT INTO dead_letter (organization_id, connection_id, provider, code, reason, headers, body)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
RETURNING id
"""


class ConnectionCache:
    def __init__(self, pool: asyncpg.Pool, ttl: float = CACHE_SECONDS) -> None:
        self.pool = pool
        self.ttl = ttl
        self._rows: dict[uuid.UUID, tuple[float, ConnectionInfo | None]] = {}

    async def get(self, connection_id: uuid.UUID) -> ConnectionInfo | None:
        now = time.monotonic()
        cached = self._rows.get(connection_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        row = await self.pool.fetchrow(_LOAD, connection_id)
        info = _info(row) if row is not None else None
        if len(self._rows) > 10_000:
            self._rows.clear()
        self._rows[connection_id] = (now + self.ttl, info)
        return info


def _info(row: asyncpg.Record) -> ConnectionInfo:
    config = row["config"]
    return ConnectionInfo(
        id=row["id"],
        organization_id=row["organization_id"],
        provider=row["provider"],
        config=msgspec.json.decode(config) if isinstance(config, str | bytes) else dict(config),
        webhook_token=row["webhook_token"],
        ai_enabled=row["ai_enabled"],
        ai_block_ttl_minutes=row["ai_block_ttl_minutes"],
        allow_groups=row["allow_groups"],
    )


async def record_dead_letter(
    pool: asyncpg.Pool,
    conn: ConnectionInfo,
    code: str,
    reason: str,
    headers: Mapping[str, str],
    body: bytes,
) -> uuid.UUID:
    kept: dict[str, Any] = {k: v for k, v in headers.items() if k in _KEPT_HEADERS}
    dead_letter_id: uuid.UUID = await pool.fetchval(
        _INSERT_DEAD_LETTER,
        conn.organization_id,
        conn.id,
        conn.provider,
        code,
        reason[:2000],
        msgspec.json.encode(kept).decode(),
        body,
    )
    return dead_letter_id
