"""The mirror tests' world: an Evolution connection (its send API a local stand-in)
whose webhooks carry real-format group messages, the worker's context for running the
mirror jobs by hand with a frozen clock, and helpers to read what they wrote."""

from __future__ import annotations

import copy
import itertools
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from arq.connections import ArqRedis, create_pool
from standins.affiliate_apis import AffiliateStandIn
from standins.provider_apis import EvolutionStandIn
from support.orgs import Org
from support.webhooks import Client, Hook, make_connection, post

from app.config import Settings
from app.mirrors.links import LinkService
from workers.config import JobConfig
from workers.context import CONTEXT_KEY, WorkerContext, build_context
from workers.deliver import deliver_message
from workers.mirror import intake, post_due
from workers.settings import worker_redis_settings

FIXTURES = Path(__file__).parents[2] / "fixtures" / "mirrors"
SOURCE = "120363400000000001@g.us"
SOURCE_2 = "120363400000000002@g.us"
DEST_A = "120363499999999991@g.us"
DEST_B = "120363499999999992@g.us"
OFFER = "🔥 *Air Fryer Mondial 4L* 🔥\nDe R$ 399,90 por *R$ 299,90*\nSó hoje, corre!"
_ids = itertools.count(1)
FAST = JobConfig(typing_min_ms=0, typing_max_ms=0, typing_ms_per_char=0)


@pytest.fixture
def evolution_api() -> Iterator[EvolutionStandIn]:
    with EvolutionStandIn(instance="padaria-centro") as standin:
        yield standin


@pytest.fixture
async def hook(
    client: Client, settings: Settings, org: Org, evolution_api: EvolutionStandIn
) -> Hook:
    """The Evolution number, in the destination groups (as its group list says)."""
    made = await make_connection(client, org, "evolution", evolution_api.config)
    await known_groups(settings, org, made.id, {DEST_A: "Ofertas VIP", DEST_B: "Achadinhos"})
    return made


async def known_groups(
    settings: Settings, org: Org, connection_id: str, groups: dict[str, str]
) -> None:
    """The groups a connection listed (what app/groups keeps from the provider)."""
    await Pg(settings).fetch(
        """INSERT INTO connection_group (organization_id, connection_id, group_id, name)
           SELECT $1, $2, g, n FROM unnest($3::text[], $4::text[]) AS t(g, n)""",
        uuid.UUID(org.id),
        uuid.UUID(connection_id),
        list(groups),
        list(groups.values()),
    )


@pytest.fixture(scope="session")
async def web() -> AsyncIterator[AffiliateStandIn]:
    async with AffiliateStandIn() as standin:
        yield standin


@pytest.fixture
async def links(web: AffiliateStandIn) -> AsyncIterator[LinkService]:
    """Short links and the affiliate APIs, all answered by the local stand-in."""
    web.reset()
    async with web.client() as client:
        yield LinkService(client)


@pytest.fixture
async def deps(settings: Settings) -> AsyncIterator[WorkerContext]:
    built = build_context(settings, FAST)
    try:
        yield built
    finally:
        await built.aclose()


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[ArqRedis]:
    assert settings.redis_url
    pool = await create_pool(worker_redis_settings(settings.redis_url))
    try:
        yield pool
    finally:
        await pool.aclose()


def offer_body(text: str = OFFER, *, group: str = SOURCE, message_id: str | None = None) -> bytes:
    body = json.loads((FIXTURES / "evolution.offer.group.json").read_text())
    body = copy.deepcopy(body)
    body["data"]["key"]["remoteJid"] = group
    body["data"]["key"]["id"] = message_id or f"3EB0{next(_ids):016X}"
    body["data"]["message"]["conversation"] = text
    return json.dumps(body).encode()


def edit_body(message_id: str, text: str, group: str = SOURCE) -> bytes:
    """Evolution's edit of a group message (messages.update with editedMessage)."""
    body = json.loads((FIXTURES / "evolution.offer.group.json").read_text())
    data = body["data"]
    data["key"] = {**data["key"], "remoteJid": group, "id": f"EDIT{next(_ids):012X}"}
    data["messageType"] = "protocolMessage"
    data["message"] = {
        "protocolMessage": {
            "key": {"remoteJid": group, "fromMe": False, "id": message_id},
            "type": "MESSAGE_EDIT",
            "editedMessage": {"conversation": text},
        }
    }
    return json.dumps(body).encode()


def revoke_body(message_id: str, group: str = SOURCE) -> bytes:
    body = json.loads((FIXTURES / "evolution.offer.group.json").read_text())
    data = body["data"]
    data["key"] = {**data["key"], "remoteJid": group, "id": f"DEL{next(_ids):013X}"}
    data["messageType"] = "protocolMessage"
    data["message"] = {
        "protocolMessage": {
            "key": {"remoteJid": group, "fromMe": False, "id": message_id},
            "type": "REVOKE",
        }
    }
    return json.dumps(body).encode()


async def send_offer(client: Client, hook: Hook, body: bytes) -> Any:
    response = await post(client, hook, body)
    assert response.status_code == 200, response.text
    return response.json()


async def create_mirror(client: Client, org: Org, hook: Hook, **body: Any) -> dict[str, Any]:
    payload = {
        "name": "Ofertas do Zé",
        "connectionId": hook.id,
        "sourceGroupIds": [SOURCE, SOURCE_2],
        "destinationGroupIds": [DEST_A, DEST_B],
        "minIntervalPerGroupSeconds": 0,
        "minIntervalSeconds": 0,
        **body,
    }
    response = await client.post("/api/v1/mirrors", json=payload, headers=org.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


class Pg:
    def __init__(self, settings: Settings) -> None:
        assert settings.database_url
        self.dsn = settings.database_url.replace("postgresql+asyncpg://", "postgresql://")

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.dsn)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    async def val(self, query: str, *args: Any) -> Any:
        rows = await self.fetch(query, *args)
        return rows[0][0] if rows else None

    async def posts(self) -> list[asyncpg.Record]:
        return await self.fetch("SELECT * FROM mirror_post ORDER BY created_at, id")

    async def deliveries(self) -> list[asyncpg.Record]:
        return await self.fetch(
            """SELECT d.*, p.source_message_id FROM mirror_delivery d
               JOIN mirror_post p ON p.id = d.post_id ORDER BY d.created_at, d.group_id"""
        )


async def intake_all(deps: WorkerContext, pg: Pg, now: datetime, links: LinkService) -> list[str]:
    ids = await pg.fetch("SELECT id FROM mirror_post WHERE status = 'RECEIVED' ORDER BY created_at")
    outcomes = []
    for row in ids:
        outcome, _ = await intake(deps, row["id"], now, links=links)
        outcomes.append(outcome)
    return outcomes


async def post_now(deps: WorkerContext, now: datetime) -> int:
    posted, _ = await post_due(deps, now)
    return posted


async def deliver_all(deps: WorkerContext, redis: ArqRedis, pg: Pg) -> list[str]:
    ids = await pg.fetch(
        "SELECT message_id FROM mirror_delivery WHERE status = 'SENDING' ORDER BY created_at"
    )
    ctx = {CONTEXT_KEY: deps, "redis": redis, "job_try": 1}
    return [await deliver_message(ctx, str(r["message_id"])) for r in ids]


def uuid_of(value: str) -> uuid.UUID:
    return uuid.UUID(value)
