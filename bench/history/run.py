"""bench/history: by-contact and session lists over a 1,000,000-message history.

    uv run python -m bench.history.run            # fresh PostgreSQL/Redis under /tmp

Loads the history with COPY into a fresh database, serves the API with uvicorn on a
free port and measures p50/p99 over HTTP, then the raw SQL of the same queries
(EXPLAIN ANALYZE execution time) for comparison. Goal: p99 ≤ 30 ms.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

from app.auth.services import record_organization
from app.config import Settings
from app.db import models as m
from app.db.engine import make_engine, make_sessionmaker
from app.db.enums import ProviderKind
from app.db.migrate import upgrade
from app.devstack import Postgres, Redis, free_port
from bench.history.load import load

ROUNDS = 300


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _org(url: str) -> tuple[uuid.UUID, uuid.UUID, str]:
    engine = make_engine(url, pool_size=1)
    async with make_sessionmaker(engine)() as db:
        created = await record_organization(db, "Bench", "bench@bench.example", "senha-forte-123")
        conn = m.Connection(
            organization_id=created.organization_id,
            name="bench",
            provider=ProviderKind.NATIVE,
            webhook_token=uuid.uuid4().hex,
        )
        db.add(conn)
        await db.commit()
        ids = (created.organization_id, conn.id, created.api_key)
    await engine.dispose()
    return ids


def _serve(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    """The API in its own process, as in production: a client in the same process
    would share its GIL and event loop and blur the figures."""
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url or "",
        "REDIS_URL": settings.redis_url or "",
        "BALCAO_SECRET_KEY": settings.secret_key,
        "BALCAO_DATA_DIR": settings.data_path,
        "BALCAO_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.asgi:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the API did not start")


async def _http(base: str, key: str, path: str) -> tuple[float, float]:
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"}) as c:
        for _ in range(20):  # warm the pool and caches
            (await c.get(path)).raise_for_status()
        times = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            response = await c.get(path)
            times.append((time.perf_counter() - start) * 1000)
            response.raise_for_status()
    return _pct(times, 0.5), _pct(times, 0.99)


async def _sql(
    dsn: str, queries: list[str], org: uuid.UUID, contact: uuid.UUID
) -> tuple[float, float, str]:
    conn = await asyncpg.connect(dsn)
    try:
        times, plan = [], ""
        for _ in range(50):
            total = 0.0
            for query in queries:
                args = [org, contact] if "$2" in query else [org]
                rows = await conn.fetch("EXPLAIN (ANALYZE, FORMAT JSON) " + query, *args)
                doc = rows[0][0]
                total += json.loads(doc)[0]["Execution Time"]
            times.append(total)
        last = queries[-1]
        rows = await conn.fetch("EXPLAIN " + last, *([org, contact] if "$2" in last else [org]))
        plan = "\n".join(r[0] for r in rows)
    finally:
        await conn.close()
    return _pct(times, 0.5), _pct(times, 0.99), plan


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="balcao-bench-", dir="/tmp"))
    root.chmod(0o755)
    pg, redis = Postgres(root / "pg", free_port(), fast=True), Redis(root / "redis", free_port())
    try:
        pg.start()
        pg.ensure_database("bench")
        redis.start(persist=False)
        upgrade(pg.url("bench"))
        asyncio.run(_bench(root, pg, redis))
    finally:
        redis.stop()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


async def _bench(root: Path, pg: Postgres, redis: Redis) -> None:
    url, dsn = pg.url("bench"), pg.url("bench", driver="postgresql")
    org, connection, key = await _org(url)
    started = time.perf_counter()
    big = await load(dsn, org, connection)
    print(f"loaded 1,000,000 messages with COPY in {time.perf_counter() - started:.1f} s")
    settings = Settings(
        database_url=url, redis_url=redis.url, secret_key="b" * 48,
        data_path=str(root / "data"), log_json=False, log_level="WARNING",
    )  # fmt: skip
    port = free_port()
    server = _serve(settings, port)
    try:
        await _report(f"http://127.0.0.1:{port}", key, dsn, org, big)
    finally:
        server.terminate()
        server.wait(10)


async def _report(base: str, key: str, dsn: str, org: uuid.UUID, big: uuid.UUID) -> None:
    # $1 is the organization, $2 the contact (asyncpg binds them in EXPLAIN too).
    cases: list[tuple[str, list[str]]] = [
        # The floor: what any request costs before its own queries (auth, framework).
        ("/health", []),
        ("/api/v1/auth/me", []),
        (f"/api/v1/sessions/by-contact/{big}?limit=100", [
            "SELECT count(*) FROM message WHERE contact_id = $2 AND organization_id = $1",
            "SELECT * FROM message WHERE contact_id = $2 AND organization_id = $1 "
            "ORDER BY created_at DESC, id DESC LIMIT 100",
        ]),
        (f"/api/v1/sessions/by-contact/{big}?limit=100&page=40", [
            "SELECT * FROM message WHERE contact_id = $2 AND organization_id = $1 "
            "ORDER BY created_at DESC, id DESC LIMIT 100 OFFSET 3900",
        ]),
        ("/api/v1/sessions?limit=50", [
            "SELECT count(*) FROM session WHERE organization_id = $1",
            "SELECT * FROM session WHERE organization_id = $1 "
            "ORDER BY updated_at DESC, id DESC LIMIT 50",
        ]),
        ("/api/v1/sessions?status=ACTIVE&limit=50", [
            "SELECT count(*) FROM session WHERE organization_id = $1 AND status = 'ACTIVE'",
            "SELECT * FROM session WHERE organization_id = $1 AND status = 'ACTIVE' "
            "ORDER BY updated_at DESC, id DESC LIMIT 50",
        ]),
        (f"/api/v1/sessions?contactId={big}", [
            "SELECT * FROM session WHERE organization_id = $1 AND contact_id = $2 "
            "ORDER BY updated_at DESC, id DESC LIMIT 50",
        ]),
    ]  # fmt: skip
    print(f"{'endpoint':58} {'HTTP p50':>9} {'HTTP p99':>9} {'SQL p50':>8} {'SQL p99':>8}")
    plans = []
    for path, queries in cases:
        h50, h99 = await _http(base, key, path)
        s50, s99, plan = await _sql(dsn, queries, org, big) if queries else (0.0, 0.0, "")
        plans.append((path, plan))
        print(f"{path[:58]:58} {h50:8.1f}ms {h99:8.1f}ms {s50:7.2f}ms {s99:7.2f}ms")
    for path, plan in plans:
        if not plan:
            continue
        print(f"\n-- {path}\n{plan}")


if __name__ == "__main__":
    main()
