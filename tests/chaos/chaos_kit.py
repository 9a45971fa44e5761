"""Real processes for the chaos tests: ``balcao worker`` and ``balcao api`` started as a
user starts them (``python -m app.cli …`` with env), killed with SIGKILL, and the hooks
that make a kill land at a chosen point without fixed sleeps:

- a stand-in holds its answer (``hold_next``) until the test has set up the kill;
- :class:`RowLock` holds a PostgreSQL row (or table) lock the process under test needs
  next, and :meth:`RowLock.wait_blocked` returns once a backend is waiting on it: the
  process is parked at that exact statement;
- :func:`leases_run_out` does what the passing of time does after a kill: arq's
  in-progress lease of the dead worker's jobs (the longest job timeout + 10 s) and the
  chat locks it held (180 s) run out, and deferred jobs come due."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import asyncpg
import httpx
from arq.connections import ArqRedis
from arq.constants import default_queue_name, in_progress_key_prefix
from support.webhooks import Db

from app.config import Settings

# What every process of these tests runs with: bursts close 0.3 s after their last
# message, no typing pause, limits that never bind, short back-offs.
FAST_ENV = {
    "BALCAO_MERGE_CONCAT_OVERRIDE": "0.3",
    "BALCAO_MERGE_MAX_WAIT": "5",
    "BALCAO_MERGE_MEDIA_WAIT": "5",
    "BALCAO_RATE_CHAT_PER_SECOND": "1000",
    "BALCAO_RATE_CONNECTION_PER_SECOND": "1000",
    "BALCAO_DELIVERY_TYPING_MS_PER_CHAR": "0",
    "BALCAO_DELIVERY_BACKOFF": "0.05",
    "BALCAO_AI_LLM_BACKOFF": "0.01",
    "BALCAO_AI_LLM_TIMEOUT": "20",
}


def process_env(settings: Settings, data_dir: Path, **extra: str) -> dict[str, str]:
    assert settings.database_url and settings.redis_url
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "BALCAO_SECRET_KEY": settings.secret_key,
        "BALCAO_DATA_DIR": str(data_dir),
        "BALCAO_LOG_JSON": "false",
        "BALCAO_LOG_LEVEL": "WARNING",
        **FAST_ENV,
        **extra,
    }


class Process:
    """One ``balcao <command>`` child; ``kill()`` is a SIGKILL, ``stop()`` a SIGINT."""

    def __init__(self, command: str, env: dict[str, str]) -> None:
        self.command = command
        self.process = subprocess.Popen([sys.executable, "-m", "app.cli", command], env=env)

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        assert self.process.wait(10) == -signal.SIGKILL

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Processes:
    """Every process a test started; all stopped at the end of the test."""

    def __init__(self, settings: Settings, data_dir: Path) -> None:
        self.settings = settings
        self.data_dir = data_dir
        self.started: list[Process] = []

    def worker(self, **extra: str) -> Process:
        return self._start("worker", **extra)

    def runner(self, **extra: str) -> Process:
        return self._start("runner", **extra)

    async def api(self, port: int, **extra: str) -> Process:
        process = self._start("api", BALCAO_PORT=str(port), **extra)
        await wait_ready(f"http://127.0.0.1:{port}", process)
        return process

    def _start(self, command: str, **extra: str) -> Process:
        process = Process(command, process_env(self.settings, self.data_dir, **extra))
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            process.stop()


async def wait_ready(url: str, process: Process, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=1) as client:
        while time.monotonic() < deadline:
            assert process.process.poll() is None, f"{process.command} exited"
            try:
                if (await client.get(f"{url}/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{url}/ready never answered 200")


async def wait_for(
    check: Callable[[], Awaitable[Any]], what: str, timeout: float = 60.0, every: float = 0.05
) -> Any:
    """Poll ``check`` (a read of PostgreSQL or a stand-in) until it returns a truthy value."""
    deadline = time.monotonic() + timeout
    while True:
        found = await check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(every)


class RowLock:
    """A transaction of the test's own holding a lock (``statement``) until the block
    ends (rolled back). ``lock_timeout`` keeps a lock the code under test already holds
    from hanging the test."""

    def __init__(self, dsn: str, statement: str, *args: Any) -> None:
        self.dsn = dsn.replace("postgresql+asyncpg://", "postgresql://")
        self.statement = statement
        self.args = args
        self.conn: asyncpg.Connection | None = None

    async def __aenter__(self) -> Self:
        self.conn = await asyncpg.connect(self.dsn)
        await self.conn.execute("SET lock_timeout = '10s'")
        await self.conn.execute("BEGIN")
        await self.conn.execute(self.statement, *self.args)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self.conn is not None
        await self.conn.execute("ROLLBACK")
        await self.conn.close()

    async def wait_blocked(self, timeout: float = 30.0) -> None:
        """Returns once another backend waits for this lock."""
        assert self.conn is not None
        pid = self.conn.get_server_pid()
        dsn = self.dsn

        async def blocked() -> bool:
            conn = await asyncpg.connect(dsn)
            try:
                waiting = await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
                    pid,
                )
            finally:
                await conn.close()
            return bool(waiting)

        await wait_for(blocked, "a backend blocked on the test's lock", timeout)


async def leases_run_out(redis: ArqRedis, db: Db) -> None:
    """What time does after a worker died mid-job: its jobs' in-progress leases, its chat
    locks and its send claims (message.send_claimed_until) expire, and deferred jobs (the
    responder's delivery safety net) come due."""
    for pattern in (f"{in_progress_key_prefix}*", "balcao:lock:*"):
        async for key in redis.scan_iter(match=pattern):
            await redis.delete(key)
    await db.fetch(
        "UPDATE message SET send_claimed_until = now() - interval '1 second'"
        " WHERE send_claimed_until > now()"
    )
    await jobs_come_due(redis)


async def jobs_come_due(redis: ArqRedis) -> None:
    """Deferred jobs are due now (safe at any time: a job runs when it runs)."""
    now_ms = int(time.time() * 1000)
    for job_id, score in await redis.zrange(default_queue_name, 0, -1, withscores=True):
        if score > now_ms:
            await redis.zadd(default_queue_name, {job_id: now_ms})


async def queue_drained(redis: ArqRedis, timeout: float = 60.0) -> None:
    """Every queued job ran (crons, which come and go on their own, aside)."""

    async def empty() -> bool:
        jobs = await redis.zrange(default_queue_name, 0, -1)
        return not [j for j in jobs if not j.decode().startswith("cron:")]

    await wait_for(empty, "the queue to drain", timeout)
