"""bench/settings: every settings page of the web app with a large organization, against
the raw limit of the same api in the same run.

    uv run python -m bench.settings.run [--connections 50] [--users 200] [--tabulations 500]

Starts its own PostgreSQL and Redis (durable settings) and a real `balcao api` process,
loads one organization by COPY (--connections numbers of mixed providers, --users users
spread over departments, --tabulations tabulations, quick replies), signs in as its
administrator and requests each page of ``app.inbox.settings_shell.PAGES`` (so a page
joins the benchmark when it joins the index), the index and one number's page, one at a
time. Each figure is the time from sending the request to reading the whole answer on
loopback; next to them ``GET /health`` on the same api and client, the floor of what any
page can cost here (the HTTP stack and this client).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

from app.auth.security import hash_password
from app.auth.services import record_organization
from app.db.engine import make_engine, make_sessionmaker
from app.db.migrate import upgrade
from app.devstack import Postgres, Redis, free_port
from app.inbox.settings_shell import PAGES
from bench.inbox.run import line, start_api

EMAIL, PASSWORD = "dono@bench-settings.example", "senha-forte-123"
PROVIDERS = ("WHATSAPP_WEB", "WAHA", "EVOLUTION", "UAZAPI", "META", "NATIVE")
STATUSES = ("CONNECTED", "CONNECTED", "DISCONNECTED", "QR_PENDING")


def _color(i: int) -> str:
    return f"#{(i * 2654435) % 0xFFFFFF:06x}"


async def seed(url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = make_engine(url, pool_size=1)
    async with make_sessionmaker(engine)() as db:
        org = await record_organization(db, "Bench Settings", EMAIL, PASSWORD)
        await db.commit()
    await engine.dispose()
    org_id = org.organization_id
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        connections = [
            (uuid.uuid4(), org_id, f"Loja {i:02d}", PROVIDERS[i % len(PROVIDERS)],
             STATUSES[i % len(STATUSES)], f"55119{80000000 + i}", uuid.uuid4().hex)
            for i in range(args.connections)
        ]  # fmt: skip
        await conn.copy_records_to_table(
            "connection",
            records=connections,
            columns=["id", "organization_id", "name", "provider", "status", "phone_number",
                     "webhook_token"],
        )  # fmt: skip
        departments = [(uuid.uuid4(), org_id, f"Departamento {i}") for i in range(20)]
        await conn.copy_records_to_table(
            "department", records=departments, columns=["id", "organization_id", "name"]
        )
        secret = hash_password(PASSWORD)  # one argon2 hash for every seeded user
        roles = ["AGENT"] * 8 + ["SUPERVISOR", "VIEWER"]
        users = [
            (uuid.uuid4(), org_id, f"agente{i}@bench-settings.example", f"Agente {i}", secret,
             roles[i % len(roles)], i % 17 != 0)
            for i in range(args.users - 1)
        ]  # fmt: skip
        await conn.copy_records_to_table(
            "app_user",
            records=users,
            columns=["id", "organization_id", "email", "name", "password_hash", "role",
                     "is_active"],
        )  # fmt: skip
        members = {
            (departments[(i + k) % 20][0], u[0]) for i, u in enumerate(users) for k in (0, 7)
        }
        await conn.copy_records_to_table(
            "department_member", records=sorted(members), columns=["department_id", "user_id"]
        )
        tabulations = [
            (uuid.uuid4(), org_id, f"Tabulação {i}", f"Motivo {i}", _color(i),
             departments[i % 20][0] if i % 3 else None, i % 11 == 0)
            for i in range(args.tabulations)
        ]  # fmt: skip
        await conn.copy_records_to_table(
            "tabulation",
            records=tabulations,
            columns=["id", "organization_id", "name", "description", "background_color",
                     "department_id", "auto_tabulation"],
        )  # fmt: skip
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return {"connection": str(connections[0][0])}


async def measure(port: int, world: dict[str, Any], rounds: int) -> list[str]:
    paths = [("/inbox/settings", "index")]
    paths += [(page.path, page.slug) for page in PAGES]
    paths.append((f"/inbox/settings/connections/{world['connection']}", "one number"))
    out = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        signed = await http.post("/inbox/login", data={"email": EMAIL, "password": PASSWORD})
        assert signed.status_code == 303, signed.text
        for path, label in [("/health", "raw: GET /health (same api, same client)"), *paths]:
            for _ in range(10):
                warm = await http.get(path)
                assert warm.status_code == 200, (path, warm.status_code, warm.text[:300])
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                response = await http.get(path)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, (path, response.status_code)
            size = len(response.content) // 1024
            out.append(line(f"{label} ({size} KiB)" if path != "/health" else label, times))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--tabulations", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="balcao-bench-", dir="/tmp"))
    root.chmod(0o755)
    pg, redis = Postgres(root / "pg", free_port()), Redis(root / "redis", free_port())
    try:
        pg.start()
        pg.ensure_database()
        upgrade(pg.url())
        redis.start(persist=False)
        world = asyncio.run(seed(pg.url(), args))
        api, port = start_api(pg.url(), redis.url, root)
        try:
            print(
                f"bench/settings  ({args.connections} connections, {args.users} users,"
                f" {args.tabulations} tabulations; api in its own process; sequential,"
                f" {args.rounds} requests each)"
            )
            for out in asyncio.run(measure(port, world, args.rounds)):
                print(out)
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
