"""bench/chaos: webhooks of every provider through two api processes and two workers
while processes are SIGKILLed, Redis comes back empty and PostgreSQL crashes; then, from
PostgreSQL and the stand-ins alone, whether anything was lost, doubled or left stuck.

    uv run python -m bench.chaos [--webhooks 100000] [--rate 60] [--drain-timeout 1800]

Faults, spread over the load: a worker SIGKILLed 5 times, an api twice and the runner
once (each started again a second later), Redis restarted empty once, PostgreSQL
crashed and restarted once. The runner holds no WHATSAPP_WEB connection here (every send
would drive Chromium, which this 2-core machine cannot do at this load; its sends under
kills and an emptied Redis are tests/browser/runner): the bench checks that it survives
the other faults and reads commands again after Redis came back empty.

The stand-ins (the native send API and the OpenAI API) are the test suite's own
(tests/standins), served from this process: one implementation of those contracts, so
the bench checks what the tests check. The native stand-in is idempotent by our message
id, as a provider's API should be; a repeat it deduped is counted apart."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from bench.chaos.load import Acks, Bodies, Connection, Plan, Sender, make_plan, run_id
from bench.chaos.platform import Platform
from bench.chaos.verify import outstanding, print_table, verify

sys.path.insert(0, str(Path(__file__).parents[2] / "tests"))

from standins.openai_server import OpenAIStandin
from standins.provider_apis import NativeStandIn

# When each fault hits, as a share of the load's duration.
FAULTS = (
    (0.10, "kill worker1"),
    (0.17, "kill api1"),
    (0.25, "kill worker2"),
    (0.33, "restart redis empty"),
    (0.42, "kill worker1"),
    (0.47, "kill runner"),
    (0.52, "crash postgres"),
    (0.60, "kill api2"),
    (0.68, "kill worker2"),
    (0.78, "kill worker1"),
)


async def create_world(
    platform: Platform, native: NativeStandIn, llm: OpenAIStandin
) -> tuple[dict[str, Connection], str]:
    """An organization; a NATIVE connection with the AI on, pointed at the stand-in;
    Evolution, WAHA and Meta connections with the AI off (their customers are stored,
    merged and queued for humans); the OpenAI stand-in as the organization's model."""
    from app.auth.services import record_organization
    from app.connections.schemas import ConnectionCreate
    from app.connections.services import record_connection
    from app.db.engine import make_engine, make_sessionmaker
    from app.db.enums import ProviderKind

    engine = make_engine(platform.database_url, pool_size=1)
    connections: dict[str, Connection] = {}
    async with make_sessionmaker(engine)() as db:
        org = await record_organization(db, "Chaos", "chaos@bench.example", "senha-forte-123")
        for name in ("native", "evolution", "waha", "meta"):
            config = native.config if name == "native" else {}
            data = ConnectionCreate(
                name=name,
                provider=ProviderKind(name.upper()),
                config=config,
                ai_enabled=name == "native",
            )
            row = await record_connection(db, org.organization_id, data)
            secret = native.secret if name == "native" else None
            connections[name] = Connection(str(row.id), row.webhook_token, secret)
        await db.commit()
    await engine.dispose()
    body = {
        "provider": "CUSTOM",
        "baseUrl": llm.base_url,
        "chatModel": "standin-chat",
        "visionModel": "standin-vision",
        "apiKey": "sk-chaos",
    }
    headers = {"Authorization": f"Bearer {org.api_key}"}
    async with httpx.AsyncClient(base_url=platform.bases[0], timeout=30) as client:
        response = await client.put("/api/v1/ai/settings", json=body, headers=headers)
        response.raise_for_status()
    return connections, str(org.organization_id)


class Chaos:
    def __init__(self, platform: Platform, plan: Plan, sender: Sender) -> None:
        self.platform = platform
        self.plan = plan
        self.sender = sender
        self.start = 0.0
        self.faults: list[tuple[float, str, float]] = []  # at, what, seconds it took
        self.last_fault_end = 0.0

    async def load(self) -> None:
        tasks: set[asyncio.Task[None]] = set()
        for item in self.plan.items:
            delay = self.start + item.at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(self.sender.deliver(item))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        while tasks:
            await asyncio.gather(*list(tasks))

    async def fire(self) -> None:
        p = self.platform
        actions = {
            "kill worker1": lambda: p.kill_and_restart(p.workers[0]),
            "kill worker2": lambda: p.kill_and_restart(p.workers[1]),
            "kill api1": lambda: p.kill_and_restart(p.apis[0]),
            "kill api2": lambda: p.kill_and_restart(p.apis[1]),
            "kill runner": lambda: p.kill_and_restart(p.runner),
            "restart redis empty": p.restart_redis_empty,
            "crash postgres": p.crash_postgres,
        }
        for share, what in FAULTS:
            delay = self.start + share * self.plan.duration - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            began = time.monotonic()
            await asyncio.to_thread(actions[what])
            self.last_fault_end = time.monotonic()
            self.faults.append((began - self.start, what, self.last_fault_end - began))
            print(f"  [{began - self.start:6.1f} s] {what} ({self.last_fault_end - began:.1f} s)")


async def drain(
    dsn: str, sender: Sender, acks: Acks, native: NativeStandIn, timeout: float
) -> tuple[float | None, dict[str, int]]:
    """Waits until nothing is left to do; the monotonic time it was first so."""
    deadline = time.monotonic() + timeout
    left: dict[str, int] = {}
    while time.monotonic() < deadline:
        acks.poll(native.accepted_snapshot(), _recipients(native))
        try:
            left = await outstanding(dsn)
        except Exception:  # PostgreSQL may be down or restarting
            left = {"database unreachable": 1}
        if not any(left.values()) and acks.in_flight == 0:
            acks.poll(native.accepted_snapshot(), _recipients(native))
            if acks.in_flight == 0:
                return time.monotonic(), left
        await asyncio.sleep(1.0)
    return None, left


def _recipients(native: NativeStandIn) -> Any:
    to: dict[str, str] = {}

    def recipient(message_id: str) -> str:
        if not to:
            for r in list(native.requests):
                if isinstance(r.json, dict) and "messageId" in r.json:
                    to[r.json["messageId"]] = str(r.json.get("to"))
        return to.get(message_id, "")

    return recipient


async def acks_while(acks: Acks, native: NativeStandIn, done: asyncio.Event) -> None:
    while not done.is_set():
        acks.poll(native.accepted_snapshot(), _recipients(native))
        await asyncio.sleep(1.0)


async def progress(chaos: Chaos, native: NativeStandIn, dsn: str, done: asyncio.Event) -> None:
    while not done.is_set():
        await asyncio.sleep(15)
        s = chaos.sender
        try:
            left = {k: v for k, v in (await outstanding(dsn)).items() if v}
        except Exception:  # PostgreSQL may be down or restarting
            left = {"database": "unreachable"}  # type: ignore[dict-item]
        print(
            f"  [{time.monotonic() - chaos.start:6.1f} s] accepted {sum(s.sent.values())}"
            f" webhooks ({s.attempts} attempts), replies at the stand-in {len(native.accepted)},"
            f" outstanding {left}"
        )


async def main_async(args: argparse.Namespace, root: Path) -> bool:
    platform = Platform(root)
    native, llm = NativeStandIn(), OpenAIStandin()
    native.start()
    llm.start()
    try:
        await asyncio.to_thread(platform.start_stores)
        await asyncio.to_thread(platform.start_processes)
        connections, _ = await create_world(platform, native, llm)
        run = run_id()
        bodies = Bodies(run)
        plan = make_plan(args.webhooks, args.rate, bodies, seed=args.seed)
        sender = Sender(platform.bases, connections)
        acks = Acks(sender, bodies, plan.ack_budget)
        chaos = Chaos(platform, plan, sender)
        print(
            f"bench/chaos: {len(plan.items)} planned webhooks + up to {plan.ack_budget} acks,"
            f" {plan.duration:.0f} s of load, contacts {plan.contacts}, logs in {root / 'logs'}"
        )
        done = asyncio.Event()
        dsn = platform.database_url.replace("+asyncpg", "")
        chaos.start = time.monotonic()
        side = [
            asyncio.create_task(acks_while(acks, native, done)),
            asyncio.create_task(progress(chaos, native, dsn, done)),
        ]
        await asyncio.gather(chaos.load(), chaos.fire())
        load_end = time.monotonic()
        drained_at, left = await drain(dsn, sender, acks, native, args.drain_timeout)
        done.set()
        await asyncio.gather(*side)
        model_calls: dict[str, int] = {}
        for request in llm.requests("chat"):
            model = str((request.json or {}).get("model"))
            model_calls[model] = model_calls.get(model, 0) + 1
        report = await verify(
            dsn,
            run,
            plan.expected,
            acks.posted,
            native.accepted_snapshot(),
            native.repeats,
            model_calls,
            connections["native"].id,
        )
        report.lost += len(sender.failed)
        report.rows.insert(0, _row_failed(sender))
        report.rows.append(await _row_processes(platform))
        header, footer = _texts(args, chaos, sender, load_end, drained_at, report, left)
        print_table(report, header, footer)
        sender.close()
        return report.passed and drained_at is not None
    finally:
        native.stop()
        llm.stop()
        await asyncio.to_thread(platform.stop)


def _row_failed(sender: Sender) -> Any:
    from bench.chaos.verify import Row

    return Row(
        "webhooks never answered 2xx (client gave up)",
        "0",
        str(len(sender.failed)),
        not sender.failed,
    )


async def _row_processes(platform: Platform) -> Any:
    """Every process alive at the end (none exited on a lost Redis or PostgreSQL), and
    the runner's command group made again in the Redis that came back empty."""
    from redis.asyncio import Redis as AsyncRedis

    from bench.chaos.verify import Row
    from providers.whatsapp_web.commands import GROUP, STREAM

    dead = [proc.name for proc in platform.processes if not proc.alive]
    client = AsyncRedis.from_url(platform.redis.url)
    try:
        groups = [g["name"] for g in await client.xinfo_groups(STREAM)]
    except Exception:  # no stream: nobody made it again
        groups = []
    finally:
        await client.aclose()
    reading = GROUP.encode() in groups or GROUP in groups
    found = ", ".join(dead) + " dead" if dead else "all alive"
    found += "; runner reading" if reading else "; runner NOT reading commands"
    return Row(
        "processes alive, runner reading commands after Redis emptied",
        "all alive; runner reading",
        found,
        not dead and reading,
    )


def _texts(
    args: argparse.Namespace,
    chaos: Chaos,
    sender: Sender,
    load_end: float,
    drained_at: float | None,
    report: Any,
    left: dict[str, int],
) -> tuple[list[str], list[str]]:
    answers = ", ".join(f"{k} {v}" for k, v in sorted(sender.answers.items()))
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(sender.sent.items()))
    faults = "; ".join(f"{at:.0f} s {what} ({took:.1f} s)" for at, what, took in chaos.faults)
    header = [
        f"bench/chaos  ({os.cpu_count()} cores, load average {args.load:.1f} at the start)",
        f"  webhooks accepted {sum(sender.sent.values())} ({kinds}); attempts {sender.attempts}",
        f"  answers: {answers}",
        f"  faults: {faults}",
        f"  load {load_end - chaos.start:.0f} s",
    ]
    if drained_at is None:
        drain_text = f"NOT drained within {args.drain_timeout:.0f} s: {left}"
    else:
        drain_text = (
            f"{drained_at - chaos.last_fault_end:.1f} s after the last fault"
            f" ({drained_at - load_end:.1f} s after the load ended)"
        )
    verdict = "PASS" if report.passed and drained_at is not None else "FAIL"
    footer = [
        f"  lost {report.lost}   doubled {report.doubled}   stuck {report.stuck}",
        f"  time to drain: {drain_text}",
        f"  verdict: {verdict}",
    ]
    return header, footer


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--webhooks", type=int, default=100_000)
    # 60/s is what this 2-core machine carries through the whole path (ingest, merge,
    # media understanding, the model, the send) with the load and the stand-ins in one
    # process; at 400/s ingest keeps up but the rest built a backlog that took more than
    # 20 minutes to drain (nothing lost or doubled).
    parser.add_argument("--rate", type=float, default=60.0, help="webhooks a second offered")
    parser.add_argument("--drain-timeout", type=float, default=1800.0)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--keep", action="store_true", help="keep the data and logs folder")
    args = parser.parse_args()
    args.load = os.getloadavg()[0]
    root = Path(tempfile.mkdtemp(prefix=f"balcao-chaos-{uuid.uuid4().hex[:4]}-", dir="/tmp"))
    root.chmod(0o755)
    passed = False
    try:
        passed = asyncio.run(main_async(args, root))
    finally:
        if args.keep or not passed:
            print(f"  data and logs kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    raise SystemExit(0 if passed else 1)
