"""Reads the API does not offer (the audit rows), straight from the database."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from app.config import Settings


async def audit_actions(settings: Settings) -> list[tuple[str, Any]]:
    assert settings.database_url
    conn = await asyncpg.connect(
        settings.database_url.replace("postgresql+asyncpg://", "postgresql://")
    )
    try:
        rows = await conn.fetch(
            "SELECT action, data FROM audit_log WHERE target_type = 'mirror' ORDER BY id"
        )
    finally:
        await conn.close()
    return [(r["action"], json.loads(r["data"])) for r in rows]
