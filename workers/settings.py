"""WorkerSettings: the one registry of jobs and crons. Shared clients are built once
in on_startup and handed to every job through ``ctx``."""

from __future__ import annotations

from typing import Any

from arq import cron, func
from arq.connections import RedisSettings

from app.ai.config import load_ai_config
from app.config import load_settings
from app.db.engine import make_engine, make_sessionmaker
from app.secret_key import ensure_secret_key
from workers.ai_cron import emit_ai_unblocked
from workers.cron import relay_outbox_job
from workers.deliver import deliver_message
from workers.respond import respond_turn
from workers.respond_deps import build_ai_deps

_settings = load_settings()
_ai = load_ai_config()

FUNCTIONS: list[Any] = [
    # The model call retries inside the job (llm_attempts); arq retries only a run that
    # died, and a re-run of a decided turn just re-enqueues its undelivered messages.
    func(respond_turn, name="respond_turn", max_tries=3),
    # Send failures are counted by the job itself (delivery_tries); arq's tries also
    # count re-queues while the chat is busy, hence the headroom.
    func(deliver_message, name="deliver_message", max_tries=_ai.delivery_tries * 10),
]


async def on_startup(ctx: dict[str, Any]) -> None:
    settings = ensure_secret_key(load_settings())
    if not settings.database_url:
        raise RuntimeError("DATABASE_URL is not set (balcao run sets it)")
    engine = make_engine(settings.database_url)
    ctx["settings"] = settings
    ctx["engine"] = engine
    ctx["sessionmaker"] = make_sessionmaker(engine)
    ctx["ai"] = build_ai_deps(settings, engine, _ai)


async def on_shutdown(ctx: dict[str, Any]) -> None:
    ai = ctx.get("ai")
    if ai is not None:
        await ai.aclose()
    engine = ctx.get("engine")
    if engine is not None:
        await engine.dispose()


class WorkerSettings:
    functions: list[Any] = FUNCTIONS
    cron_jobs = [
        cron(relay_outbox_job, second=set(range(0, 60, 5)), run_at_startup=True, unique=True),
        cron(emit_ai_unblocked, second=set(range(0, 60, 15)), unique=True),
    ]
    on_startup = on_startup
    on_shutdown = on_shutdown
    redis_settings = RedisSettings.from_dsn(_settings.redis_url or "redis://127.0.0.1:6379/0")
    max_jobs = 50
    job_timeout = 300
    keep_result = 60
