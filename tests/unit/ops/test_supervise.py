"""The supervisor of ``balcao run`` with real child processes: an exited child is
started again after a back-off that doubles, and a child that stayed up resets it."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from app.supervise import Backoff, Child, Supervisor

CRASH = [sys.executable, "-c", "import sys; sys.exit(3)"]
SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]


def _wait(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_backoff_doubles_up_to_its_ceiling() -> None:
    backoff = Backoff(first=1, ceiling=30)
    assert [backoff.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_crashing_child_is_restarted_with_growing_delays() -> None:
    said: list[str] = []
    child = Child("worker", CRASH)
    supervisor = Supervisor([child], Backoff(first=0.05, ceiling=0.2, stable_after=60), said.append)
    supervisor.start()
    pids = {child.pid}
    try:
        _wait(lambda: (supervisor.poll(), child.restarts >= 3)[1])
        pids.add(child.pid)
    finally:
        supervisor.stop()
    assert child.failures >= 3
    assert len(pids) == 2
    exits = [line for line in said if "exited with code 3" in line]
    assert len(exits) >= 3
    assert "restarting in 0 s" in exits[0]


def test_a_child_that_stayed_up_starts_its_backoff_over() -> None:
    clock = [0.0]
    child = Child("runner", SLEEP)
    supervisor = Supervisor(
        [child], Backoff(first=1, ceiling=30, stable_after=60), lambda _: None, lambda: clock[0]
    )
    supervisor.start()
    try:
        child.failures = 4  # it crashed often before
        first = child.process
        assert first is not None
        first.kill()
        first.wait()
        clock[0] = 61.0  # but this run lasted longer than stable_after
        supervisor.poll()
        assert child.failures == 1
        assert child.restart_at == 62.0
        clock[0] = 62.0
        supervisor.poll()
        assert supervisor.alive("runner")
        assert child.process is not first
    finally:
        supervisor.stop()
    assert not supervisor.alive("runner")
