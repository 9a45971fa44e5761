"""``balcao run``'s children, kept running: a child that exits while the platform is
up (a crash, an OOM kill, a lost dependency it gave up on) is logged and started again
after a back-off that doubles up to a ceiling, and starts over once the child has stayed
up for a while. Stopping sends SIGINT to every child and waits, then kills.

Plain ``subprocess`` and a poll loop: the children are three or four long-lived
processes, and the loop must keep working while PostgreSQL or Redis are down."""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

log = logging.getLogger("balcao.run")


@dataclass(frozen=True)
class Backoff:
    first: float = 1.0
    ceiling: float = 30.0
    stable_after: float = 60.0  # up this long, the next crash starts from `first` again

    def delay(self, failures: int) -> float:
        return min(self.ceiling, self.first * 2.0 ** max(failures - 1, 0))


@dataclass
class Child:
    name: str
    argv: Sequence[str]
    env: dict[str, str] | None = None
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None
    restarts: int = 0

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid


@dataclass
class Supervisor:
    children: list[Child]
    backoff: Backoff = field(default_factory=Backoff)
    say: Callable[[str], None] = log.warning
    clock: Callable[[], float] = time.monotonic

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)

    def _spawn(self, child: Child) -> None:
        child.process = subprocess.Popen(list(child.argv), env=child.env)
        child.started_at = self.clock()
        child.restart_at = None
        self.say(f"started {child.name} (pid {child.process.pid})")

    def poll(self) -> None:
        """Notice exited children and start those whose back-off is over."""
        now = self.clock()
        for child in self.children:
            process = child.process
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    self._spawn(child)
                continue
            if process is None or process.poll() is None:
                continue
            if now - child.started_at >= self.backoff.stable_after:
                child.failures = 0
            child.failures += 1
            delay = self.backoff.delay(child.failures)
            child.restart_at = now + delay
            self.say(
                f"{child.name} (pid {process.pid}) exited with code {process.returncode};"
                f" restarting in {delay:.0f} s"
            )

    def alive(self, name: str) -> bool:
        return any(
            c.name == name and c.process is not None and c.process.poll() is None
            for c in self.children
        )

    def stop(self, timeout: float = 15.0) -> None:
        running = [c.process for c in self.children if c.process and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGINT)
        for process in running:
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
