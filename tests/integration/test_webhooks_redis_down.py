"""With Redis stopped, webhooks still answer 2xx and nothing is lost: the follow-up
jobs wait in the outbox and reach the queue once Redis is back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool
from support.orgs import Org
from support.stack import Stack
from support.webhooks import Client, Db, make_connection, post
from test_webhooks import native

from app.db.engine import make_engine
from app.outbox import relay_outbox


async def test_webhooks_survive_a_redis_outage(
    client: Client, org: Org, settings: Any, stack: Stack
) -> None:
    hook = await make_connection(client, org, "native", {"sendUrl": "http://127.0.0.1:9/"})
    db = Db(settings.database_url)
    assert (await post(client, hook, native("before"))).status_code == 200
    # Its jobs are enqueued just after the answer: let that happen before the outage, so
    # the outbox holds exactly the outage's jobs (else a race: 5 or 6 rows).
    await db.outbox_drained()
    stack.redis.stop()
    try:
        for i in range(5):
            response = await post(client, hook, native(f"during-{i}", sender=f"55119876543{i:02d}"))
            assert response.status_code == 200
            assert response.json() == {"accepted": 1, "duplicates": 0}
        assert (await client.get("/ready")).status_code == 503
    finally:
        stack.redis.start(persist=False)
    assert await db.val("SELECT count(*) FROM message") == 6
    waiting = await db.outbox_jobs()
    assert sorted(job for job, _ in waiting).count("merge_burst") == 5
    arq: ArqRedis = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        relayed = await relay_outbox(engine, arq, grace=timedelta(0))
        assert relayed == len(waiting)
        queued = await arq.queued_jobs()
    finally:
        await arq.aclose()
        await engine.dispose()
    assert await db.outbox_jobs() == []
    merge_args = {tuple(j.args) for j in queued if j.function == "merge_burst"}
    during = await db.fetch(
        "SELECT session_id::text AS s, id::text AS m FROM message"
        " WHERE provider_message_id LIKE 'during-%'"
    )
    assert {(r["s"], r["m"]) for r in during} <= merge_args
