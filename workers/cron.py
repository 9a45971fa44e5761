"""Periodic jobs."""

from __future__ import annotations

from typing import Any

from app.outbox import relay_outbox


async def relay_outbox_job(ctx: dict[str, Any]) -> int:
    return await relay_outbox(ctx["engine"], ctx["redis"])
