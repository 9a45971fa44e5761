"""Intake of real-format group messages: once per provider message id, never a customer
conversation, filters, and source edits/deletes within 15 minutes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from mirrorkit import (
    DEST_A,
    DEST_B,
    OFFER,
    SOURCE,
    Pg,
    create_mirror,
    edit_body,
    intake_all,
    offer_body,
    revoke_body,
    send_offer,
)
from support.orgs import Org
from support.webhooks import Client, Hook

from app.config import Settings
from app.mirrors.links import LinkService
from workers.context import WorkerContext
from workers.mirror import intake


def _now() -> datetime:
    return datetime.now(UTC)


async def test_an_offer_is_taken_in_once_and_opens_no_conversation(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
) -> None:
    await create_mirror(client, org, hook)
    pg = Pg(settings)
    body = offer_body(message_id="3EB0ONCE000000000001")
    first = await send_offer(client, hook, body)
    again = await send_offer(client, hook, body)  # Evolution re-delivers
    assert first["accepted"] == 1 and again["duplicates"] == 1
    posts = await pg.posts()
    assert len(posts) == 1 and posts[0]["status"] == "RECEIVED"
    assert posts[0]["source_group_id"] == SOURCE and posts[0]["original_text"] == OFFER
    # No AI turn, no agents' queue: the group's chat is PAUSED and no burst was queued.
    session = await pg.fetch(
        """SELECT s.status FROM session s JOIN message m ON m.session_id = s.id
           WHERE m.provider_message_id = '3EB0ONCE000000000001'"""
    )
    assert [r["status"] for r in session] == ["PAUSED"]
    jobs = await pg.fetch("SELECT job FROM outbox")
    assert "merge_burst" not in {r["job"] for r in jobs}
    assert await pg.val("SELECT count(*) FROM turn") == 0
    # A retried job adds nothing either.
    (outcome,) = await intake_all(deps, pg, _now(), links)
    assert outcome == "QUEUED"
    again_outcome, _ = await intake(deps, posts[0]["id"], _now(), links=links)
    assert again_outcome == "done"
    deliveries = await pg.deliveries()
    assert sorted(d["group_id"] for d in deliveries) == [DEST_A, DEST_B]
    assert {d["status"] for d in deliveries} == {"QUEUED"}


async def test_a_group_that_is_no_source_stays_a_plain_group_chat(
    client: Client, settings: Settings, org: Org, hook: Hook
) -> None:
    await create_mirror(client, org, hook, isActive=False)
    await send_offer(client, hook, offer_body(message_id="3EB0PLAIN00000000001"))
    pg = Pg(settings)
    assert await pg.posts() == []


async def test_filters_keywords_excludes_and_stores(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
) -> None:
    await create_mirror(
        client,
        org,
        hook,
        filters={"keywords": ["fritadeira", "air fryer"], "excludeKeywords": ["usado"]},
    )
    pg = Pg(settings)
    await send_offer(client, hook, offer_body("AIR FRYER Mondial por R$ 199,00"))
    await send_offer(client, hook, offer_body("Fritadéira elétrica R$ 150,00"))  # accents
    await send_offer(client, hook, offer_body("Fritadeira USADO R$ 50,00"))
    await send_offer(client, hook, offer_body("Bom dia grupo!"))
    await intake_all(deps, pg, _now(), links)
    by_text = {p["original_text"]: (p["status"], p["reason"]) for p in await pg.posts()}
    assert by_text == {
        "AIR FRYER Mondial por R$ 199,00": ("QUEUED", None),
        "Fritadéira elétrica R$ 150,00": ("QUEUED", None),
        "Fritadeira USADO R$ 50,00": ("FILTERED", "exclude_keywords"),
        "Bom dia grupo!": ("FILTERED", "keywords"),
    }


async def test_a_store_filter_keeps_only_those_stores(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
) -> None:
    await create_mirror(client, org, hook, filters={"stores": ["AMAZON"]})
    pg = Pg(settings)
    await send_offer(client, hook, offer_body("Promoção sem loja nenhuma R$ 10,00"))
    await intake_all(deps, pg, _now(), links)
    (post,) = await pg.posts()
    assert (post["status"], post["reason"]) == ("FILTERED", "store")


async def test_quiet_hours_on_the_organization_s_clock(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
) -> None:
    # 02:30 in São Paulo is 05:30 UTC.
    await create_mirror(client, org, hook, quietHours={"start": "23:00", "end": "07:00"})
    pg = Pg(settings)
    await send_offer(client, hook, offer_body())
    await intake_all(deps, pg, datetime(2026, 12, 4, 5, 30, tzinfo=UTC), links)
    (post,) = await pg.posts()
    assert (post["status"], post["reason"]) == ("FILTERED", "quiet_hours")
    await send_offer(client, hook, offer_body("Outra oferta R$ 20,00"))
    await intake_all(deps, pg, datetime(2026, 12, 4, 13, 0, tzinfo=UTC), links)  # 10:00 local
    statuses = sorted(p["status"] for p in await pg.posts())
    assert statuses == ["FILTERED", "QUEUED"]


async def test_an_edit_before_posting_updates_and_a_delete_removes(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
) -> None:
    await create_mirror(client, org, hook)
    pg = Pg(settings)
    await send_offer(client, hook, offer_body(message_id="3EB0EDIT000000000001"))
    await send_offer(
        client, hook, offer_body("Cafeteira R$ 89,90", message_id="3EB0DEL0000000000001")
    )
    await intake_all(deps, pg, _now(), links)
    assert len(await pg.deliveries()) == 4
    edited = "🔥 *Air Fryer Mondial 4L* por *R$ 279,90* (baixou!)"
    await send_offer(client, hook, edit_body("3EB0EDIT000000000001", edited))
    await send_offer(client, hook, revoke_body("3EB0DEL0000000000001"))
    posts = {p["source_message_id"]: p for p in await pg.posts()}
    assert posts["3EB0EDIT000000000001"]["status"] == "RECEIVED"
    assert posts["3EB0EDIT000000000001"]["original_text"] == edited
    assert (posts["3EB0DEL0000000000001"]["status"], posts["3EB0DEL0000000000001"]["reason"]) == (
        "FILTERED",
        "deleted_in_source",
    )
    await intake_all(deps, pg, _now(), links)
    rows = await pg.deliveries()
    live = {(d["source_message_id"], d["status"]) for d in rows}
    assert live == {("3EB0EDIT000000000001", "QUEUED"), ("3EB0DEL0000000000001", "CANCELLED")}
    (post,) = [p for p in await pg.posts() if p["source_message_id"] == "3EB0EDIT000000000001"]
    assert "279,90" in post["text"]
    assert json.loads(post["links"]) == []
