"""Periodic jobs."""

from __future__ import annotations

from typing import Any

from app.outbox import relay_outbox
from workers.context import context, redis_of


async def relay_outbox_job(ctx: dict[str, Any]) -> int:
    return await relay_outbox(context(ctx).engine, redis_of(ctx))
