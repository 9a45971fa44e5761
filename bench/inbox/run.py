"""bench/inbox: the agent inbox under load, against the raw limits of the same machine.

    uv run python -m bench.inbox.run [--sessions 10000] [--clients 1000] [--messages 40]

Starts its own PostgreSQL and Redis (durable settings) and a real `balcao api` process,
loads --sessions open sessions (with contacts, departments and messages, by COPY), then:

1. Queue pages: the full inbox page and the queue fragment over HTTP (p50/p99), next to
   the same queue statement run alone through the same driver.
2. Live fan-out: --clients inbox pages hold the event stream (SSE) open in a second
   process; --messages messages are posted through the API, one every 200 ms, and the
   time from sending the POST to each page receiving its notice is measured. The raw
   limit: the same number of bare Redis subscribers, and the time from PUBLISH to each.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

from app.auth.principal import Principal
from app.auth.services import record_organization
from app.db.engine import make_engine, make_sessionmaker
from app.db.enums import Role
from app.db.migrate import upgrade
from app.devstack import Postgres, Redis, free_port
from app.inbox.queue import QueueFilter, queue_page
from app.inbox.viewer import load_viewer
from app.realtime import Notice, channel

EMAIL, PASSWORD = "bench@inbox.example", "senha-forte-123"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def line(label: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"  {label:<44} n={len(ms):>6}  p50 {pct(ms, 0.5):7.1f} ms  p99 {pct(ms, 0.99):7.1f} ms"
        f"  max {max(ms):7.1f} ms"
    )


async def seed(url: str, sessions: int) -> dict[str, Any]:
    engine = make_engine(url, pool_size=1)
    async with make_sessionmaker(engine)() as db:
        org = await record_organization(db, "Bench Inbox", EMAIL, PASSWORD)
        await db.commit()
    await engine.dispose()
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        org_id = org.organization_id
        connection_id = await conn.fetchval(
            "INSERT INTO connection (organization_id, name, provider, webhook_token)"
            " VALUES ($1, 'bench', 'NATIVE', $2) RETURNING id",
            org_id,
            uuid.uuid4().hex,
        )
        departments = [
            await conn.fetchval(
                "INSERT INTO department (organization_id, name) VALUES ($1, $2) RETURNING id",
                org_id,
                name,
            )
            for name in ("Vendas", "Suporte", "Financeiro")
        ]
        contacts = [
            (uuid.uuid4(), org_id, f"5511{900000000 + i}", f"Cliente {i}") for i in range(sessions)
        ]
        await conn.copy_records_to_table(
            "contact", records=contacts, columns=["id", "organization_id", "phone_number", "name"]
        )
        statuses = ["QUEUED"] * 6 + ["ACTIVE"] * 3 + ["PAUSED"]
        rows, messages = [], []
        now = time.time()
        text = '{"text": "Oi, quero saber do meu pedido"}'
        for i, (contact_id, *_rest) in enumerate(contacts):
            sid, at = uuid.uuid4(), _ts(now - (sessions - i) * 5)
            department = departments[i % 3] if i % 4 else None
            rows.append(
                (sid, org_id, contact_id, connection_id, statuses[i % 10], "CUSTOMER",
                 department, at, at, at)
            )  # fmt: skip
            messages.append(
                (uuid.uuid4(), org_id, sid, contact_id, connection_id, "IN", "CUSTOMER", "TEXT",
                 text, "DELIVERED", at)
            )  # fmt: skip
        await conn.copy_records_to_table(
            "session",
            records=rows,
            columns=["id", "organization_id", "contact_id", "connection_id", "status",
                     "started_by", "assigned_department_id", "created_at", "updated_at",
                     "last_message_at"],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "message",
            records=messages,
            columns=["id", "organization_id", "session_id", "contact_id", "connection_id",
                     "direction", "author", "type", "content", "status", "created_at"],
        )  # fmt: skip
        await conn.execute("ANALYZE")
        first_session = rows[0][0]
    finally:
        await conn.close()
    return {"org": org_id, "user": org.admin_user_id, "api_key": org.api_key,
            "session": str(first_session), "department": departments[0]}  # fmt: skip


def _ts(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


async def queue_pages(base: str, url: str, world: dict[str, Any], rounds: int) -> list[str]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        signed = await http.post("/inbox/login", data={"email": EMAIL, "password": PASSWORD})
        assert signed.status_code == 303, signed.text
        out = []
        for label, path in (
            ("GET /inbox (full page, QUEUED)", "/inbox"),
            ("GET /inbox/queue?status=QUEUED (fragment)", "/inbox/queue?status=QUEUED"),
            (
                "GET /inbox/queue?status=ACTIVE&department=…",
                f"/inbox/queue?status=ACTIVE&department={world['department']}",
            ),
            ("GET /inbox/queue?status=ALL&q=Cliente 42", "/inbox/queue?status=ALL&q=Cliente%2042"),
            ("GET /inbox/s/{id}/pane (a conversation)", f"/inbox/s/{world['session']}/pane"),
        ):
            for _ in range(5):
                warm = await http.get(path, headers={"X-Balcao-Inbox": "1"})
                assert warm.status_code == 200, (path, warm.status_code, warm.text[:300])
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                response = await http.get(path, headers={"X-Balcao-Inbox": "1"})
                times.append(time.perf_counter() - started)
                assert response.status_code == 200
            out.append(line(label, times))
        cookie = http.cookies["balcao_inbox"]
    world["cookie"] = cookie
    out.append(
        line("  the queue statement alone (SQLAlchemy)", await queue_sql(url, world, rounds))
    )
    return out


async def queue_sql(url: str, world: dict[str, Any], rounds: int) -> list[float]:
    engine = make_engine(url, pool_size=1)
    times = []
    async with make_sessionmaker(engine)() as db:
        principal = Principal(organization_id=world["org"], user_id=world["user"], role=Role.ADMIN)
        viewer = await load_viewer(db, principal)
        for _ in range(rounds):
            started = time.perf_counter()
            await queue_page(db, viewer, QueueFilter(status="QUEUED"))
            times.append(time.perf_counter() - started)
    await engine.dispose()
    return times


def listeners(mode: str, host: str, port: int, secret: str, count: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.inbox.listeners", mode, host, str(port), secret, str(count)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        raise SystemExit(f"{mode} listeners did not get ready")
    return process


def arrivals(process: subprocess.Popen[str]) -> dict[str, list[float]]:
    out, _ = process.communicate(timeout=120)
    got: dict[str, list[float]] = json.loads(out.strip().splitlines()[-1])
    return got


async def fan_out_sse(
    base: str, port: int, world: dict[str, Any], clients: int, n: int
) -> tuple[list[float], int]:
    process = listeners("sse", "127.0.0.1", port, world["cookie"], clients)
    sent: dict[str, float] = {}
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {world['api_key']}"}
    ) as http:
        for i in range(n):
            body = {"sessionId": world["session"], "type": "TEXT", "author": "CUSTOMER",
                    "content": {"text": f"mensagem {i}"}}  # fmt: skip
            started = time.monotonic()
            response = await http.post("/api/v1/messages", json=body)
            sent[response.json()["id"]] = started
            await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)
    got = arrivals(process)
    return _latencies(sent, got, clients)


async def fan_out_redis(
    redis_port: int, world: dict[str, Any], clients: int, n: int
) -> tuple[list[float], int]:
    import redis.asyncio as aioredis

    name = channel(world["org"])
    process = listeners("redis", "127.0.0.1", redis_port, name, clients)
    sent: dict[str, float] = {}
    client = aioredis.Redis(port=redis_port)
    import msgspec

    for _ in range(n):
        notice = Notice(event="message.created", id=str(uuid.uuid4()), session_id=world["session"])
        started = time.monotonic()
        await client.publish(name, msgspec.json.encode(notice))
        sent[notice.id] = started
        await asyncio.sleep(0.2)
    await client.aclose()
    await asyncio.sleep(1.0)
    return _latencies(sent, arrivals(process), clients)


def _latencies(
    sent: dict[str, float], got: dict[str, list[float]], clients: int
) -> tuple[list[float], int]:
    values: list[float] = []
    missing = 0
    for message_id, started in sent.items():
        times = got.get(message_id, [])
        missing += clients - len(times)
        values.extend(t - started for t in times)
    return values, missing


def start_api(url: str, redis_url: str, root: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "BALCAO_PORT": str(port),
        "BALCAO_LOG_LEVEL": "WARNING",
        "BALCAO_DATA_DIR": str(root / "data"),
    }
    api = subprocess.Popen([sys.executable, "-m", "app.cli", "api"], env=env)
    for _ in range(150):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                return api, port
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    api.kill()
    raise SystemExit("the api did not start")


async def measure(
    args: argparse.Namespace, url: str, redis: Redis, world: dict[str, Any], port: int
) -> None:
    base = f"http://127.0.0.1:{port}"
    cores, sessions = os.cpu_count(), f"{args.sessions:,}"
    print(f"bench/inbox  ({cores} cores; {sessions} open sessions; api in its own process)")
    print("Queue and conversation, over HTTP (sequential):")
    for out in await queue_pages(base, url, world, args.rounds):
        print(out)
    clients = f"{args.clients:,}"
    print(f"Live: a new message reaching {clients} open pages ({args.messages} messages):")
    sse, sse_missing = await fan_out_sse(base, port, world, args.clients, args.messages)
    print(line("POST /messages → notice at every page (SSE)", sse) + f"  missing {sse_missing}")
    raw, raw_missing = await fan_out_redis(redis.port, world, args.clients, args.messages)
    print(line("raw: PUBLISH → bare Redis subscribers", raw) + f"  missing {raw_missing}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the api holds every page
    root = Path(tempfile.mkdtemp(prefix="balcao-bench-", dir="/tmp"))
    root.chmod(0o755)
    pg, redis = Postgres(root / "pg", free_port()), Redis(root / "redis", free_port())
    try:
        pg.start()
        pg.ensure_database()
        upgrade(pg.url())
        redis.start(persist=False)
        world = asyncio.run(seed(pg.url(), args.sessions))
        api, port = start_api(pg.url(), redis.url, root)
        try:
            asyncio.run(measure(args, pg.url(), redis, world, port))
        finally:
            api.send_signal(signal.SIGINT)
            try:
                api.wait(20)
            except subprocess.TimeoutExpired:
                api.kill()
    finally:
        redis.stop()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
