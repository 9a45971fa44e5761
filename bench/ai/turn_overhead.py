"""AI turn overhead: from a turn firing (respond_turn enqueued) to the provider's send
request, with the model's own time excluded (the OpenAI stand-in answers at once; its
in-handler time is measured on its side and subtracted).

    uv run python bench/ai/turn_overhead.py [turns]

Starts its own PostgreSQL and Redis (tests/support/stack.py), a real arq worker
(poll_delay 10 ms) with respond_turn/deliver_message, the OpenAI stand-in through the real
openai SDK, and the NATIVE send stand-in. Turns run one at a time, each in its own session.
Prints p50/p95/p99 of: fire → send request (end to end, incl. the queue pick-up), job
start → send request (the responder's own overhead), and the model's time.
"""

from __future__ import annotations

import asyncio
import queue
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import asyncpg  # noqa: E402
from arq import Worker, func  # noqa: E402
from arq.connections import RedisSettings, create_pool  # noqa: E402
from standins.openai_server import OpenAIStandin  # noqa: E402
from standins.provider_apis import NativeStandIn, Recorded, Reply  # noqa: E402
from support.orgs import make_org  # noqa: E402
from support.stack import Stack  # noqa: E402

from app.config import Settings  # noqa: E402
from app.db.engine import make_engine  # noqa: E402
from workers.config import JobConfig  # noqa: E402
from workers.context import CONTEXT_KEY, build_context  # noqa: E402
from workers.deliver import deliver_message  # noqa: E402
from workers.respond import respond_turn  # noqa: E402

CONFIG = JobConfig(
    typing_ms_per_char=0,
    chat_rate=1e6,
    chat_burst=10**6,
    connection_rate=1e6,
    connection_burst=10**6,
)


class TimedNative(NativeStandIn):
    """Stamps each send request on arrival (same process: perf_counter is comparable)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: queue.Queue[float] = queue.Queue()

    def handle(self, request: Recorded) -> Reply:
        at = time.perf_counter()
        reply = super().handle(request)
        self.sent.put(at)
        return reply


class TimedLlm(OpenAIStandin):
    def __init__(self) -> None:
        super().__init__(chat_text="Resposta.")
        self.spent: list[float] = []

    def _chat_body(self, payload: Any, reply: Any) -> dict[str, Any]:
        started = time.perf_counter()
        body = super()._chat_body(payload, reply)
        self.spent.append(time.perf_counter() - started)
        return body


async def seed(
    dsn: str, org_id: str, native: NativeStandIn, llm: OpenAIStandin, n: int
) -> list[str]:
    conn = await asyncpg.connect(dsn)
    try:
        org = uuid.UUID(org_id)
        await conn.execute(
            "INSERT INTO ai_settings (organization_id, provider, base_url, api_key, chat_model)"
            " VALUES ($1, 'CUSTOM', $2, 'sk', 'standin-chat')",
            org,
            llm.base_url,
        )
        import json

        connection = await conn.fetchval(
            "INSERT INTO connection (organization_id, name, provider, config, webhook_token,"
            " handoff_keywords) VALUES ($1, 'bench', 'NATIVE', $2::jsonb, $3,"
            " '[\"atendente\"]'::jsonb) RETURNING id",
            org,
            json.dumps(native.config),
            uuid.uuid4().hex,
        )
        turns = []
        for i in range(n):
            contact = await conn.fetchval(
                "INSERT INTO contact (organization_id, phone_number, name) VALUES ($1, $2, $3)"
                " RETURNING id",
                org,
                f"55119{i:08d}",
                f"Cliente {i}",
            )
            session = await conn.fetchval(
                "INSERT INTO session (organization_id, contact_id, connection_id, status,"
                " started_by) VALUES ($1, $2, $3, 'ACTIVE', 'CUSTOMER') RETURNING id",
                org,
                contact,
                connection,
            )
            message = await conn.fetchval(
                "INSERT INTO message (organization_id, session_id, contact_id, connection_id,"
                " direction, author, type, content, status, provider_message_id)"
                " VALUES ($1, $2, $3, $4, 'IN', 'CUSTOMER', 'TEXT', '{\"text\": \"oi\"}',"
                " 'DELIVERED', $5) RETURNING id",
                org,
                session,
                contact,
                connection,
                f"b{i}",
            )
            turns.append(
                str(
                    await conn.fetchval(
                        "INSERT INTO turn (organization_id, session_id, status, message_ids,"
                        " merged_text, first_message_at, last_message_at, deadline_at,"
                        " fired_at, burst_key, lateness_ms)"
                        " SELECT $1, $2, 'READY', ARRAY[$3::uuid],"
                        " 'Qual o horário de vocês?', created_at, created_at, now(), now(),"
                        " $3::text, 0"
                        " FROM message WHERE id = $3 RETURNING id",
                        org,
                        session,
                        message,
                    )
                )
            )
        return turns
    finally:
        await conn.close()


async def main(n: int, stack: Stack) -> None:
    native, llm = TimedNative(), TimedLlm()
    native.start()
    llm.start()
    try:
        url = stack.pg.url(await stack.create_database())
        settings = Settings(
            database_url=url,
            redis_url=stack.redis_url,
            secret_key="x" * 40,
            data_path=str(stack.root / "data"),
            log_json=False,
        )
        org = await make_org(settings, "Bench", "bench@example.com")
        turns = await seed(url.replace("+asyncpg", ""), org.id, native, llm, n)
        engine = make_engine(url)
        shared = build_context(settings, CONFIG, engine=engine)
        started: dict[str, float] = {}

        async def timed_respond(ctx: dict[str, Any], turn_id: str) -> str:
            started[turn_id] = time.perf_counter()
            return await respond_turn(ctx, turn_id)

        worker = Worker(
            functions=[
                func(timed_respond, name="respond_turn"),
                func(deliver_message, name="deliver_message"),
            ],
            redis_settings=RedisSettings.from_dsn(stack.redis_url),
            poll_delay=0.01,
            handle_signals=False,
            ctx={CONTEXT_KEY: shared},
            max_jobs=50,
            log_results=False,
        )
        running = asyncio.create_task(worker.async_run())
        pool = await create_pool(RedisSettings.from_dsn(stack.redis_url))
        e2e, own = [], []
        for i, turn in enumerate(turns):
            fired = time.perf_counter()
            await pool.enqueue_job("respond_turn", turn)
            # Stamped in the stand-in's thread on arrival; how fast we learn of it is moot.
            arrived = await asyncio.to_thread(native.sent.get, True, 30)
            model = llm.spent[i] if i < len(llm.spent) else 0.0
            e2e.append((arrived - fired - model) * 1000)
            own.append((arrived - started[turn] - model) * 1000)
        running.cancel()
        await pool.aclose()
        await shared.aclose()
        await engine.dispose()
        skip = min(20, n // 10)  # warm-up: first connections, prepared statements
        report("fire → send request (incl. queue pick-up)", e2e[skip:])
        report("job start → send request (responder overhead)", own[skip:])
        report("model (stand-in handler)", [s * 1000 for s in llm.spent[skip:]])
    finally:
        native.stop()
        llm.stop()


def report(name: str, values: list[float]) -> None:
    values = sorted(values)
    q = statistics.quantiles(values, n=100)
    print(
        f"{name:50s} n={len(values)}  p50={q[49]:6.1f} ms  p95={q[94]:6.1f} ms  "
        f"p99={q[98]:6.1f} ms  max={values[-1]:6.1f} ms"
    )


if __name__ == "__main__":
    started_stack = Stack.start()  # outside the loop: it runs its own asyncio.run
    try:
        asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300, started_stack))
    finally:
        started_stack.stop()
