"""A real ``balcao worker`` process keeps running while Redis restarts empty, and runs
the jobs enqueued once Redis is back: it waits for Redis instead of exiting."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from arq.connections import RedisSettings, create_pool
from arq.jobs import Job, JobStatus
from support.stack import Stack


@pytest.fixture
def worker(stack: Stack, database: str, tmp_path: object) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "REDIS_URL": stack.redis_url,
        "BALCAO_SECRET_KEY": "worker-test-secret-" + "x" * 32,
        "BALCAO_DATA_DIR": str(tmp_path),
        "BALCAO_LOG_JSON": "false",
        "BALCAO_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "worker"], env=env)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def _run_a_job(redis_url: str, timeout: float = 60.0) -> str:
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        job = await pool.enqueue_job("complete_turn", "00000000-0000-0000-0000-000000000000")
        assert job is not None
        deadline = time.monotonic() + timeout
        while await job.status() != JobStatus.complete:
            assert time.monotonic() < deadline, "the worker did not run the job"
            await _sleep(0.1)
        return str(await Job(job.job_id, pool).result(timeout=5))
    finally:
        await pool.aclose()


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


async def test_the_worker_waits_out_a_redis_restart(
    worker: subprocess.Popen[bytes], stack: Stack
) -> None:
    assert await _run_a_job(stack.redis_url) == "missing"
    # Several restarts, at whatever point of its poll loop each one catches the worker
    # (a drop inside arq's WATCH used to end the process with WatchError).
    for down in (3.0, 0.2, 1.0):
        stack.redis.stop()
        await _sleep(down)  # the worker polls a dead Redis meanwhile
        stack.redis.start(persist=False)
        assert await _run_a_job(stack.redis_url) == "missing"
    assert worker.poll() is None, "the worker exited"
