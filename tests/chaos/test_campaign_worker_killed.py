"""A campaign through two real ``balcao worker`` processes, one SIGKILLed mid-run: every
contact gets the campaign message exactly once (counted at the native stand-in by our
message id, which it deduplicates as an idempotent API does) and every recipient ends
SENT."""

from __future__ import annotations

import uuid

from ai_harness import World
from arq.connections import ArqRedis
from campaign_kit import make_campaign, make_contacts
from chaos_kit import Processes, leases_run_out, wait_for

RECIPIENTS = 300


async def test_a_worker_killed_mid_campaign_loses_and_doubles_nothing(
    world: World, processes: Processes, redis: ArqRedis
) -> None:
    contacts = await make_contacts(
        world, [{"phone": f"5511970{n:06d}", "name": f"Cliente {n}"} for n in range(RECIPIENTS)]
    )
    campaign = await make_campaign(world, contacts, messages=[{"text": "Oi {{primeiro_nome}}"}])
    first, _second = processes.worker(), processes.worker()
    await redis.enqueue_job("run_campaign", str(campaign), _job_id=f"campaign:{campaign}:test")

    async def some_sent() -> bool:
        return len(world.native.accepted_snapshot()) >= RECIPIENTS // 3

    await wait_for(some_sent, "a third of the campaign to be sent")
    first.kill()
    await leases_run_out(redis, world.db)  # what time does after a death

    async def completed() -> bool:
        status = await world.db.val("SELECT status FROM campaign WHERE id = $1", campaign)
        return bool(status == "COMPLETED")

    await wait_for(completed, "the campaign to complete", timeout=120)
    messages = await world.db.fetch(
        "SELECT id::text, contact_id FROM message WHERE campaign_id = $1", campaign
    )
    accepted = world.native.accepted_snapshot()
    assert len(messages) == RECIPIENTS  # one message per recipient, never a second
    assert {m["contact_id"] for m in messages} == set(contacts)
    assert all(m["id"] in accepted for m in messages)
    assert len(accepted) == RECIPIENTS
    statuses = await world.db.fetch(
        "SELECT status, count(*) AS n FROM campaign_recipient WHERE campaign_id = $1"
        " GROUP BY status",
        uuid.UUID(str(campaign)),
    )
    assert {r["status"]: r["n"] for r in statuses} == {"SENT": RECIPIENTS}
