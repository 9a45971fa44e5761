"""An offer with a photo is re-sent as a new image with the rewritten caption, once the
source's file is stored; a post whose intake job was lost is found again by the
reconciler from PostgreSQL alone; the other providers' real group payloads reach
intake too."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from arq import Retry
from arq.connections import ArqRedis
from mirrorkit import (
    DEST_A,
    FIXTURES,
    Pg,
    create_mirror,
    deliver_all,
    intake_all,
    post_now,
    send_offer,
)
from standins.provider_apis import EvolutionStandIn
from support.orgs import Org
from support.webhooks import Client, Hook, make_connection, post

from app.config import Settings
from app.mirrors.links import LinkService
from workers.context import CONTEXT_KEY, WorkerContext
from workers.media_job import process_media
from workers.mirror import intake
from workers.reconcile import forget_sentinel, reconcile

PAYLOADS = Path(__file__).parents[2] / "fixtures" / "payloads"


def _now() -> datetime:
    return datetime.now(UTC)


async def test_a_photo_offer_is_re_sent_with_the_rewritten_caption(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
    redis: ArqRedis,
    evolution_api: EvolutionStandIn,
) -> None:
    await create_mirror(
        client, org, hook, destinationGroupIds=[DEST_A], affiliate={"amazonTag": "padaria-20"}
    )
    pg = Pg(settings)
    body = (FIXTURES / "evolution.offer.group.image.json").read_bytes()
    await send_offer(client, hook, body)
    (post_row,) = await pg.posts()
    # The photo is not stored yet: intake waits for it rather than post text alone.
    with pytest.raises(Retry):
        await intake(deps, post_row["id"], _now(), links=links, job_try=1)
    ctx = {CONTEXT_KEY: deps, "redis": redis, "job_try": 1}
    await process_media(ctx, str(post_row["message_id"]))
    assert await intake_all(deps, pg, _now(), links) == ["QUEUED"]
    (post_row,) = await pg.posts()
    assert post_row["media_key"]
    assert await post_now(deps, _now()) == 1
    await deliver_all(deps, redis, pg)
    (sent,) = [r for r in evolution_api.requests if "/message/sendMedia/" in r.path]
    payload = json.loads(sent.body)
    assert payload["number"] == DEST_A and payload["mediatype"] == "image"
    assert payload["caption"].startswith("🎧 *Fone JBL Tune 520BT* por R$ 199,90")
    assert "https://www.amazon.com.br/dp/B0C1JBL520?tag=padaria-20" in payload["caption"]
    assert not [r for r in evolution_api.requests if "forward" in r.path.lower()]
    (delivery,) = await pg.deliveries()
    assert delivery["status"] == "POSTED"


async def test_the_reconciler_finds_a_post_whose_intake_was_lost(
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    redis: ArqRedis,
) -> None:
    # Even on a number that answers groups, a mirror's source group is no conversation.
    patched = await client.patch(
        f"/api/v1/connections/{hook.id}", json={"allowGroups": True}, headers=org.headers
    )
    assert patched.status_code == 200, patched.text
    await create_mirror(client, org, hook)
    pg = Pg(settings)
    await send_offer(client, hook, (FIXTURES / "evolution.offer.group.json").read_bytes())
    assert "merge_burst" not in {r["job"] for r in await pg.fetch("SELECT job FROM outbox")}
    await redis.flushall()  # Redis loses the queued intake job
    await forget_sentinel(redis)
    counts = await reconcile({CONTEXT_KEY: deps, "redis": redis})
    assert counts["intake_mirror_post"] == 1
    assert counts["merge_burst"] == 0  # a source group's message is no customer's burst
    (post_row,) = await pg.posts()
    queued = await redis.zrange("arq:queue", 0, -1)
    assert any(f"reconcile:intake_mirror_post:{post_row['id']}".encode() == key for key in queued)


@pytest.mark.parametrize(
    ("provider", "name", "chat"),
    [
        ("waha", "message.group.noweb.json", None),
        ("uazapi", "messages.group.json", None),
    ],
)
async def test_other_providers_group_messages_reach_intake_once(
    client: Client, settings: Settings, org: Org, provider: str, name: str, chat: str | None
) -> None:
    hook = await make_connection(client, org, provider)
    expected = json.loads(
        (PAYLOADS / provider / name.replace(".json", ".expected.json")).read_text()
    )
    expected = expected[0] if isinstance(expected, list) else expected
    await create_mirror(
        client,
        org,
        hook,
        sourceGroupIds=[expected["chat_id"]],
        destinationGroupIds=["1203639@g.us"],
    )
    body = (PAYLOADS / provider / name).read_bytes()
    for _ in range(2):
        response = await post(client, hook, body)
        assert response.status_code == 200, response.text
    pg = Pg(settings)
    (post_row,) = await pg.posts()
    assert post_row["source_message_id"] == expected["message_id"]
    assert post_row["original_text"] == (expected["text"] or "")
