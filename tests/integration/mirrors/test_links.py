"""Offers with store links, end to end: the short link expanded and tagged with the
organization's affiliate id in what is posted, Shopee through its signed API (the
stand-in checks the signature), a failed rewrite parked, and the same product posted
by another source with other words skipped by its product id; a lower price re-opens."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from arq.connections import ArqRedis
from mirrorkit import (
    DEST_A,
    DEST_B,
    SOURCE_2,
    Pg,
    create_mirror,
    deliver_all,
    intake_all,
    offer_body,
    post_now,
    send_offer,
)
from standins.affiliate_apis import SHOPEE_APP_ID, SHOPEE_SECRET, AffiliateStandIn
from standins.provider_apis import EvolutionStandIn
from support.orgs import Org
from support.webhooks import Client, Hook

from app.config import Settings
from app.mirrors.links import LinkService
from workers.context import WorkerContext

AFFILIATE = {
    "amazonTag": "padaria-20",
    "shopee": {"appId": SHOPEE_APP_ID, "secret": SHOPEE_SECRET},
}
JBL = "🎧 *Fone JBL Tune 520BT* por R$ 199,90\n👉 https://amzn.to/3xyzJBL"


def _now() -> datetime:
    return datetime.now(UTC)


async def test_an_amazon_short_link_is_expanded_tagged_and_posted(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
    redis: ArqRedis,
    evolution_api: EvolutionStandIn,
    web: AffiliateStandIn,
) -> None:
    mirror = await create_mirror(client, org, hook, affiliate=AFFILIATE)
    pg = Pg(settings)
    await send_offer(client, hook, offer_body(JBL))
    assert await intake_all(deps, pg, _now(), links) == ["QUEUED"]
    assert "amzn.to" in web.hosts()
    assert await post_now(deps, _now()) == 2
    await deliver_all(deps, redis, pg)
    sent = [json.loads(r.body) for r in evolution_api.requests if "/message/sendText/" in r.path]
    assert sorted(s["number"] for s in sent) == [DEST_A, DEST_B]
    for body in sent:
        assert "https://www.amazon.com.br/dp/B0C1JBL520?tag=padaria-20" in body["text"]
        assert "outrapromo" not in body["text"] and "amzn.to" not in body["text"]
        assert body["text"].startswith("🎧 *Fone JBL Tune 520BT* por R$ 199,90")
    (post,) = (
        await client.get(f"/api/v1/mirrors/{mirror['id']}/posts", headers=org.headers)
    ).json()["data"]
    assert post["store"] == "AMAZON" and post["priceCents"] == 19990
    (link,) = post["links"]
    assert link["original"] == "https://amzn.to/3xyzJBL"
    assert link["rewritten"] == "https://www.amazon.com.br/dp/B0C1JBL520?tag=padaria-20"


async def test_a_shopee_link_goes_through_the_signed_api(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
    web: AffiliateStandIn,
) -> None:
    await create_mirror(client, org, hook, affiliate=AFFILIATE)
    pg = Pg(settings)
    await send_offer(
        client, hook, offer_body("👟 Tênis R$ 89,90\n👉 https://s.shopee.com.br/7AbCdEfGh")
    )
    assert await intake_all(deps, pg, _now(), links) == ["QUEUED"]
    assert any(r.path == "/graphql" for r in web.requests)
    (post,) = await pg.posts()
    assert post["store"] == "SHOPEE"
    (link,) = json.loads(post["links"])
    assert link["rewritten"].startswith("https://s.shopee.com.br/")
    assert link["rewritten"] != "https://s.shopee.com.br/7AbCdEfGh"
    assert link["rewritten"] in post["text"]


async def test_a_rewrite_that_fails_is_parked_for_review(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
) -> None:
    await create_mirror(
        client, org, hook, affiliate={"shopee": {"appId": SHOPEE_APP_ID, "secret": "errado"}}
    )
    pg = Pg(settings)
    await send_offer(client, hook, offer_body("Tênis R$ 89,90 https://s.shopee.com.br/7AbCdEfGh"))
    assert await intake_all(deps, pg, _now(), links) == ["REWRITE_FAILED"]
    (post,) = await pg.posts()
    assert "Invalid Signature" in post["reason"]
    assert await pg.deliveries() == []
    assert await post_now(deps, _now()) == 0


async def test_the_same_product_in_other_words_is_skipped_and_a_lower_price_reopens(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
) -> None:
    await create_mirror(client, org, hook, affiliate=AFFILIATE, destinationGroupIds=[DEST_A])
    pg = Pg(settings)
    await send_offer(client, hook, offer_body(JBL))
    await intake_all(deps, pg, _now(), links)
    other_words = (
        "CORRE!!! JBL 520BT saindo a R$ 199,90 "
        "https://www.amazon.com.br/dp/B0C1JBL520?tag=outrapromo-20"
    )
    await send_offer(client, hook, offer_body(other_words, group=SOURCE_2))
    await intake_all(deps, pg, _now(), links)
    cheaper = "Baixou! JBL 520BT por R$ 179,90 https://amzn.to/3xyzJBL"
    await send_offer(client, hook, offer_body(cheaper, group=SOURCE_2))
    await intake_all(deps, pg, _now(), links)
    posts = await pg.posts()
    assert [(p["status"], p["price_cents"]) for p in posts] == [
        ("QUEUED", 19990),
        ("DUPLICATE", 19990),
        ("QUEUED", 17990),
    ]
    assert len({p["offer_key"] for p in posts}) == 1
