"""The platform under fire: its own PostgreSQL (durable settings, as in production) and
Redis (no persistence: a restart comes back empty), two ``balcao api``, two
``balcao worker`` and one ``balcao runner`` process started as a user starts them, and
the faults: SIGKILL of
a process (started again a second later, as ``balcao run`` or compose would), Redis
restarted empty, PostgreSQL crashed (``pg_ctl -m immediate``) and started again."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from app.db.migrate import upgrade
from app.devstack import Postgres, Redis, find_pg_bin, free_port

# Cheap but real: bursts close 1 s after their last message, limits that never bind
# (tests/chaos/test_limits.py shows them binding), no typing pause, short back-offs.
WORKER_ENV = {
    "BALCAO_MERGE_CONCAT_OVERRIDE": "1",
    "BALCAO_RATE_CHAT_PER_SECOND": "1000",
    "BALCAO_RATE_CONNECTION_PER_SECOND": "100000",
    "BALCAO_DELIVERY_TYPING_MS_PER_CHAR": "0",
    "BALCAO_AI_LLM_BACKOFF": "0.2",
    "BALCAO_DELIVERY_BACKOFF": "0.5",
    "BALCAO_MEDIA_RETRY_DELAY": "1",
    "BALCAO_MEDIA_LLM_RETRY_DELAY": "0.2",
}


@dataclass
class Proc:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(self.argv, env=self.env, stdout=out, stderr=out)
        self.starts += 1

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Platform:
    root: Path
    pg: Postgres = field(init=False)
    redis: Redis = field(init=False)
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    apis: list[Proc] = field(default_factory=list)
    workers: list[Proc] = field(default_factory=list)
    runner: Proc | None = None
    ports: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pg = Postgres(self.root / "pg", free_port())
        self.redis = Redis(self.root / "redis", free_port())
        (self.root / "logs").mkdir(parents=True, exist_ok=True)

    @property
    def database_url(self) -> str:
        return self.pg.url()

    @property
    def bases(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def start_stores(self) -> None:
        self.pg.start()
        self.pg.ensure_database()
        upgrade(self.pg.url())
        self.redis.start(persist=False)

    def _env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.pg.url(),
            "REDIS_URL": self.redis.url,
            "BALCAO_SECRET_KEY": self.secret_key,
            "BALCAO_DATA_DIR": str(self.root / "data"),
            "BALCAO_LOG_LEVEL": "WARNING",
            "BALCAO_LOG_JSON": "false",
            **WORKER_ENV,
            **extra,
        }

    def start_processes(self) -> None:
        argv = [sys.executable, "-m", "app.cli"]
        for n in (1, 2):
            port = free_port()
            self.ports.append(port)
            env = self._env(BALCAO_PORT=str(port))
            api = Proc(f"api{n}", [*argv, "api"], env, self.root / "logs" / f"api{n}.log")
            worker = Proc(
                f"worker{n}", [*argv, "worker"], self._env(), self.root / "logs" / f"worker{n}.log"
            )
            self.apis.append(api)
            self.workers.append(worker)
        self.runner = Proc(
            "runner", [*argv, "runner"], self._env(), self.root / "logs" / "runner.log"
        )
        for proc in self.processes:
            proc.start()
        for base, api in zip(self.bases, self.apis, strict=True):
            wait_ready(base, api)

    @property
    def processes(self) -> list[Proc]:
        return [*self.apis, *self.workers, *([self.runner] if self.runner else [])]

    # -- faults (blocking: run them in a thread) -------------------------------------

    def kill_and_restart(self, proc: Proc, down: float = 1.0) -> None:
        proc.kill()
        time.sleep(down)
        proc.start()
        if proc in self.apis:
            wait_ready(self.bases[self.apis.index(proc)], proc)

    def restart_redis_empty(self, down: float = 2.0) -> None:
        self.redis.stop()
        time.sleep(down)
        self.redis.start(persist=False)

    def crash_postgres(self, down: float = 2.0) -> None:
        """``-m immediate``: no checkpoint, crash recovery on the way up, as after a
        power cut; committed work must survive it."""
        cmd = [str(find_pg_bin() / "pg_ctl"), "-D", str(self.pg.data), "-m", "immediate"]
        cmd += ["-w", "stop"]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, capture_output=True, check=True)
        time.sleep(down)
        self.pg.start()

    def stop(self) -> None:
        for proc in self.processes:
            proc.stop()
        self.redis.stop()
        self.pg.stop()


def wait_ready(base: str, proc: Proc, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive:
            raise SystemExit(f"{proc.name} exited: see {proc.log}")
        try:
            if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{proc.name} never became ready: see {proc.log}")
