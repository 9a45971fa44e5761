"""Burst-merge benchmark: lateness of each turn against its deadline, and turns per
burst, with N messages arriving at once per session and real worker processes.

    uv run python bench/merge/run.py [--sessions 5] [--rounds 4] [--messages 200] [--workers 2]

It starts its own PostgreSQL and Redis (app.devstack, in /tmp), migrates, launches the
worker processes exactly as production does (``arq workers.settings.WorkerSettings``),
and per round writes ``--messages`` customer messages concurrently into each of
``--sessions`` sessions, enqueueing ``merge_burst`` for each as ingest's outbox would.
A round ends when every message is in a turn that became ready. A warm-up burst (not measured)
runs first. Figures go to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from arq.connections import ArqRedis, RedisSettings, create_pool
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import models as m
from app.db.engine import make_engine
from app.db.enums import Author, Direction, MessageStatus, MessageType, SessionStatus, StartedBy
from app.db.migrate import upgrade
from app.devstack import Postgres, Redis, free_port

ROOT = Path(__file__).resolve().parents[2]


async def make_sessions(engine: AsyncEngine, count: int) -> list[tuple[uuid.UUID, ...]]:
    async with engine.begin() as conn:
        org = await conn.scalar(
            sa.insert(m.Organization).values(name="Bench").returning(m.Organization.id)
        )
        connection = await conn.scalar(
            sa.insert(m.Connection)
            .values(
                organization_id=org,
                name="bench",
                provider="NATIVE",
                webhook_token=secrets.token_hex(16),
            )
            .returning(m.Connection.id)
        )
        out: list[tuple[uuid.UUID, ...]] = []
        for i in range(count):
            contact = await conn.scalar(
                sa.insert(m.Contact)
                .values(organization_id=org, phone_number=f"55119{i:08d}")
                .returning(m.Contact.id)
            )
            session = await conn.scalar(
                sa.insert(m.Session)
                .values(
                    organization_id=org,
                    contact_id=contact,
                    connection_id=connection,
                    status=SessionStatus.ACTIVE,
                    started_by=StartedBy.CUSTOMER,
                )
                .returning(m.Session.id)
            )
            assert org and connection and contact and session
            out.append((org, connection, contact, session))
    return out


async def customer_message(
    engine: AsyncEngine, arq: ArqRedis, ids: tuple[uuid.UUID, ...], text: str
) -> None:
    org, connection, contact, session = ids
    async with engine.begin() as conn:
        message = await conn.scalar(
            sa.insert(m.Message)
            .values(
                organization_id=org,
                session_id=session,
                contact_id=contact,
                connection_id=connection,
                direction=Direction.IN,
                author=Author.CUSTOMER,
                type=MessageType.TEXT,
                content={"text": text},
                status=MessageStatus.DELIVERED,
            )
            .returning(m.Message.id)
        )
    await arq.enqueue_job("merge_burst", str(session), str(message))


async def wait_ready(engine: AsyncEngine, sessions: list[uuid.UUID], messages: int) -> None:
    """Until every message written so far is in a turn that became ready (a split burst
    counts). The responder moves a ready turn on at once (ANSWERED, SKIPPED without an
    LLM), so readiness is ``ready_at``, not the status."""
    while True:
        async with engine.connect() as conn:
            merged = await conn.scalar(
                sa.select(
                    sa.func.coalesce(sa.func.sum(sa.func.cardinality(m.Turn.message_ids)), 0)
                ).where(m.Turn.session_id.in_(sessions), m.Turn.ready_at.is_not(None))
            )
        if (merged or 0) >= messages:
            return
        await asyncio.sleep(0.05)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def bench(args: argparse.Namespace, db_url: str, redis_url: str) -> None:
    load = os.getloadavg()
    engine = make_engine(db_url, pool_size=20)
    arq = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        warmup, *world = await make_sessions(engine, args.sessions + 1)
        sessions = [w[3] for w in world]
        # One burst first, not measured: the worker processes import and connect while
        # it is written, which would otherwise make the first round late.
        await asyncio.gather(*(customer_message(engine, arq, warmup, "w") for _ in range(20)))
        await wait_ready(engine, [warmup[3]], 20)
        spread: list[float] = []
        for round_no in range(args.rounds):
            started = time.perf_counter()
            await asyncio.gather(
                *(
                    customer_message(engine, arq, ids, f"r{round_no} m{i}")
                    for ids in world
                    for i in range(args.messages)
                )
            )
            spread.append(time.perf_counter() - started)
            await wait_ready(engine, sessions, args.sessions * args.messages * (round_no + 1))
        async with engine.connect() as conn:
            turns = (
                await conn.execute(sa.select(m.Turn).where(m.Turn.session_id.in_(sessions)))
            ).all()
    finally:
        await arq.aclose()
        await engine.dispose()
    lateness = [t.lateness_ms for t in turns]
    ready = [(t.ready_at - t.deadline_at).total_seconds() * 1000 for t in turns]
    sizes = [len(t.message_ids) for t in turns]
    bursts = args.sessions * args.rounds
    print(f"load average before the run: {load[0]:.2f} (this machine: {os.cpu_count()} CPUs)")
    print(
        f"bursts: {bursts} ({args.sessions} sessions x {args.rounds} rounds), "
        f"{args.messages} concurrent messages each, {args.workers} worker processes"
    )
    print(
        f"messages written per round: {args.sessions * args.messages} in "
        f"{statistics.median(spread) * 1000:.0f} ms (median)"
    )
    print(
        f"turns: {len(turns)}  turns per burst: {len(turns) / bursts:.2f}  "
        f"messages per turn: min {min(sizes)} max {max(sizes)}"
    )
    print(
        f"lateness fired_at-deadline_at ms: p50 {pct(lateness, 50):.1f}  "
        f"p99 {pct(lateness, 99):.1f}  max {max(lateness):.1f}"
    )
    if args.verbose:
        for t in sorted(turns, key=lambda t: t.fired_at):
            print(
                f"  {t.fired_at:%H:%M:%S.%f} session {str(t.session_id)[:8]} "
                f"messages {len(t.message_ids)} lateness {t.lateness_ms:.1f} ms"
            )
    print(
        f"ready_at-deadline_at ms (incl. storing the turn): p50 {pct(ready, 50):.1f}  "
        f"p99 {pct(ready, 99):.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=1, help="bursts at once per round")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--verbose", action="store_true", help="one line per turn")
    # Longer than writing a round's messages takes, or late ones rightly open a 2nd burst.
    parser.add_argument("--concat", type=float, default=2.0)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="balcao-bench-", dir="/tmp"))
    root.chmod(0o755)
    pg, redis = Postgres(root / "pg", free_port(), fast=True), Redis(root / "redis", free_port())
    procs: list[subprocess.Popen[bytes]] = []
    try:
        pg.start()
        pg.ensure_database("bench")
        db_url = pg.url("bench")
        upgrade(db_url)
        redis.start(persist=False)
        env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "REDIS_URL": redis.url,
            "BALCAO_SECRET_KEY": secrets.token_hex(32),
            "BALCAO_DATA_DIR": str(root / "data"),
            "BALCAO_MERGE_CONCAT_OVERRIDE": str(args.concat),
            "BALCAO_LOG_LEVEL": "WARNING",
        }
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "arq", "workers.settings.WorkerSettings"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
            )
            for _ in range(args.workers)
        ]
        asyncio.run(bench(args, db_url, redis.url))
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)
        redis.stop()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
