"""Campaigns and recipients as the API stores them, for the dispatcher's tests (tests/ai
and tests/chaos)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from ai_harness import World, run_burst_worker
from arq import func

from workers.campaigns import run_campaign
from workers.deliver import deliver_message

FULL_SPEED = {
    "minDelaySeconds": 0,
    "maxDelaySeconds": 0,
    "pauseEvery": 0,
    "pauseSeconds": 0,
    "dailyCapPerConnection": None,
    "warmUp": False,
}


async def make_contacts(world: World, rows: list[dict[str, Any]]) -> list[uuid.UUID]:
    ids = []
    for row in rows:
        ids.append(
            await world.db.val(
                "INSERT INTO contact (organization_id, phone_number, name, fields, opted_out_at)"
                " VALUES ($1, $2, $3, $4::jsonb, $5) RETURNING id",
                uuid.UUID(world.org.id),
                row["phone"],
                row.get("name"),
                json.dumps(row.get("fields", {})),
                row.get("opted_out_at"),
            )
        )
    return ids


async def make_campaign(
    world: World,
    contacts: list[uuid.UUID],
    *,
    messages: list[dict[str, Any]],
    connections: list[str] | None = None,
    status: str = "RUNNING",
    schedule: dict[str, Any] | None = None,
    pacing: dict[str, Any] | None = None,
    reply_gate: dict[str, Any] | None = None,
    cooldown: int = 24,
) -> uuid.UUID:
    org = uuid.UUID(world.org.id)
    cid = await world.db.val(
        "INSERT INTO campaign (organization_id, name, status, connection_ids, messages,"
        " schedule, pacing, reply_gate, contact_cooldown_hours, next_run_at, started_at)"
        " VALUES ($1, 'Black Friday', $2, $3::uuid[], $4::jsonb, $5::jsonb, $6::jsonb,"
        " $7::jsonb, $8, now(), now()) RETURNING id",
        org,
        status,
        [uuid.UUID(c) for c in (connections or [world.hook.id])],
        json.dumps(messages),
        json.dumps(schedule or {"timezone": "America/Sao_Paulo", "skipHolidays": False}),
        json.dumps(pacing or FULL_SPEED),
        json.dumps(reply_gate) if reply_gate else None,
        cooldown,
    )
    # As POST .../start materialises them: variants rotated, opted-out contacts settled.
    await world.db.fetch(
        "INSERT INTO campaign_recipient (organization_id, campaign_id, contact_id, variant, status,"
        " reason) SELECT $1, $2, c.id, (row_number() OVER (ORDER BY t.i) - 1) % $4,"
        " CASE WHEN c.opted_out_at IS NULL THEN 'PENDING' ELSE 'OPTED_OUT' END,"
        " CASE WHEN c.opted_out_at IS NULL THEN NULL ELSE 'opted_out' END"
        " FROM unnest($3::uuid[]) WITH ORDINALITY AS t(id, i) JOIN contact c ON c.id = t.id",
        org,
        cid,
        contacts,
        len(messages),
    )
    return uuid.UUID(str(cid))


async def send_campaign(world: World, campaign: uuid.UUID) -> None:
    """Start ``campaign`` and run its dispatcher and deliveries to the end in a burst
    worker (the events it publishes are dropped)."""
    pool = await world.pool()
    try:
        await pool.enqueue_job("run_campaign", str(campaign))
    finally:
        await pool.aclose()

    async def publish_event(ctx: dict[str, Any], *args: Any) -> None:
        pass

    functions = [
        func(run_campaign, name="run_campaign", keep_result=0),
        func(deliver_message, name="deliver_message", max_tries=60),
        func(publish_event, name="publish_event"),
    ]
    await run_burst_worker(world.settings, functions, world.context())
