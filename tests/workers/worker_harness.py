"""Real arq workers for the worker tests, with the job registry of workers.settings and
tiny timings. The responder and delivery are stand-ins here (tests/ai runs the real
ones), so the turns these tests check stay as the merge left them."""

from __future__ import annotations

import asyncio
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
from arq import Worker, func
from arq.worker import Function

from app.config import Settings
from workers.config import JobConfig
from workers.context import CONTEXT_KEY, build_context, context
from workers.deliver import deliver_message
from workers.respond import respond_turn
from workers.settings import FUNCTIONS, worker_redis_settings

MEDIA = Path(__file__).resolve().parents[1] / "fixtures" / "media"
LEFT_OUT = {"respond_turn": respond_turn, "deliver_message": deliver_message}


async def _left_out(ctx: dict[str, Any], *args: Any) -> str:
    return "left to tests/ai"


def jobs() -> list[Any]:
    """workers.settings.FUNCTIONS as it is now (a test may swap a job in), with the
    real responder and delivery replaced."""
    return [
        func(_left_out, name=job.name)
        # The registry wraps each job (workers.outage); functools.wraps keeps the real one.
        if isinstance(job, Function)
        and LEFT_OUT.get(job.name) is getattr(job.coroutine, "__wrapped__", job.coroutine)
        else job
        for job in FUNCTIONS
    ]


# Tiny timings: a burst closes 0.3 s after its last message instead of 5-8 s.
FAST = JobConfig(
    merge_max_wait=5.0,
    merge_media_wait=10.0,
    merge_concat_override=0.3,
    media_allow_private=True,  # the stand-in servers listen on 127.0.0.1
    media_max_tries=2,
    media_retry_delay=0.05,
    media_llm_timeout=5.0,
    media_llm_attempts=2,
    media_llm_retry_delay=0.01,
)


@dataclass
class Workers:
    """Runs real arq workers (``burst=True``: they return once the queue, deferred jobs
    included, is empty) with the job registry of workers.settings (see LEFT_OUT)."""

    settings: Settings
    config: JobConfig = FAST
    last: list[Worker] = field(default_factory=list)

    def with_config(self, **changes: Any) -> Workers:
        self.config = msgspec.structs.replace(self.config, **changes)
        return self

    def _worker(self) -> Worker:
        settings, config = self.settings, self.config

        async def startup(ctx: dict[str, Any]) -> None:
            ctx[CONTEXT_KEY] = build_context(settings, config)

        async def shutdown(ctx: dict[str, Any]) -> None:
            await context(ctx).aclose()

        assert settings.redis_url
        return Worker(
            functions=jobs(),
            redis_settings=worker_redis_settings(settings.redis_url),
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
