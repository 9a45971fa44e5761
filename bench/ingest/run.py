"""bench/ingest: webhooks of mixed providers over HTTP against a real `balcao api`
process, and in the same run the raw limit: the same SQL statements through bare
asyncpg with the same pool size.

    uv run python -m bench.ingest [--seconds 10] [--concurrency 32] [--rate 500]

Prints throughput (closed loop at --concurrency), latency percentiles (open loop at
--rate msg/s offered), and the ratio to the raw limit."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

from app.db.engine import create_ingest_pool, make_engine, make_sessionmaker
from app.db.migrate import upgrade
from app.devstack import Postgres, Redis, free_port
from app.ingest import sql
from bench.ingest import cpu, rawhttp, wrk
from bench.ingest.payloads import PROVIDERS, Payloads

POOL_SIZE = 20  # app.db.engine.create_ingest_pool's default max_size
_COUNTER = itertools.count()  # every request in a run gets a fresh message id


class Platform:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.pg = Postgres(root / "pg", free_port())
        self.redis = Redis(root / "redis", free_port())
        self.port = free_port()
        self.api: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.pg.start()
        self.pg.ensure_database()
        upgrade(self.pg.url())
        self.redis.start(persist=False)

    def start_api(self) -> None:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.pg.url(),
            REDIS_URL=self.redis.url,
            BALCAO_PORT=str(self.port),
            BALCAO_LOG_LEVEL="WARNING",
            BALCAO_DATA_DIR=str(self.root / "data"),
        )
        self.api = subprocess.Popen([sys.executable, "-m", "app.cli", "api"], env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base_url}/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit("the api did not start")

    async def analyze(self) -> None:
        db = await asyncpg.connect(self.pg.url(driver="postgresql"))
        try:
            await db.execute("ANALYZE")
        finally:
            await db.close()

    async def messages(self) -> int:
        db = await asyncpg.connect(self.pg.url(driver="postgresql"))
        try:
            count: int = await db.fetchval("SELECT count(*) FROM message")
        finally:
            await db.close()
        return count

    def cpu(self) -> tuple[dict[int, float], dict[int, float]] | None:
        if not cpu.available() or self.api is None:
            return None
        postmaster = int((self.pg.data / "postmaster.pid").read_text().split()[0])
        return cpu.snapshot(self.api.pid), cpu.snapshot(postmaster)

    def cpu_per_message(
        self, before: tuple[dict[int, float], dict[int, float]] | None, messages: float
    ) -> tuple[float, float] | None:
        """CPU µs per message of the api and of PostgreSQL since ``before``."""
        after = self.cpu()
        if before is None or after is None or not messages:
            return None
        api, pg = (cpu.spent(b, a) * 1e6 / messages for b, a in zip(before, after, strict=True))
        return api, pg

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.api is not None:
            self.api.send_signal(signal.SIGINT)
            self.api.wait(15)
        self.redis.stop()
        self.pg.stop()


async def create_connections(database_url: str) -> dict[str, tuple[str, str, str]]:
    """One connection per provider: name → (connection id, webhook token, org id)."""
    from app.auth.services import record_organization
    from app.connections.schemas import ConnectionCreate
    from app.connections.services import record_connection
    from app.db.enums import ProviderKind

    engine = make_engine(database_url, pool_size=1)
    made: dict[str, tuple[str, str, str]] = {}
    async with make_sessionmaker(engine)() as db:
        org = await record_organization(
            db, "Bench", f"bench-{uuid.uuid4().hex[:6]}@x.example", "senha-forte-123"
        )
        for name in PROVIDERS:
            row = await record_connection(
                db,
                org.organization_id,
                ConnectionCreate(name=name, provider=ProviderKind(name.upper())),
            )
            made[name] = (str(row.id), row.webhook_token, str(org.organization_id))
        await db.commit()
    await engine.dispose()
    return made


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


async def closed_loop(
    seconds: float, concurrency: int, one: Callable[[int], Awaitable[None]]
) -> tuple[int, list[float]]:
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < stop:
            started = time.perf_counter()
            await one(next(_COUNTER))
            latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(latencies), latencies


async def open_loop(
    seconds: float, rate: float, one: Callable[[int], Awaitable[None]]
) -> list[float]:
    latencies: list[float] = []
    tasks: list[asyncio.Task[None]] = []
    start = time.perf_counter()

    async def timed(i: int) -> None:
        started = time.perf_counter()
        await one(i)
        latencies.append(time.perf_counter() - started)

    for i in range(int(seconds * rate)):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(timed(next(_COUNTER))))
    await asyncio.gather(*tasks)
    return latencies


async def http_phase(
    platform: Platform, payloads: Payloads, args: argparse.Namespace
) -> dict[str, Any]:
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    async with httpx.AsyncClient(base_url=platform.base_url, limits=limits, timeout=30) as client:

        async def one(i: int) -> None:
            path, body = payloads.request(i)
            response = await client.post(
                path, content=body, headers={"content-type": "application/json"}
            )
            if response.status_code != 200 or response.json()["accepted"] != 1:
                raise SystemExit(f"unexpected answer {response.status_code}: {response.text}")

        await closed_loop(1.0, args.concurrency, one)  # warm-up: connections, caches
        count, lat = await closed_loop(args.seconds, args.concurrency, one)
        throughput = count / args.seconds
    # Every contact and session the load uses exists now. A fresh database has no
    # statistics, and autovacuum takes a minute to gather them, about as long as this
    # whole run: until then each backend keeps the plans it made on empty tables (a
    # sequential scan of session for every batch, of outbox for every flush), which
    # no database that has been up for a minute runs. The raw side plans later, on
    # fuller tables, so without this the comparison also tilted against HTTP.
    await platform.analyze()
    pool = rawhttp.Pool(platform.base_url)

    async def paced_one(i: int) -> None:
        path, body = payloads.request(i)
        status, answer = await pool.post(path, body)
        if status != 200 or b'"accepted":1' not in answer:
            raise SystemExit(f"unexpected answer {status}: {answer!r}")

    try:
        paced = await open_loop(args.seconds, args.rate, paced_one)
    finally:
        pool.close()
    result: dict[str, Any] = {"throughput": throughput, "closed": lat, "paced": paced}
    if wrk.available():
        stored, before = await platform.messages(), platform.cpu()
        rate, answered = wrk.run_wrk(platform.base_url, payloads, args.seconds, args.concurrency)
        result["cpu"] = platform.cpu_per_message(before, answered)
        # wrk checks status codes only: make sure it measured new messages, not
        # duplicates (a no-op costs a fraction of a store).
        stored = await platform.messages() - stored
        if stored < answered:
            raise SystemExit(f"wrk: {answered} requests answered but {stored} messages stored")
        result["wrk"] = rate
    return result


async def raw_phase(database_url: str, payloads: Payloads, args: argparse.Namespace) -> float:
    """The statements ingest runs for a new customer text message, through bare asyncpg,
    one transaction per message (what the api would reach without group commit)."""
    pool: asyncpg.Pool = await create_ingest_pool(database_url, max_size=POOL_SIZE)
    conn_id, org_id = uuid.UUID(payloads.native_connection), uuid.UUID(payloads.org_id)

    async def one(i: int) -> None:
        phone, message_id = payloads.raw_identity(i)
        message = (
            *([org_id], [conn_id], [phone], [None], ["TEXT"], ['{"text": "oi"}']),
            *([message_id], [None], [None], [1769958000]),
        )
        async with pool.acquire() as db, db.transaction():
            (row,) = await db.fetch(sql.STORE_CUSTOMER_MESSAGES, *message)
            if row["session_id"] is None:
                if row["contact_id"] is None:
                    await db.execute(sql.INSERT_CONTACTS, [org_id], [phone], ["Raw"], "whatsapp")
                await db.execute(sql.INSERT_SESSIONS, [org_id], [phone], [conn_id], ["ACTIVE"])
                await db.fetch(sql.STORE_CUSTOMER_MESSAGES, *message)
            await db.fetch(
                sql.INSERT_OUTBOX,
                ["publish_event", "merge_burst"],
                ['["a"]', '["b"]'],
                [None, None],
                [None, None],
            )

    await closed_loop(1.0, args.concurrency, one)
    count, _ = await closed_loop(args.seconds, args.concurrency, one)
    await pool.close()
    rate: float = count / args.seconds
    return rate


def report(http: dict[str, Any], raw: float, args: argparse.Namespace) -> None:
    ms = [x * 1000 for x in http["paced"]]
    closed = [x * 1000 for x in http["closed"]]
    print(
        f"\nbench/ingest  ({os.cpu_count()} cores, pool {POOL_SIZE}, "
        f"{args.seconds:.0f} s per phase, load average {args.load:.1f} at the start)"
    )
    print(
        f"  HTTP closed loop, concurrency {args.concurrency}: {http['throughput']:8.0f} msg/s"
        f"   (p50 {percentile(closed, 0.5):.1f} ms, p99 {percentile(closed, 0.99):.1f} ms)"
    )
    if "wrk" in http:
        print(f"  HTTP with wrk (C client), same load:    {http['wrk']:8.0f} msg/s")
        if http.get("cpu"):
            api, pg = http["cpu"]
            print(f"    CPU per message under wrk: api {api:.0f} µs, PostgreSQL {pg:.0f} µs")
    else:
        print("  (install Debian's wrk for a client that does not compete with the server)")
    print(f"  raw asyncpg, same SQL, same pool:       {raw:8.0f} msg/s")
    best = max(http["throughput"], http.get("wrk", 0.0))
    print(f"  ratio HTTP / raw:                       {best / raw:8.2f}")
    print(
        f"  HTTP open loop at {args.rate:.0f} msg/s offered: p50 {percentile(ms, 0.5):.1f} ms, "
        f"p95 {percentile(ms, 0.95):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms, "
        f"max {max(ms):.1f} ms, mean {statistics.fmean(ms):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--contacts", type=int, default=2000)
    args = parser.parse_args()
    # Figures from a machine busy with other work are not comparable: say how busy.
    args.load = os.getloadavg()[0]
    root = Path(tempfile.mkdtemp(prefix="balcao-bench-", dir="/tmp"))
    root.chmod(0o755)
    platform = Platform(root)
    try:
        platform.start()
        connections = asyncio.run(create_connections(platform.pg.url()))
        payloads = Payloads(connections, args.contacts)
        platform.start_api()
        http = asyncio.run(http_phase(platform, payloads, args))
        raw = asyncio.run(raw_phase(platform.pg.url(), payloads, args))
        report(http, raw, args)
    finally:
        platform.stop()
        shutil.rmtree(root, ignore_errors=True)
