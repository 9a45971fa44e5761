"""WhatsApp-Web runner benchmark: memory per connected browser context, and the time
from "a customer sent a message" to "its row is visible in PostgreSQL".

    uv run python bench/wweb/bench_runner.py [--connections 5] [--messages 100]

Starts its own PostgreSQL and Redis, one look-alike per connection (so each page is its
own phone and gets only its own customers), and ``balcao runner`` as a separate process,
as in production. Memory is PSS (shared pages split fairly between processes) summed
over each context's Chromium process tree, from /proc/<pid>/smaps_rollup; the Playwright
driver (node) each session starts is reported apart. Latency is measured one message at
a time (no queueing), customers picked at random among three per connection, so some
messages land in the open chat and some need the chat opened first.
Goals: ≤ 250 MiB per context; p99 ≤ 500 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

from app.auth.services import record_organization
from app.connections.schemas import ConnectionCreate
from app.connections.services import record_connection
from app.db.engine import make_engine, make_sessionmaker
from app.db.enums import ProviderKind
from app.db.migrate import upgrade
from app.devstack import Postgres, Redis, free_port
from providers.whatsapp_web.lookalike import LookalikeConfig, LookalikeServer

CUSTOMERS = ("5511987654321", "5521999998888", "5531988887777")


def pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def process_table() -> dict[int, tuple[int, str]]:
    """pid → (parent pid, command line)."""
    table: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        table[int(entry.name)] = (ppid, cmdline)
    return table


def tree(root: int, table: dict[int, tuple[int, str]]) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def memory_report(runner_pid: int, profiles: Path, connection_ids: list[str]) -> None:
    table = process_table()
    per_context: list[float] = []
    for cid in connection_ids:
        marker = f"--user-data-dir={profiles / cid}"
        roots = [
            p
            for p, (pp, cmd) in table.items()
            if marker in cmd and marker not in table.get(pp, (0, ""))[1]
        ]
        pids = [pid for root in roots for pid in tree(root, table)]
        mib = sum(pss_kib(pid) for pid in pids) / 1024
        per_context.append(mib)
        print(f"  context {cid[:8]}: {len(pids):2d} Chromium processes, PSS {mib:6.1f} MiB")
    drivers = [
        p for p in tree(runner_pid, table) if "node" in table[p][1] and "playwright" in table[p][1]
    ]
    driver_mib = sum(pss_kib(p) for p in drivers) / 1024
    runner_mib = pss_kib(runner_pid) / 1024
    print(
        f"  per context: mean {statistics.mean(per_context):.1f} MiB,"
        f" max {max(per_context):.1f} MiB"
    )
    print(f"  Playwright drivers: {len(drivers)}, PSS {driver_mib:.1f} MiB in all")
    print(f"  runner (Python) PSS {runner_mib:.1f} MiB")
    total = sum(per_context) + driver_mib + runner_mib
    print(
        f"  everything / {len(connection_ids)} connections: {total / len(connection_ids):.1f} MiB"
    )


async def status_of(dsn: str, connection_id: str) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        status: str = await conn.fetchval(
            "SELECT status FROM connection WHERE id = $1", uuid.UUID(connection_id)
        )
    finally:
        await conn.close()
    return status


async def scan_until_connected(
    dsn: str, connection_id: str, control: httpx.AsyncClient, within_s: float = 120
) -> None:
    """Scan whenever the page shows a QR, until the connection is CONNECTED. (The
    look-alike pairs only pages whose event stream was open when the scan came; under
    the load of five browsers starting, a page can miss it and needs its next QR.)"""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        status = await status_of(dsn, connection_id)
        if status == "CONNECTED":
            return
        if status == "QR_PENDING":
            await control.post("/_control/scan")
        await asyncio.sleep(0.5)
    raise SystemExit(f"{connection_id} never reached CONNECTED")


async def latency(dsn: str, controls: list[httpx.AsyncClient], messages: int) -> list[float]:
    rng = random.Random(7)
    db = await asyncpg.connect(dsn)
    took: list[float] = []
    try:
        for i in range(messages):
            control = controls[i % len(controls)]
            body = {"from": rng.choice(CUSTOMERS), "name": "Cliente", "text": f"mensagem {i}"}
            start = time.perf_counter()
            response = await control.post("/_control/customer-message", json=body)
            message_id = response.json()["id"]
            while not await db.fetchval(
                "SELECT 1 FROM message WHERE provider_message_id = $1", message_id
            ):
                if time.perf_counter() - start > 30:
                    raise SystemExit(f"message {i} was not stored within 30 s")
                await asyncio.sleep(0.002)
            took.append((time.perf_counter() - start) * 1000)
    finally:
        await db.close()
    return took


async def bench(root: Path, url: str, redis_url: str, connections: int, messages: int) -> None:
    runner: asyncio.subprocess.Process | None = None
    servers = [
        LookalikeServer(LookalikeConfig(qr_first_interval_s=5, loading_ms=200))
        for _ in range(connections)
    ]
    try:
        for server in servers:
            await server.start()
        engine = make_engine(url, pool_size=1)
        async with make_sessionmaker(engine)() as db:
            created = await record_organization(db, "Bench", "bench@bench.example", "x" * 12)
            ids = []
            for n, server in enumerate(servers):
                row = await record_connection(
                    db,
                    created.organization_id,
                    ConnectionCreate(
                        name=f"bench {n}",
                        provider=ProviderKind.WHATSAPP_WEB,
                        config={"webUrl": server.base_url},
                        ai_enabled=False,
                    ),
                )
                ids.append(str(row.id))
            await db.commit()
        await engine.dispose()

        profiles = root / "profiles"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "BALCAO_PROFILES_DIR": str(profiles),
            "BALCAO_DATA_DIR": str(root / "data"),
            "BALCAO_SECRET_KEY": "bench-" + "x" * 40,
            "BALCAO_LOG_LEVEL": "WARNING",
        }
        runner = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.cli", "runner", env=env
        )
        controls = [httpx.AsyncClient(base_url=s.base_url, timeout=30) for s in servers]
        started = time.monotonic()
        dsn = url.replace("postgresql+asyncpg://", "postgresql://")
        await asyncio.gather(
            *(scan_until_connected(dsn, i, c) for i, c in zip(ids, controls, strict=True))
        )
        print(f"{connections} connections CONNECTED {time.monotonic() - started:.1f} s after start")

        await latency(dsn, controls, 2 * connections)  # warm-up: every chat opened once
        print(f"\nMemory with {connections} connected contexts (PSS):")
        memory_report(runner.pid, profiles, ids)

        took = await latency(dsn, controls, messages)
        q = statistics.quantiles(took, n=100, method="inclusive")
        print(f"\nCustomer sent → row in PostgreSQL, {messages} messages one at a time:")
        print(
            f"  p50 {statistics.median(took):.0f} ms   p90 {q[89]:.0f} ms   "
            f"p99 {q[98]:.0f} ms   max {max(took):.0f} ms"
        )
        for c in controls:
            await c.aclose()
    finally:
        if runner is not None:
            runner.terminate()
            await asyncio.wait_for(runner.wait(), 30)
        for server in servers:
            await server.stop()


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=5)
    parser.add_argument("--messages", type=int, default=100)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="balcao-bench-wweb-", dir="/tmp"))
    root.chmod(0o755)  # the postgres user must be able to enter it
    pg, redis = Postgres(root / "pg", free_port(), fast=True), Redis(root / "redis", free_port())
    try:
        pg.start()
        redis.start(persist=False)
        pg.ensure_database("bench")
        upgrade(pg.url("bench"))
        asyncio.run(bench(root, pg.url("bench"), redis.url, args.connections, args.messages))
    finally:
        redis.stop()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
