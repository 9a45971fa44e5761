"""bench/mirrors: 1,000 offers from 20 source groups to 10 destination groups, every
interval at 0, through the mirror's real code on real PostgreSQL and Redis.

    uv run python -m bench.mirrors.run [--offers 1000] [--concurrency 8]

Stages, in one run:

1. **ingest**: each offer's Evolution ``messages.upsert`` webhook POSTed to the app
   (in-process ASGI, the real routes and ingest): one RECEIVED post per message;
2. **intake**: ``workers.mirror.intake`` over every RECEIVED post, ``--concurrency`` at a
   time — filters, short-link expansion against the local store stand-in (amzn.to →
   amazon.com.br), rewriting with the organization's tags, dedup per destination group
   (product id, then fuzzy text) and one QUEUED delivery per destination: offers per
   second and CPU per offer (this thread's CPU time: the stand-ins answer in threads of
   their own);
3. **posting**: ``post_due`` until nothing is due, then ``deliver_message`` for every
   delivery to the Evolution stand-in.

The offers: half are distinct Amazon products behind distinct short links, a fifth are
the same products re-posted from another source group in other words (duplicates), a
sixth distinct Mercado Livre products, the rest link-less texts of which half are
near-copies (fuzzy duplicates) — and a few Amazon products come back cheaper (a lower
price re-opens the offer). Verdict from the stand-in: every (group, product) posted
exactly once, the expected number of posts, every posted Amazon link tagged.

The raw limits in the same run: bare asyncpg (a transaction that inserts and updates one
row per offer, as many as intake's), and bare GETs of the same short links through the
same routed client to the same stand-in.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from litestar.testing import AsyncTestClient

from bench.chaos.platform import Platform

sys.path.insert(0, str(Path(__file__).parents[2] / "tests"))
sys.path.insert(0, str(Path(__file__).parents[2] / "tests" / "standins"))

from standins.affiliate_apis import AffiliateStandIn
from standins.provider_apis import EvolutionStandIn, StandInGroup

SOURCES = [f"1203634000000{n:05d}@g.us" for n in range(20)]
DESTINATIONS = [f"1203634999999{n:05d}@g.us" for n in range(10)]
TAG = "balcaobench-20"
INSTANCE = "bench-ofertas"
_ASIN = re.compile(r"/dp/(B0[A-Z0-9]{8})")
_MLB = re.compile(r"MLB-?(\d+)")
_TEXTLESS = re.compile(r"Kit (\d+)")


@dataclass(frozen=True)
class Offer:
    text: str
    source: str
    product: str  # what a destination must receive once
    posts: bool  # whether this one is expected to be posted


def asin(n: int) -> str:
    return f"B0BEN{n:05d}"


def make_offers(total: int, web: AffiliateStandIn) -> list[Offer]:
    amazon = total // 2
    repeats = total // 5
    cheaper = max(total // 50, 1)
    ml = total // 6
    textless = total - amazon - repeats - cheaper - ml
    offers: list[Offer] = []
    for n in range(amazon):
        web.redirects[("amzn.to", f"/b{n}")] = (
            f"https://www.amazon.com.br/Produto-{n}/dp/{asin(n)}/ref=sr_1_1?tag=outrapromo-20"
        )
        text = (
            f"🔥 *Produto incrível {n}* 🔥\nDe ~R$ {500 + n},00~ por *R$ {300 + n},90*\n"
            f"👉 https://amzn.to/b{n}"
        )
        offers.append(Offer(text, SOURCES[n % 20], asin(n), True))
    for n in range(repeats):
        # The same product from another source group, in other words, by its full link.
        text = (
            f"OFERTA RELÂMPAGO ⚡ item {n} com frete grátis por R$ {300 + n},90\n"
            f"https://www.amazon.com.br/dp/{asin(n)}?tag=outro-20&smid=X"
        )
        offers.append(Offer(text, SOURCES[(n + 7) % 20], asin(n), False))
    for n in range(cheaper):
        text = f"BAIXOU! Produto {n} agora por *R$ {100 + n},00*\nhttps://amzn.to/b{n}"
        offers.append(Offer(text, SOURCES[(n + 3) % 20], f"{asin(n)}@cheaper", True))
    for n in range(ml):
        text = (
            f"🛒 *Air Fryer modelo {n}* por R$ {200 + n},90 no Mercado Livre\n"
            f"https://produto.mercadolivre.com.br/MLB-{4000000000 + n}-air-fryer-_JM"
            "?matt_word=outro&matt_tool=1"
        )
        offers.append(Offer(text, SOURCES[n % 20], f"MLB{4000000000 + n}", True))
    distinct = textless - textless // 2
    words = ["toalhas", "panelas", "copos", "lençóis", "talheres", "potes", "facas", "pratos"]
    for n in range(textless):
        k = n % distinct
        item = f"{words[k % len(words)]} {k // len(words)}"
        if n < distinct:
            text = f"Kit {k} de {item} premium em promoção só hoje no app, cupom BEM{k}"
        else:
            text = f"Kit {k} de {item} premium em promoção só hoje no app!! cupom BEM{k}"
        offers.append(Offer(text, SOURCES[(n + 11) % 20], f"kit{k}", n < distinct))
    return offers


def webhook(offer: Offer, n: int) -> bytes:
    return json.dumps(
        {
            "event": "messages.upsert",
            "instance": INSTANCE,
            "data": {
                "key": {
                    "remoteJid": offer.source,
                    "fromMe": False,
                    "id": f"3EB0BENCH{n:011d}",
                    "participant": f"5511988{n % 997:06d}@s.whatsapp.net",
                },
                "pushName": "Promoções",
                "status": "DELIVERY_ACK",
                "message": {"conversation": offer.text},
                "messageType": "conversation",
                "messageTimestamp": int(time.time()),
                "instanceId": "bench",
                "source": "android",
            },
            "destination": "https://balcao.example/api/v1/webhooks/evolution",
            "date_time": datetime.now(UTC).isoformat(),
            "sender": "5511999990000@s.whatsapp.net",
            "server_url": "https://evolution.example",
            "apikey": "bench",
        }
    ).encode()


def product_of(text: str) -> str | None:
    for pattern in (_ASIN, _MLB):
        if found := pattern.search(text):
            return found.group(1)
    if found := _TEXTLESS.search(text):
        return f"kit{found.group(1)}"
    return None


async def raw_pg(dsn: str, count: int) -> float:
    """Offers per second for bare asyncpg doing intake's writes: a transaction that
    inserts one row and updates it, per offer, at the same concurrency."""
    pool = await asyncpg.create_pool(dsn, min_size=8, max_size=8)
    try:
        await pool.execute(
            "CREATE TABLE IF NOT EXISTS bench_raw (id uuid PRIMARY KEY, s text, k text)"
        )
        sem = asyncio.Semaphore(8)

        async def one() -> None:
            async with sem, pool.acquire() as conn, conn.transaction():
                rid = uuid.uuid4()
                await conn.execute("INSERT INTO bench_raw (id, s) VALUES ($1, 'R')", rid)
                await conn.execute("UPDATE bench_raw SET s = 'Q', k = 'x' WHERE id = $1", rid)

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(count)))
        return count / (time.perf_counter() - started)
    finally:
        await pool.close()


async def raw_http(web: AffiliateStandIn, count: int) -> float:
    """Short-link GETs per second through the same routed client to the same stand-in."""
    sem = asyncio.Semaphore(8)
    async with web.client() as client:

        async def one(n: int) -> None:
            async with sem:
                await client.get(f"https://amzn.to/b{n}", follow_redirects=False)

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(count)))
        return count / (time.perf_counter() - started)


async def main_async(args: argparse.Namespace, root: Path) -> bool:
    platform = Platform(root)
    try:
        return await _run(args, root, platform)
    finally:
        # Also when a stage raised: no PostgreSQL or Redis is left running.
        await asyncio.to_thread(platform.stop)


async def _run(args: argparse.Namespace, root: Path, platform: Platform) -> bool:
    from arq.connections import create_pool
    from support.orgs import make_org

    from app.asgi import create_app
    from app.config import Settings
    from app.mirrors.links import LinkService
    from workers.config import JobConfig
    from workers.context import CONTEXT_KEY, build_context
    from workers.deliver import deliver_message
    from workers.groups import sync_connection_groups
    from workers.mirror import intake, post_due
    from workers.settings import worker_redis_settings

    await asyncio.to_thread(platform.start_stores)
    dsn = platform.database_url.replace("postgresql+asyncpg://", "postgresql://")
    settings = Settings(
        database_url=platform.database_url,
        redis_url=platform.redis.url,
        secret_key=platform.secret_key,
        data_path=str(root / "data"),
        log_level="WARNING",
        log_json=False,
    )
    ok = True
    async with AffiliateStandIn() as web:
        with EvolutionStandIn(instance=INSTANCE) as evolution:
            offers = make_offers(args.offers, web)
            evolution.groups = [
                StandInGroup(id=g, subject=f"Ofertas {n}", participants=["5511999990000"])
                for n, g in enumerate(SOURCES + DESTINATIONS)
            ]
            org = await make_org(settings, "Ofertas", "o@bench.example")
            # Every brake off, as the campaign bench does: no typing pause, no chat or
            # number token bucket (a group is one chat: 1 message/s by default).
            brakes_off = JobConfig(
                typing_min_ms=0,
                typing_max_ms=0,
                typing_ms_per_char=0,
                chat_rate=10_000,
                chat_burst=10_000,
                connection_rate=10_000,
                connection_burst=10_000,
            )
            deps = build_context(settings, brakes_off)
            redis = await create_pool(worker_redis_settings(platform.redis.url))
            async with AsyncTestClient(create_app(settings)) as client:
                made = await client.post(
                    "/api/v1/connections",
                    json={"name": "ofertas", "provider": "EVOLUTION", "config": evolution.config},
                    headers=org.headers,
                )
                assert made.status_code == 201, made.text
                connection = made.json()
                mirror = await client.post(
                    "/api/v1/mirrors",
                    json={
                        "name": "bench",
                        "connectionId": connection["id"],
                        "sourceGroupIds": SOURCES,
                        "destinationGroupIds": DESTINATIONS,
                        "affiliate": {
                            "amazonTag": TAG,
                            "mercadoLivre": {"mattWord": "balcao", "mattTool": "777"},
                        },
                        "minIntervalPerGroupSeconds": 0,
                        "minIntervalSeconds": 0,
                    },
                    headers=org.headers,
                )
                assert mirror.status_code == 201, mirror.text
                hook = connection["webhookUrl"].split("://", 1)[1].split("/", 1)[1]

                # 1. ingest
                t0, c0 = time.perf_counter(), time.thread_time()
                sem = asyncio.Semaphore(args.concurrency)

                async def post(n: int, offer: Offer) -> None:
                    async with sem:
                        response = await client.post(
                            "/" + hook,
                            content=webhook(offer, n),
                            headers={"content-type": "application/json"},
                        )
                        assert response.status_code == 200, response.text

                await asyncio.gather(*(post(n, o) for n, o in enumerate(offers)))
                ingest_wall, ingest_cpu = time.perf_counter() - t0, time.thread_time() - c0

            conn = await asyncpg.connect(dsn)
            try:
                ids = [
                    r[0]
                    for r in await conn.fetch(
                        "SELECT id FROM mirror_post WHERE status = 'RECEIVED' ORDER BY created_at"
                    )
                ]
                sessions = await conn.fetchval("SELECT count(*) FROM turn")
            finally:
                await conn.close()

            # 2. intake
            async with web.client() as http:
                links = LinkService(http)
                now = datetime.now(UTC)
                sem = asyncio.Semaphore(args.concurrency)

                async def take(post_id: uuid.UUID) -> str:
                    async with sem:
                        outcome, _ = await intake(deps, post_id, now, links=links)
                        return outcome

                t0, c0 = time.perf_counter(), time.thread_time()
                outcomes = Counter(await asyncio.gather(*(take(i) for i in ids)))
                intake_wall, intake_cpu = time.perf_counter() - t0, time.thread_time() - c0

            # 3. posting, to the groups the number is in (the sync job lists them)
            ctx = {CONTEXT_KEY: deps, "redis": redis, "job_try": 1}
            synced = await sync_connection_groups(ctx, connection["id"])
            assert synced == f"{len(SOURCES) + len(DESTINATIONS)} groups", synced
            t0 = time.perf_counter()
            while True:
                posted, _ = await post_due(deps, datetime.now(UTC))
                if not posted:
                    break
            conn = await asyncpg.connect(dsn)
            try:
                by_group: dict[str, list[str]] = {}
                for r in await conn.fetch(
                    "SELECT d.group_id, d.message_id FROM mirror_delivery d"
                    " JOIN message m ON m.id = d.message_id WHERE d.status = 'SENDING'"
                    " ORDER BY m.created_at, m.id"  # delivery sends a chat's oldest first
                ):
                    by_group.setdefault(r[0], []).append(str(r[1]))
            finally:
                await conn.close()

            async def send(messages: list[str]) -> Counter[str]:
                # One group is one chat: its sends take turns (delivery's chat lock),
                # the groups go in parallel.
                outcomes: Counter[str] = Counter()
                for message_id in messages:
                    outcome = str(await deliver_message(ctx, message_id))
                    outcomes[outcome.split(":", 1)[0]] += 1
                return outcomes

            sent = sum(await asyncio.gather(*(send(m) for m in by_group.values())), Counter[str]())
            posting_wall = time.perf_counter() - t0

            per_post = Counter()
            untagged = 0
            for request in list(evolution.requests):
                body = request.json if isinstance(request.json, dict) else {}
                if "sendText" not in request.path or request.status not in (200, 201):
                    continue
                text = str(body.get("text", ""))
                if "amazon.com.br" in text and f"tag={TAG}" not in text:
                    untagged += 1
                per_post[(str(body.get("number")), product_of(text))] += 1
            expected = sum(1 for o in offers if o.posts) * len(DESTINATIONS)
            # A cheaper comeback re-opens its product: two posts of that ASIN per group.
            cheaper = sum(1 for o in offers if o.product.endswith("@cheaper"))
            doubled = sum(n - 1 for n in per_post.values() if n > 1) - cheaper * len(DESTINATIONS)
            await redis.aclose()
            await deps.aclose()
            raw_db = await raw_pg(dsn, len(offers))
            raw_links = await raw_http(web, min(args.offers // 2, 500))

    n = len(offers)
    print(f"\n{n:,} offers from {len(SOURCES)} source groups to {len(DESTINATIONS)} groups")
    print(
        f"  ingest (webhooks → RECEIVED)      {n / ingest_wall:8.0f} offers/s"
        f"   {ingest_cpu / n * 1000:6.2f} ms CPU/offer"
    )
    print(
        f"  intake (filter, expand, rewrite,  {n / intake_wall:8.0f} offers/s"
        f"   {intake_cpu / n * 1000:6.2f} ms CPU/offer"
    )
    print("          dedup, queue)")
    print(f"  raw: bare asyncpg, intake's writes{raw_db:8.0f} offers/s")
    print(f"  raw: bare short-link GETs          {raw_links:8.0f} /s")
    print(f"  posting + delivery                {sum(sent.values()) / posting_wall:8.0f} posts/s")
    print(f"  intake outcomes                   {dict(outcomes)}")
    print(f"  AI turns opened by group traffic  {sessions:8}")
    posts = sum(per_post.values())
    print(f"  posts at the stand-in             {posts:8,}   (expected {expected:,})")
    print(f"  doubled (group, product)          {max(doubled, 0):8}")
    print(f"  Amazon links without our tag      {untagged:8}")
    ok = (
        sum(per_post.values()) == expected
        and doubled <= 0
        and untagged == 0
        and sessions == 0
        and set(sent) == {"SENT"}
    )
    if not ok:
        print(f"  deliveries: {dict(sent)}")
    print("\nPASS" if ok else "\nFAIL")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-mirrors-", dir="/tmp"))
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
