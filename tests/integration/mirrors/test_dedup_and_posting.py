"""Dedup per destination (a lower price re-opens, near-identical texts are caught),
pacing with a frozen clock, newest first, stale offers dropped, exactly-once posting
across workers and restarts, and the delivery outcome flowing back."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from arq.connections import ArqRedis
from mirrorkit import (
    DEST_A,
    DEST_B,
    OFFER,
    SOURCE_2,
    Pg,
    create_mirror,
    deliver_all,
    intake_all,
    offer_body,
    post_now,
    send_offer,
)
from standins.provider_apis import EvolutionStandIn
from support.orgs import Org
from support.webhooks import Client, Hook

from app.config import Settings
from app.mirrors.links import LinkService
from workers.context import WorkerContext
from workers.mirror import post_due


def _now() -> datetime:
    return datetime.now(UTC)


async def test_an_offer_reaches_both_destinations_once_and_the_outcome_comes_back(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
    redis: ArqRedis,
    evolution_api: EvolutionStandIn,
) -> None:
    mirror = await create_mirror(
        client, org, hook, template="📢 Oferta do dia\n\n{{texto}}\n\n👉 Grupo VIP"
    )
    pg = Pg(settings)
    await send_offer(client, hook, offer_body())
    await intake_all(deps, pg, _now(), links)
    assert await post_now(deps, _now()) == 2
    assert await post_now(deps, _now()) == 0  # nothing twice
    outcomes = await deliver_all(deps, redis, pg)
    assert len(outcomes) == 2
    sent = [r for r in evolution_api.requests if "/message/sendText/" in r.path]
    assert sorted(json.loads(r.body)["number"] for r in sent) == [DEST_A, DEST_B]
    for request in sent:
        text = json.loads(request.body)["text"]
        assert text.startswith("📢 Oferta do dia\n\n🔥 *Air Fryer Mondial 4L* 🔥")
        assert text.endswith("👉 Grupo VIP")
    deliveries = await pg.deliveries()
    assert {d["status"] for d in deliveries} == {"POSTED"}
    assert all(d["posted_at"] is not None for d in deliveries)
    (post,) = await pg.posts()
    assert post["status"] == "POSTED"
    # Posted as new messages of the business in each group's (paused) chat.
    rows = await pg.fetch(
        """SELECT m.author, m.status, s.status AS session FROM message m
           JOIN session s ON s.id = m.session_id WHERE m.direction = 'OUT'"""
    )
    assert [(r["author"], r["status"], r["session"]) for r in rows] == [
        ("BUSINESS", "SENT", "PAUSED")
    ] * 2
    api = await client.get(f"/api/v1/mirrors/{mirror['id']}/posts", headers=org.headers)
    (shown,) = api.json()["data"]
    assert shown["status"] == "POSTED" and shown["originalText"] == OFFER
    assert {d["groupId"]: d["status"] for d in shown["destinations"]} == {
        DEST_A: "POSTED",
        DEST_B: "POSTED",
    }
    stats = (await client.get(f"/api/v1/mirrors/{mirror['id']}/stats", headers=org.headers)).json()
    assert stats["today"]["received"] == 1 and stats["today"]["posted"] == 1
    assert {d["groupId"]: d["today"]["posted"] for d in stats["destinations"]} == {
        DEST_A: 1,
        DEST_B: 1,
    }
    conn_stats = (
        await client.get(f"/api/v1/connections/{hook.id}/stats", headers=org.headers)
    ).json()
    assert conn_stats["today"]["mirrorPosts"]["posted"] == 1
    assert conn_stats["today"]["mirrorPosts"]["received"] == 1


async def test_a_failed_send_is_recorded_on_its_destination(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
    redis: ArqRedis,
) -> None:
    await create_mirror(client, org, hook, destinationGroupIds=[DEST_A])
    pg = Pg(settings)
    await send_offer(client, hook, offer_body())
    await intake_all(deps, pg, _now(), links)
    await post_now(deps, _now())
    (delivery,) = await pg.deliveries()
    await pg.fetch(
        "UPDATE message SET status = 'FAILED', error = 'not in the group' WHERE id = $1",
        delivery["message_id"],
    )
    (delivery,) = await pg.deliveries()
    assert (delivery["status"], delivery["error"]) == ("FAILED", "not in the group")
    (post,) = await pg.posts()
    assert post["status"] == "FAILED"


async def test_the_same_offer_from_another_source_is_a_duplicate(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
) -> None:
    await create_mirror(client, org, hook)
    pg = Pg(settings)
    await send_offer(client, hook, offer_body())
    await send_offer(client, hook, offer_body(group=SOURCE_2))
    await intake_all(deps, pg, _now(), links)
    statuses = [(p["source_group_id"], p["status"]) for p in await pg.posts()]
    assert [s for _, s in statuses] == ["QUEUED", "DUPLICATE"]
    assert sorted(d["status"] for d in await pg.deliveries()) == [
        "DUPLICATE",
        "DUPLICATE",
        "QUEUED",
        "QUEUED",
    ]


async def test_dedup_is_per_destination(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
) -> None:
    await create_mirror(client, org, hook, destinationGroupIds=[DEST_A])
    pg = Pg(settings)
    await send_offer(client, hook, offer_body())
    await intake_all(deps, pg, _now(), links)
    # A second mirror of the same number posts to A and B: only B is new.
    await create_mirror(client, org, hook, name="Outro", sourceGroupIds=["120363400000000009@g.us"])
    await send_offer(client, hook, offer_body(group="120363400000000009@g.us"))
    await intake_all(deps, pg, _now(), links)
    second = [
        d
        for d in await pg.deliveries()
        if d["source_message_id"] != (await pg.posts())[0]["source_message_id"]
    ]
    assert {d["group_id"]: d["status"] for d in second} == {DEST_A: "DUPLICATE", DEST_B: "QUEUED"}


async def test_a_lower_price_reopens_the_offer_and_a_near_copy_is_caught(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
) -> None:
    await create_mirror(client, org, hook, destinationGroupIds=[DEST_A])
    pg = Pg(settings)
    await send_offer(client, hook, offer_body())
    await intake_all(deps, pg, _now(), links)
    # The same words with one emoji less: a re-upload, caught by the fuzzy match.
    await send_offer(client, hook, offer_body(OFFER.replace(" 🔥\n", "\n")))
    await intake_all(deps, pg, _now(), links)
    assert [p["status"] for p in await pg.posts()] == ["QUEUED", "DUPLICATE"]


async def test_intervals_per_group_and_per_number_hold_with_a_frozen_clock(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
) -> None:
    await create_mirror(client, org, hook, minIntervalPerGroupSeconds=180, minIntervalSeconds=30)
    pg = Pg(settings)
    for i in range(3):
        await send_offer(
            client, hook, offer_body(f"Oferta número {i} — item {i * 7919} R$ {10 + i},00")
        )
    t0 = _now()
    await intake_all(deps, pg, t0, links)
    assert await post_now(deps, t0) == 1  # one post per number per 30 s
    assert await post_now(deps, t0 + timedelta(seconds=29)) == 0
    assert await post_now(deps, t0 + timedelta(seconds=38)) == 1  # 30 s + ≤ 25 % jitter
    # The first group waits its 180 s: the next post goes to the other group only.
    sending = [d for d in await pg.deliveries() if d["status"] == "SENDING"]
    assert len({d["group_id"] for d in sending}) == 2
    # Newest offer first.
    newest = (await pg.posts())[-1]["source_message_id"]
    assert {d["source_message_id"] for d in sending} == {newest}
    assert await post_now(deps, t0 + timedelta(seconds=120)) == 0
    assert await post_now(deps, t0 + timedelta(seconds=226)) == 1


async def test_offers_older_than_the_dedup_window_are_dropped(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
) -> None:
    await create_mirror(client, org, hook, dedupHours=1)
    pg = Pg(settings)
    await send_offer(client, hook, offer_body())
    await intake_all(deps, pg, _now(), links)
    assert await post_now(deps, _now() + timedelta(hours=1, minutes=1)) == 0
    assert {d["status"] for d in await pg.deliveries()} == {"EXPIRED"}
    (post,) = await pg.posts()
    assert (post["status"], post["reason"]) == ("FILTERED", "expired")


async def test_two_workers_and_a_restart_post_nothing_twice(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
) -> None:
    await create_mirror(client, org, hook)
    pg = Pg(settings)
    for i in range(5):
        await send_offer(client, hook, offer_body(f"Produto {i} {'x' * i} — R$ {i + 1}9,90"))
    await intake_all(deps, pg, _now(), links)
    now = _now()
    results = await asyncio.gather(*(post_due(deps, now) for _ in range(4)))
    assert sum(n for n, _ in results) == 10
    # A restarted worker runs again: everything is already on its way.
    assert await post_now(deps, now + timedelta(minutes=5)) == 0
    rows = await pg.fetch("SELECT count(*), count(DISTINCT message_id) FROM mirror_delivery")
    assert tuple(rows[0]) == (10, 10)
    assert await pg.val("SELECT count(*) FROM message WHERE direction = 'OUT'") == 10


async def test_a_daily_cap_per_number(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
) -> None:
    await create_mirror(client, org, hook, dailyCap=3)
    pg = Pg(settings)
    for i in range(3):
        await send_offer(client, hook, offer_body(f"Item {i} {'y' * i} por R$ {i + 5},00"))
    await intake_all(deps, pg, _now(), links)
    assert await post_now(deps, _now()) == 3  # 6 queued, capped at 3 today
    await send_offer(client, hook, offer_body("Mais uma oferta R$ 1,00"))
    await intake_all(deps, pg, _now(), links)
    assert (await pg.posts())[-1]["reason"] == "daily_cap"


async def test_queued_posts_wait_out_quiet_hours_and_a_paused_mirror(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
) -> None:
    mirror = await create_mirror(client, org, hook)
    pg = Pg(settings)
    await send_offer(client, hook, offer_body())
    await intake_all(deps, pg, _now(), links)
    now = _now()
    local = now.astimezone(ZoneInfo("America/Sao_Paulo"))
    quiet = {
        "start": (local - timedelta(hours=1)).strftime("%H:%M"),
        "end": (local + timedelta(hours=1)).strftime("%H:%M"),
    }
    await client.patch(
        f"/api/v1/mirrors/{mirror['id']}", json={"quietHours": quiet}, headers=org.headers
    )
    assert await post_now(deps, now) == 0
    await client.patch(
        f"/api/v1/mirrors/{mirror['id']}",
        json={"quietHours": None, "isActive": False},
        headers=org.headers,
    )
    assert await post_now(deps, now) == 0
    await client.patch(
        f"/api/v1/mirrors/{mirror['id']}", json={"isActive": True}, headers=org.headers
    )
    assert await post_now(deps, now) == 2


async def test_a_group_the_number_is_not_in_fails_alone(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
) -> None:
    await create_mirror(client, org, hook, destinationGroupIds=[DEST_A, DEST_B])
    pg = Pg(settings)
    # The number left DEST_B after the mirror was saved: its next listing drops it.
    await pg.fetch("DELETE FROM connection_group WHERE group_id = $1", DEST_B)
    await send_offer(client, hook, offer_body())
    await intake_all(deps, pg, _now(), links)
    assert await post_now(deps, _now()) == 1
    by_group = {d["group_id"]: (d["status"], d["error"]) for d in await pg.deliveries()}
    assert by_group[DEST_A] == ("SENDING", None)
    status, error = by_group[DEST_B]
    assert status == "FAILED" and error.startswith("unknown_group")
    assert (await pg.posts())[0]["status"] == "QUEUED"
