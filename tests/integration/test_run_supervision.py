"""``balcao run`` as a user starts it (against the suite's PostgreSQL and Redis): a
SIGKILLed worker or runner is started again by itself and the platform stays ready;
SIGINT stops everything it started."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from support.stack import Stack

from app.devstack import free_port

STARTED = re.compile(r"started (\w+) \(pid (\d+)\)")


class Run:
    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        self.pids: dict[str, list[int]] = {}
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._changed:
                self.lines.append(f"{time.monotonic():.1f} {line}")
                found = STARTED.search(line)
                if found:
                    self.pids.setdefault(found[1], []).append(int(found[2]))
                self._changed.notify_all()

    def wait_for_start(self, name: str, count: int, timeout: float = 180.0) -> int:
        with self._changed:
            ok = self._changed.wait_for(lambda: len(self.pids.get(name, [])) >= count, timeout)
        assert ok, f"{name} was not started {count} times:\n{''.join(self.lines[-40:])}"
        return self.pids[name][count - 1]


def _ready(url: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url}/ready never answered 200")


@pytest.fixture
def platform(stack: Stack, database: str, tmp_path: object) -> Iterator[tuple[Run, str]]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "REDIS_URL": stack.redis_url,
        "BALCAO_PORT": str(port),
        "BALCAO_SECRET_KEY": "run-test-secret-" + "x" * 32,
        "BALCAO_DATA_DIR": str(tmp_path),
        "BALCAO_LOG_JSON": "false",
        "BALCAO_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "run"], env=env, stderr=subprocess.PIPE, text=True
    )
    run = Run(process)
    try:
        yield run, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stderr is not None:
            process.stderr.close()


def test_a_killed_worker_and_runner_come_back_by_themselves(platform: tuple[Run, str]) -> None:
    run, url = platform
    _ready(url)
    for name in ("worker", "runner"):
        first = run.wait_for_start(name, 1)
        os.kill(first, signal.SIGKILL)
        second = run.wait_for_start(name, 2)
        assert second != first
        assert any(f"{name} (pid {first}) exited with code -9" in line for line in run.lines)
    _ready(url)
    run.process.send_signal(signal.SIGINT)
    assert run.process.wait(30) == 0
    for name in ("api", "worker", "runner"):
        with pytest.raises(ProcessLookupError):
            os.kill(run.pids[name][-1], 0)
