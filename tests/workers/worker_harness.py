"""Real arq workers for the worker tests, with the job registry of workers.settings and
tiny timings."""

from __future__ import annotations

import asyncio
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
from arq import Worker
from arq.connections import RedisSettings

from app.config import Settings
from workers.config import JobConfig
from workers.deps import build_deps
from workers.settings import FUNCTIONS

MEDIA = Path(__file__).resolve().parents[1] / "fixtures" / "media"

# Tiny timings: a burst closes 0.3 s after its last message instead of 5-8 s.
FAST = JobConfig(
    merge_max_wait=5.0,
    merge_media_wait=10.0,
    merge_concat_override=0.3,
    media_allow_private=True,  # the stand-in servers listen on 127.0.0.1
    media_max_tries=2,
    media_retry_delay=0.05,
    llm_timeout=5.0,
    llm_attempts=2,
    llm_retry_delay=0.01,
)


@dataclass
class Workers:
    """Runs real arq workers (``burst=True``: they return once the queue, deferred jobs
    included, is empty) with the job registry of workers.settings."""

    settings: Settings
    config: JobConfig = FAST
    last: list[Worker] = field(default_factory=list)

    def with_config(self, **changes: Any) -> Workers:
        self.config = msgspec.structs.replace(self.config, **changes)
        return self

    def _worker(self) -> Worker:
        settings, config = self.settings, self.config

        async def startup(ctx: dict[str, Any]) -> None:
            ctx["deps"] = build_deps(settings, config)

        async def shutdown(ctx: dict[str, Any]) -> None:
            await ctx["deps"].aclose()

        assert settings.redis_url
        return Worker(
            functions=FUNCTIONS,
            redis_settings=RedisSettings.from_dsn(settings.redis_url),
            burst=True,
            poll_delay=0.05,
            handle_signals=False,
            on_startup=startup,
            on_shutdown=shutdown,
            max_jobs=50,
            log_results=False,
        )

    async def run(self, count: int = 1) -> list[Worker]:
        self.last = [self._worker() for _ in range(count)]
        try:
            await asyncio.gather(*(worker.async_run() for worker in self.last))
        finally:
            for worker in self.last:
                # arq 0.28 closes its pool with redis' deprecated close().
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)
                    await worker.close()
        return self.last
