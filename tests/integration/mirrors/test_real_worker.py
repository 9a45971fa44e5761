"""The whole path through a real arq worker (burst mode, the job registry of
workers.settings): the webhook's outbox enqueues intake, intake nudges the posting
job, posting enqueues delivery, and the Evolution stand-in receives each post once."""

from __future__ import annotations

import json
import warnings
from typing import Any

from arq import Worker
from mirrorkit import DEST_A, DEST_B, FAST, OFFER, Pg, create_mirror, offer_body, send_offer
from standins.provider_apis import EvolutionStandIn
from support.orgs import Org
from support.webhooks import Client, Db, Hook

from app.config import Settings
from workers.context import CONTEXT_KEY, build_context, context
from workers.settings import FUNCTIONS, worker_redis_settings


async def _run_worker(settings: Settings) -> None:
    async def startup(ctx: dict[str, Any]) -> None:
        ctx[CONTEXT_KEY] = build_context(settings, FAST)

    async def shutdown(ctx: dict[str, Any]) -> None:
        await context(ctx).aclose()

    assert settings.redis_url
    worker = Worker(
        functions=FUNCTIONS,
        redis_settings=worker_redis_settings(settings.redis_url),
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
        on_startup=startup,
        on_shutdown=shutdown,
        log_results=False,
    )
    try:
        await worker.async_run()
    finally:
        with warnings.catch_warnings():  # arq 0.28 closes its pool with a deprecated call
            warnings.simplefilter("ignore", DeprecationWarning)
            await worker.close()


async def test_an_offer_goes_webhook_to_groups_through_the_queue(
    client: Client, settings: Settings, org: Org, hook: Hook, evolution_api: EvolutionStandIn
) -> None:
    await create_mirror(client, org, hook)
    await send_offer(client, hook, offer_body())
    assert settings.database_url
    await Db(settings.database_url).outbox_drained()
    await _run_worker(settings)
    pg = Pg(settings)
    (post,) = await pg.posts()
    assert post["status"] == "POSTED"
    sent = [json.loads(r.body) for r in evolution_api.requests if "/message/sendText/" in r.path]
    assert sorted(s["number"] for s in sent) == [DEST_A, DEST_B]
    assert all(s["text"] == OFFER for s in sent)
    await _run_worker(settings)  # run again: nothing new
    assert len([r for r in evolution_api.requests if "/message/sendText/" in r.path]) == 2
