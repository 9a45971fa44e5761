"""Jobs with an id go into Redis in one pipeline, with arq's own rule: an id already
queued, or done with its result kept, is not queued again; arq reads what we wrote."""

from __future__ import annotations

import time
from typing import Any

from arq import Worker, func
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import default_queue_name
from support.webhooks import Db

from app.db.engine import make_engine
from app.outbox import flush_outbox, outbox_row, write_outbox

RAN: list[str] = []


async def noted(ctx: dict[str, Any], value: str) -> str:
    RAN.append(value)
    return value


async def _flush(settings: Any, arq: ArqRedis, *rows: Any) -> int:
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            jobs = await write_outbox(conn, list(rows))
        return await flush_outbox(engine, arq, jobs)
    finally:
        await engine.dispose()


async def test_an_id_is_queued_once_and_not_again_once_its_result_is_kept(settings: Any) -> None:
    RAN.clear()
    arq = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    try:
        first = outbox_row("noted", "a", job_id="noted:a")
        later = outbox_row("noted", "b", job_id="noted:b", defer=3)
        assert (
            await _flush(settings, arq, first, later, outbox_row("noted", "a", job_id="noted:a"))
            == 3
        )
        assert await _flush(settings, arq, outbox_row("noted", "a", job_id="noted:a")) == 1
        queued = {j.job_id: j for j in await arq.queued_jobs()}
        assert sorted(queued) == ["noted:a", "noted:b"]  # the repeats were no-ops
        assert queued["noted:a"].args == ("a",) and queued["noted:a"].function == "noted"
        scores = dict(await arq.zrange(default_queue_name, 0, -1, withscores=True))
        now_ms = time.time() * 1000
        assert scores[b"noted:b"] - now_ms > 2_000  # deferred as asked
        assert await Db(settings.database_url).val("SELECT count(*) FROM outbox") == 0

        worker = Worker(
            functions=[func(noted, name="noted")],
            redis_pool=arq,
            burst=True,
            poll_delay=0.01,
            handle_signals=False,
            keep_result=3600,
        )
        await worker.main()
        assert RAN == ["a", "b"]  # once each, b after its deferral
        # Done with its result kept: the same id is refused, as arq's enqueue_job does.
        assert await _flush(settings, arq, first, later) == 2
        assert await arq.queued_jobs() == []
    finally:
        await arq.aclose()
