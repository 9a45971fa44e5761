"""bench/campaigns: a 10,000-recipient campaign with every pacing brake off through two
``balcao worker`` processes to the native send-API stand-in.

    uv run python -m bench.campaigns.run [--recipients 10000] [--no-kill]

Phases, in one run:

1. **speed**: the whole campaign; sends per second from the first to the last send at
   the stand-in, and CPU per send (user + system seconds of the two workers, and of
   PostgreSQL, over the sends);
2. **pause**: a second campaign to the same contacts (cooldown off) paused once it is
   sending at full speed, by the same UPDATE ``POST /api/v1/campaigns/{id}/pause``
   runs: how long after the pause returned the last send arrived (target ≤ 1 s); then
   resumed: every recipient once;
3. **kill**: a third one with worker 1 SIGKILLed mid-run and started again a second
   later: every recipient exactly once.

Verdict from PostgreSQL and the stand-in alone: sends accepted per campaign and contact
(0 missing, 0 doubled; a repeat the stand-in deduplicated by our message id is counted
apart), recipients SENT. The raw limit in the same run: bare httpx POSTs of the same
bodies to the same stand-in at the same concurrency.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import asyncpg
import httpx

from bench.chaos.platform import Platform, Proc

sys.path.insert(0, str(Path(__file__).parents[2] / "tests"))

from standins.provider_apis import NativeStandIn

DOUBLED = "doubled (two to a contact)"
FULL_SPEED = {
    "minDelaySeconds": 0,
    "maxDelaySeconds": 0,
    "pauseEvery": 0,
    "pauseSeconds": 0,
    "dailyCapPerConnection": None,
    "warmUp": False,
}
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children that were waited for."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(v) for v in fields[11:15]) / TICKS


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def pg_cpu(pids: list[int]) -> float:
    return sum(cpu_seconds(p) for p in pids)


async def setup(dsn: str, native: NativeStandIn, recipients: int) -> tuple[str, str, list[str]]:
    from app.auth.services import record_organization
    from app.connections.schemas import ConnectionCreate
    from app.connections.services import record_connection
    from app.db.engine import make_engine, make_sessionmaker
    from app.db.enums import ProviderKind

    engine = make_engine(dsn.replace("postgresql://", "postgresql+asyncpg://"), pool_size=1)
    async with make_sessionmaker(engine)() as db:
        org = await record_organization(db, "Campanhas", "c@bench.example", "senha-forte-123")
        row = await record_connection(
            db,
            org.organization_id,
            ConnectionCreate(name="native", provider=ProviderKind.NATIVE, config=native.config),
        )
        await db.commit()
    await engine.dispose()
    org_id, conn_id = str(org.organization_id), str(row.id)
    phones = [f"55119{n:08d}" for n in range(recipients)]
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "INSERT INTO contact (organization_id, phone_number, name, fields)"
            " SELECT $1, p, 'Cliente ' || i, jsonb_build_object('cupom', 'C' || i)"
            " FROM unnest($2::text[]) WITH ORDINALITY AS t(p, i)",
            uuid.UUID(org_id),
            phones,
        )
    finally:
        await conn.close()
    return org_id, conn_id, phones


async def new_campaign(dsn: str, org: str, connection: str, name: str) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        cid = await conn.fetchval(
            "INSERT INTO campaign (organization_id, name, status, connection_ids, messages,"
            " schedule, pacing, contact_cooldown_hours, next_run_at, started_at)"
            " VALUES ($1, $2, 'RUNNING', ARRAY[$3::uuid], $4::jsonb, '{\"skipHolidays\": false}',"
            " $5::jsonb, 0, now(), now()) RETURNING id",
            uuid.UUID(org),
            name,
            uuid.UUID(connection),
            json.dumps(
                [
                    {"text": "{Oi|Olá} {{primeiro_nome}}, seu cupom {{cupom}}!"},
                    {"text": "{{saudacao}}, {{nome}}! Cupom: {{cupom}}"},
                ]
            ),
            json.dumps(FULL_SPEED),
        )
        # As POST .../start materialises them.
        await conn.execute(
            "INSERT INTO campaign_recipient (organization_id, campaign_id, contact_id, variant)"
            " SELECT $1, $2, id, (row_number() OVER (ORDER BY id) - 1) % 2 FROM contact"
            " WHERE organization_id = $1",
            uuid.UUID(org),
            cid,
        )
    finally:
        await conn.close()
    return str(cid)


async def dispatch(redis_url: str, campaign: str) -> None:
    from arq.connections import RedisSettings, create_pool

    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        await pool.enqueue_job("run_campaign", campaign, _job_id=f"campaign:{campaign}:bench")
    finally:
        await pool.aclose()


def accepted_for(native: NativeStandIn, message_ids: set[str]) -> int:
    return sum(1 for m in native.accepted_snapshot() if m in message_ids)


async def campaign_messages(dsn: str, campaign: str) -> dict[str, str]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT m.id::text, c.phone_number FROM message m JOIN contact c ON c.id = m.contact_id"
            " WHERE m.campaign_id = $1",
            uuid.UUID(campaign),
        )
    finally:
        await conn.close()
    return {r[0]: r[1] for r in rows}


async def wait_done(dsn: str, campaign: str, timeout: float) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = await conn.fetchval(
                "SELECT status FROM campaign WHERE id = $1", uuid.UUID(campaign)
            )
            if status in ("COMPLETED", "PAUSED", "CANCELLED", "EXPIRED"):
                return str(status)
            await asyncio.sleep(0.2)
        return "TIMEOUT"
    finally:
        await conn.close()


async def verdict(dsn: str, native: NativeStandIn, campaign: str, expected: int) -> dict[str, int]:
    messages = await campaign_messages(dsn, campaign)
    accepted = native.accepted_snapshot()
    per_contact = Counter(phone for mid, phone in messages.items() if mid in accepted)
    requests = Counter(
        r.json.get("messageId")
        for r in list(native.requests)
        if isinstance(r.json, dict) and r.json.get("messageId") in messages and r.status == 200
    )
    conn = await asyncpg.connect(dsn)
    try:
        statuses = dict(
            await conn.fetch(
                "SELECT status, count(*) FROM campaign_recipient WHERE campaign_id = $1"
                " GROUP BY status",
                uuid.UUID(campaign),
            )
        )
    finally:
        await conn.close()
    return {
        "contacts reached": len(per_contact),
        "missing": expected - len(per_contact),
        DOUBLED: sum(1 for n in per_contact.values() if n > 1),
        "repeats deduped by id": sum(n - 1 for n in requests.values() if n > 1),
        "recipients SENT": int(statuses.get("SENT", 0)),
    }


async def until_sent(native: NativeStandIn, count: int) -> None:
    """Poll the stand-in (its server thread records requests; no event to wait on)."""
    for _ in range(20 * 600):
        if len(native.requests) >= count:
            return
        await asyncio.sleep(0.05)


async def raw_limit(native: NativeStandIn, count: int, concurrency: int) -> float:
    """Bare httpx POSTs of campaign-sized bodies to the same stand-in."""
    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=30) as client:

        async def one(n: int) -> None:
            body = json.dumps(
                {"messageId": f"raw-{n}", "to": f"5521{n:09d}", "type": "text", "text": "Oi"}
            ).encode()
            sig = hmac.new(native.secret.encode(), body, hashlib.sha256).hexdigest()
            async with sem:
                await client.post(
                    native.config["sendUrl"],
                    content=body,
                    headers={
                        "content-type": "application/json",
                        "x-balcao-signature": f"sha256={sig}",
                    },
                )

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(count)))
        return count / (time.perf_counter() - started)


async def kill_phase(
    args: argparse.Namespace,
    platform: Platform,
    dsn: str,
    native: NativeStandIn,
    org: str,
    connection: str,
) -> bool:
    assert platform.redis.url
    native.reset()
    campaign = await new_campaign(dsn, org, connection, "kill")
    await dispatch(platform.redis.url, campaign)
    await until_sent(native, args.recipients // 3)
    await asyncio.to_thread(platform.kill_and_restart, platform.workers[0])
    status = await wait_done(dsn, campaign, args.timeout)
    kill = await verdict(dsn, native, campaign, args.recipients)
    print(f"\nworker 1 SIGKILLed after {args.recipients // 3:,} sends, started again: {status}")
    for key, value in kill.items():
        print(f"  {key:<29}{value:10,}")
    return status == "COMPLETED" and kill["missing"] == 0 and kill[DOUBLED] == 0


async def main_async(args: argparse.Namespace, root: Path) -> bool:
    platform = Platform(root)
    await asyncio.to_thread(platform.start_stores)
    dsn = platform.database_url.replace("postgresql+asyncpg://", "postgresql://")
    ok = True
    with NativeStandIn() as native:
        org, connection, _ = await setup(dsn, native, args.recipients)
        argv = [sys.executable, "-m", "app.cli", "worker"]
        for n in (1, 2):
            proc = Proc(
                f"worker{n}",
                argv,
                platform._env(BALCAO_LOG_LEVEL="INFO"),
                root / "logs" / f"worker{n}.log",
            )
            platform.workers.append(proc)
            proc.start()
        await asyncio.sleep(4)  # both workers polling
        assert platform.redis.url
        pids = [p.process.pid for p in platform.workers if p.process]
        pg_pids = postgres_pids()

        if args.only_kill:
            ok = await kill_phase(args, platform, dsn, native, org, connection)
            for proc in platform.workers:
                proc.stop()
            await asyncio.to_thread(platform.stop)
            return ok
        # 1. speed
        campaign = await new_campaign(dsn, org, connection, "speed")
        cpu0 = sum(cpu_seconds(p) for p in pids)
        pg0 = pg_cpu(pg_pids)
        started = time.monotonic()
        await dispatch(platform.redis.url, campaign)
        status = await wait_done(dsn, campaign, args.timeout)
        wall = time.monotonic() - started
        cpu = sum(cpu_seconds(p) for p in pids) - cpu0
        pg = pg_cpu(pg_pids) - pg0
        speed = await verdict(dsn, native, campaign, args.recipients)
        sends = speed["contacts reached"]
        times = sorted(r.at for r in list(native.requests) if r.status == 200)
        span = times[-1] - times[0] if len(times) > 1 else wall
        raw = await raw_limit(native, min(args.recipients, 5000), 20)
        print(f"\nspeed: {args.recipients:,} recipients, two workers, every brake off: {status}")
        print(
            f"  sends/s at the stand-in      {sends / span:10.1f}   (raw httpx to it: {raw:.0f}/s)"
        )
        print(f"  wall time                    {wall:10.1f} s")
        print(
            f"  worker CPU per send          {cpu / max(sends, 1) * 1000:10.2f} ms   (goal ≤ 5 ms)"
        )
        print(f"  PostgreSQL CPU per send      {pg / max(sends, 1) * 1000:10.2f} ms")
        for key, value in speed.items():
            print(f"  {key:<29}{value:10,}")
        ok &= status == "COMPLETED" and speed["missing"] == 0 and speed[DOUBLED] == 0

        # 2. pause at full speed, then resume
        native.reset()
        campaign = await new_campaign(dsn, org, connection, "pause")
        await dispatch(platform.redis.url, campaign)
        await until_sent(native, min(2000, args.recipients // 3))
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(
                "UPDATE campaign SET status = 'PAUSED', paused_at = now(), next_run_at = NULL"
                " WHERE id = $1 AND status IN ('SCHEDULED', 'RUNNING')",
                uuid.UUID(campaign),
            )
            paused_at = time.monotonic()
            await asyncio.sleep(3)
            after = [r.at - paused_at for r in list(native.requests) if r.at > paused_at]
            sent_when_paused = len(native.requests)
            await conn.execute(
                "UPDATE campaign SET status = 'RUNNING', paused_at = NULL, next_run_at = now()"
                " WHERE id = $1",
                uuid.UUID(campaign),
            )
        finally:
            await conn.close()
        await dispatch(platform.redis.url, campaign + "")  # the resume's wake-up
        status = await wait_done(dsn, campaign, args.timeout)
        pause = await verdict(dsn, native, campaign, args.recipients)
        last = max(after) if after else 0.0
        print(
            f"\npause after {sent_when_paused - len(after):,} sends at full speed;"
            f" resumed: {status}"
        )
        print(
            f"  sends arriving after the pause returned  {len(after):6},"
            f" the last {last * 1000:.0f} ms after it (goal ≤ 1000 ms)"
        )
        for key, value in pause.items():
            print(f"  {key:<29}{value:10,}")
        ok &= last <= 1.0 and pause["missing"] == 0 and pause[DOUBLED] == 0

        # 3. SIGKILL of a worker mid-run
        if not args.no_kill:
            ok &= await kill_phase(args, platform, dsn, native, org, connection)
        for proc in platform.workers:
            proc.stop()
    await asyncio.to_thread(platform.stop)
    print("\nPASS" if ok else "\nFAIL")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--no-kill", action="store_true")
    parser.add_argument("--only-kill", action="store_true", help="skip the speed and pause runs")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-campaigns-", dir="/tmp"))
    root.chmod(0o755)  # PostgreSQL runs as its own user when we are root
    ok = False
    try:
        ok = asyncio.run(main_async(args, root))
    finally:
        if ok:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"  data and logs kept in {root}")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
