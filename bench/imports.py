"""bench/imports: a 50,000-row XLSX from upload to DONE on the real stack, against the
same contact SQL run on bare asyncpg in the same run.

    uv run python -m bench.imports [--rows 50000]

Starts its own PostgreSQL and Redis (durable settings), a real `balcao api` and a real
`balcao worker` process; writes the sheet with xlsxwriter (phones as numbers, as Excel
keeps them, 1 % repeated and 1 % invalid), uploads it to a new list and polls the import
until DONE. The baseline is the floor under the import's database work: the rows already
normalized, the same INSERT … ON CONFLICT statement per 2,000 rows, on one bare asyncpg
connection, into another organization. Target: upload → DONE ≤ 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import msgspec
import xlsxwriter

from app.auth.services import record_organization
from app.contact_lists.imports import BATCH_ROWS
from app.contact_lists.upsert import _UPSERT
from app.db.engine import make_engine, make_sessionmaker
from app.db.migrate import upgrade
from app.devstack import Postgres, Redis, free_port
from bench.inbox.run import start_api
from workers.reconcile import SENTINEL

CITIES = ("São Paulo", "Rio de Janeiro", "Belo Horizonte", "Recife", "Porto Alegre")


def phone(i: int) -> int:
    return 5511_9_0000_0000 + i * 7 + 1


def write_sheet(path: Path, rows: int) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Contatos")
    sheet.write_row(0, 0, ["Nome", "Celular", "E-mail", "Cidade", "Plano"])
    for i in range(rows):
        number: int | str = phone(i)
        if i % 100 == 7:
            number = phone(i - 3)  # repeated
        elif i % 100 == 11:
            number = "123"  # invalid
        sheet.write_row(
            i + 1,
            0,
            [f"Cliente {i}", number, f"cliente{i}@example.com", CITIES[i % 5], "ouro"],
        )
    book.close()


async def worker_ready(redis_url: str) -> None:
    """The worker's first reconciler sweep (run at startup) has set its sentinel."""
    from redis.asyncio import Redis as Client

    client = Client.from_url(redis_url)
    try:
        for _ in range(300):
            if await client.exists(SENTINEL):
                return
            await asyncio.sleep(0.1)
        raise SystemExit("the worker did not start")
    finally:
        await client.aclose()


def start_worker(url: str, redis_url: str, root: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "BALCAO_LOG_LEVEL": "WARNING",
        "BALCAO_DATA_DIR": str(root / "data"),
    }
    return subprocess.Popen([sys.executable, "-m", "app.cli", "worker"], env=env)


async def seed(url: str, name: str, email: str) -> tuple[str, str]:
    engine = make_engine(url, pool_size=1)
    async with make_sessionmaker(engine)() as db:
        org = await record_organization(db, name, email, "senha-forte-123")
        await db.commit()
    await engine.dispose()
    return str(org.organization_id), org.api_key


async def through_the_api(port: int, key: str, sheet: Path) -> tuple[float, dict[str, Any]]:
    data = await asyncio.to_thread(sheet.read_bytes)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        made = await client.post("/api/v1/contact-lists", json={"name": "Bench"}, headers=headers)
        list_id = made.json()["id"]
        started = time.perf_counter()
        accepted = await client.post(
            f"/api/v1/contact-lists/{list_id}/imports",
            files={"file": (sheet.name, data)},
            headers=headers,
        )
        assert accepted.status_code == 202, accepted.text
        path = f"/api/v1/contact-lists/{list_id}/imports/{accepted.json()['id']}"
        while True:
            found = (await client.get(path, headers=headers)).json()
            if found["status"] in ("DONE", "FAILED"):
                return time.perf_counter() - started, found
            await asyncio.sleep(0.05)


def positional(sql: str) -> tuple[str, list[str]]:
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return re.sub(r"(?<!:):(\w+)", number, sql), names


async def bare_asyncpg(url: str, org_id: str, rows: int) -> float:
    """The same statement per batch, rows already normalized and unique."""
    sql, names = positional(str(_UPSERT))
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        list_id = uuid.uuid4()
        await conn.execute(
            "INSERT INTO contact_list (id, organization_id, name) VALUES ($1, $2, 'Raw')",
            list_id,
            uuid.UUID(org_id),
        )
        phones = list(dict.fromkeys(str(phone(i)) for i in range(rows)))
        fields = msgspec.json.encode({"cidade": "Recife", "plano": "ouro"}).decode()
        started = time.perf_counter()
        for start in range(0, len(phones), BATCH_ROWS):
            chunk = phones[start : start + BATCH_ROWS]
            values = {
                "org": uuid.UUID(org_id),
                "list": list_id,
                "source": "IMPORT",
                "phones": chunk,
                "names": [f"Cliente {p}" for p in chunk],
                "emails": [f"{p}@example.com" for p in chunk],
                "external_ids": [None] * len(chunk),
                "fields": [fields] * len(chunk),
            }
            async with conn.transaction():
                await conn.fetch(sql, *(values[n] for n in names))
        return time.perf_counter() - started
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="balcao-bench-", dir="/tmp"))
    root.chmod(0o755)
    pg, redis = Postgres(root / "pg", free_port()), Redis(root / "redis", free_port())
    try:
        pg.start()
        pg.ensure_database()
        upgrade(pg.url())
        redis.start(persist=False)
        sheet = root / "contatos.xlsx"
        started = time.perf_counter()
        write_sheet(sheet, args.rows)
        print(f"bench/imports  ({os.cpu_count()} cores; {args.rows:,} rows; api and worker)")
        print(
            f"  sheet written in {time.perf_counter() - started:.1f} s, {sheet.stat().st_size:,} B"
        )
        _, key = asyncio.run(seed(pg.url(), "Bench Imports", "dono@bench-imports.example"))
        raw_org, _ = asyncio.run(seed(pg.url(), "Bench Raw", "dono@bench-raw.example"))
        api, port = start_api(pg.url(), redis.url, root)
        worker = start_worker(pg.url(), redis.url, root)
        try:
            asyncio.run(worker_ready(redis.url))
            seconds, found = asyncio.run(through_the_api(port, key, sheet))
            counts = {k: found[k] for k in ("created", "duplicates", "invalid", "processedRows")}
            verdict = "ok" if seconds <= 10 and found["status"] == "DONE" else "OVER TARGET"
            print(
                f"  upload → DONE over HTTP    {seconds:6.2f} s  "
                f"({args.rows / seconds:,.0f} rows/s) {found['status']} {counts}  [{verdict}]"
            )
            raw = asyncio.run(bare_asyncpg(pg.url(), raw_org, args.rows))
            print(
                f"  raw: same SQL, bare asyncpg {raw:6.2f} s  "
                f"({args.rows / raw:,.0f} rows/s, batches of {BATCH_ROWS:,})"
            )
        finally:
            for process in (worker, api):
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
    finally:
        redis.stop()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
