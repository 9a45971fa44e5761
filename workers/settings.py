"""WorkerSettings: the one registry of jobs and crons. Shared clients are built once
in on_startup and handed to every job through ``ctx``."""

from __future__ import annotations

from typing import Any

from arq import cron
from arq.connections import RedisSettings

from app.config import load_settings
from app.db.engine import make_engine, make_sessionmaker
from app.secret_key import ensure_secret_key
from workers.cron import relay_outbox_job
from workers.notify import deliver_webhook, publish_event

_settings = load_settings()


async def on_startup(ctx: dict[str, Any]) -> None:
    settings = ensure_secret_key(load_settings())
    if not settings.database_url:
        raise RuntimeError("DATABASE_URL is not set (balcao run sets it)")
    engine = make_engine(settings.database_url)
    ctx["settings"] = settings
    ctx["engine"] = engine
    ctx["sessionmaker"] = make_sessionmaker(engine)


async def on_shutdown(ctx: dict[str, Any]) -> None:
    engine = ctx.get("engine")
    if engine is not None:
        await engine.dispose()


class WorkerSettings:
    functions: list[Any] = [publish_event, deliver_webhook]
    cron_jobs = [
        cron(relay_outbox_job, second=set(range(0, 60, 5)), run_at_startup=True, unique=True),
    ]
    on_startup = on_startup
    on_shutdown = on_shutdown
    redis_settings = RedisSettings.from_dsn(_settings.redis_url or "redis://127.0.0.1:6379/0")
    max_jobs = 50
    job_timeout = 300
    keep_result = 60
