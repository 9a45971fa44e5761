"""Groups through HTTP: the stored list, its refresh job against a provider stand-in,
posts to a group through POST /api/v1/messages and queue_group_message, tenancy, Meta."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from apikit import Client, connection, ok
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from support.orgs import Org

from app.config import Settings
from app.db import models as m
from app.db.engine import make_engine, make_sessionmaker
from app.db.tenancy import set_tenant
from app.groups.services import queue_group_message
from app.groups.store import STORE_GROUPS, store_params
from providers.base import GroupInfo
from workers.config import load_job_config
from workers.context import CONTEXT_KEY, build_context
from workers.groups import sync_connection_groups, sync_stale_groups

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "standins"))

from provider_apis import EvolutionStandIn, StandInGroup

OFFERS = "120363025746281234@g.us"
VIP = "120363041122334455@g.us"


@pytest.fixture
async def arq(settings: Settings) -> AsyncIterator[ArqRedis]:
    assert settings.redis_url
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    try:
        yield pool
    finally:
        await pool.aclose()


@pytest.fixture
async def worker_ctx(settings: Settings, arq: ArqRedis) -> AsyncIterator[dict[str, Any]]:
    deps = build_context(settings, load_job_config())
    try:
        yield {CONTEXT_KEY: deps, "redis": arq, "job_try": 1}
    finally:
        await deps.aclose()


async def _sql(settings: Settings, statement: str, *params: Any) -> list[Any]:
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            result = await conn.exec_driver_sql(statement, params)
            return list(result.all()) if result.returns_rows else []
    finally:
        await engine.dispose()


async def _store(settings: Settings, org: Org, connection_id: str, *groups: GroupInfo) -> None:
    await _sql(settings, STORE_GROUPS, *store_params(org.id, connection_id, groups))


async def _queued(arq: ArqRedis) -> list[str]:
    return sorted(job.function for job in await arq.queued_jobs())


async def _evolution(client: Client, org: Org, evo: EvolutionStandIn | None = None) -> str:
    config = (
        evo.config if evo else {"baseUrl": "http://127.0.0.1:9", "apiKey": "k", "instance": "i"}
    )
    created = await connection(client, org, provider="EVOLUTION", config=config)
    return str(created["id"])


def _post(connection_id: str, group_id: str, text: str = "Oferta do dia") -> dict[str, Any]:
    return {
        "connectionId": connection_id,
        "groupId": group_id,
        "type": "TEXT",
        "author": "BUSINESS",
        "content": {"text": text},
    }


async def test_the_stored_groups_are_listed_by_name(
    client: Client, settings: Settings, org: Org
) -> None:
    conn_id = await _evolution(client, org)
    url = f"/api/v1/connections/{conn_id}/groups"
    assert await ok(await client.get(url, headers=org.headers)) == []
    await _store(
        settings,
        org,
        conn_id,
        GroupInfo(id=VIP, name="clientes VIP", participants=3),
        GroupInfo(id=OFFERS, name="Ofertas Centro", participants=9),
    )
    listed = await ok(await client.get(url, headers=org.headers))
    assert listed == [
        {"id": VIP, "name": "clientes VIP", "participants": 3},
        {"id": OFFERS, "name": "Ofertas Centro", "participants": 9},
    ]


async def test_refresh_answers_202_with_the_stored_list_and_queues_the_sync(
    client: Client, settings: Settings, org: Org, arq: ArqRedis
) -> None:
    conn_id = await _evolution(client, org)
    await _store(settings, org, conn_id, GroupInfo(id=OFFERS, name="Ofertas", participants=2))
    before = await _queued(arq)
    response = await client.get(
        f"/api/v1/connections/{conn_id}/groups?refresh=true", headers=org.headers
    )
    assert response.status_code == 202, response.text
    assert response.json() == [{"id": OFFERS, "name": "Ofertas", "participants": 2}]
    assert await _queued(arq) == sorted([*before, "sync_connection_groups"])


async def test_the_sync_job_stores_what_the_provider_lists(
    client: Client, settings: Settings, org: Org, worker_ctx: dict[str, Any]
) -> None:
    async with EvolutionStandIn() as evo:
        conn_id = await _evolution(client, org, evo)
        # A group message arrived before any listing: ingest named the group by its id.
        await _sql(
            settings,
            "WITH c AS (INSERT INTO contact (organization_id, name, source)"
            " VALUES ($1, $2, 'whatsapp') RETURNING id)"
            " INSERT INTO contact_identity (connection_id, contact_id, kind, value)"
            " SELECT $3, id, 'group', $2 FROM c",
            uuid.UUID(org.id),
            OFFERS,
            uuid.UUID(conn_id),
        )
        assert await sync_connection_groups(worker_ctx, conn_id) == "2 groups"
        url = f"/api/v1/connections/{conn_id}/groups"
        assert await ok(await client.get(url, headers=org.headers)) == [
            {"id": VIP, "name": "Clientes VIP", "participants": 3},
            {"id": OFFERS, "name": "Ofertas Centro 🛒", "participants": 9},
        ]
        # The number left one group and joined another.
        evo.groups = [
            StandInGroup(OFFERS, "Ofertas Centro 🛒", ["5511987654321@s.whatsapp.net"]),
            StandInGroup("120363099988877766@g.us", "Novidades", []),
        ]
        assert await sync_connection_groups(worker_ctx, conn_id) == "2 groups"
        listed = await ok(await client.get(url, headers=org.headers))
    assert [g["name"] for g in listed] == ["Novidades", "Ofertas Centro 🛒"]
    assert listed[1]["participants"] == 1
    names = await _sql(
        settings, "SELECT name FROM contact WHERE organization_id = $1", uuid.UUID(org.id)
    )
    assert names == [("Ofertas Centro 🛒",)]


async def test_a_refused_key_leaves_the_list_and_an_outage_retries(
    client: Client, settings: Settings, org: Org, worker_ctx: dict[str, Any]
) -> None:
    from arq import Retry

    async with EvolutionStandIn() as evo:
        conn_id = await _evolution(client, org, evo)
        await _store(settings, org, conn_id, GroupInfo(id=OFFERS, name="Ofertas", participants=2))
        evo.api_key = "rotated"
        assert await sync_connection_groups(worker_ctx, conn_id) == "failed"
        evo.api_key = "evo-global-key"
        evo.fail_next("server_error")
        with pytest.raises(Retry):
            await sync_connection_groups(worker_ctx, conn_id)
    listed = await ok(
        await client.get(f"/api/v1/connections/{conn_id}/groups", headers=org.headers)
    )
    assert listed == [{"id": OFFERS, "name": "Ofertas", "participants": 2}]


async def test_connected_numbers_are_synced_by_the_cron_once(
    client: Client, settings: Settings, org: Org, worker_ctx: dict[str, Any], arq: ArqRedis
) -> None:
    conn_id = await _evolution(client, org)
    await _sql(
        settings, "UPDATE connection SET status = 'CONNECTED' WHERE id = $1", uuid.UUID(conn_id)
    )
    before = await _queued(arq)
    assert await sync_stale_groups(worker_ctx) == 1
    assert await sync_stale_groups(worker_ctx) == 0  # marked: not again for hours
    assert await _queued(arq) == sorted([*before, "sync_connection_groups"])


async def test_meta_has_no_groups(client: Client, org: Org) -> None:
    meta = await connection(client, org, provider="META")
    response = await client.get(f"/api/v1/connections/{meta['id']}/groups", headers=org.headers)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "groups_not_supported"
    assert "WhatsApp Cloud API" in body["detail"]
    posted = await client.post(
        "/api/v1/messages", json=_post(meta["id"], OFFERS), headers=org.headers
    )
    assert posted.status_code == 409 and posted.json()["code"] == "groups_not_supported"


async def test_another_organizations_connection_is_not_found(
    client: Client, org: Org, other_org: Org
) -> None:
    conn_id = await _evolution(client, org)
    response = await client.get(f"/api/v1/connections/{conn_id}/groups", headers=other_org.headers)
    assert response.status_code == 404
    posted = await client.post(
        "/api/v1/messages", json=_post(conn_id, OFFERS), headers=other_org.headers
    )
    assert posted.status_code == 422 and posted.json()["code"] == "unknown_connection"
    missing = await client.get(f"/api/v1/connections/{uuid.uuid4()}/groups", headers=org.headers)
    assert missing.status_code == 404


async def test_a_post_to_a_group_is_stored_and_delivered_outside_the_queue(
    client: Client, settings: Settings, org: Org, arq: ArqRedis
) -> None:
    conn_id = await _evolution(client, org)
    await _store(
        settings, org, conn_id, GroupInfo(id=OFFERS, name="Ofertas Centro", participants=9)
    )
    before = await _queued(arq)
    sent = await ok(
        await client.post("/api/v1/messages", json=_post(conn_id, OFFERS), headers=org.headers), 201
    )
    assert sent["status"] == "PENDING" and sent["direction"] == "OUT"
    assert sent["author"] == "BUSINESS" and sent["connectionId"] == conn_id
    assert await _queued(arq) == sorted([*before, "deliver_message"])
    again = await ok(
        await client.post(
            "/api/v1/messages", json=_post(conn_id, OFFERS, "Outra oferta"), headers=org.headers
        ),
        201,
    )
    assert again["sessionId"] == sent["sessionId"] and again["contactId"] == sent["contactId"]
    session = await ok(
        await client.get(f"/api/v1/sessions/{sent['sessionId']}", headers=org.headers)
    )
    assert session["status"] == "PAUSED" and session["statusReason"] == "group"
    assert session["startedBy"] == "BUSINESS"
    assert session["aiBlockedUntil"] is not None
    contact = await ok(
        await client.get(f"/api/v1/contacts/{sent['contactId']}", headers=org.headers)
    )
    assert contact["name"] == "Ofertas Centro" and contact["phoneNumber"] is None
    identity = await _sql(
        settings,
        "SELECT kind, value FROM contact_identity WHERE contact_id = $1",
        uuid.UUID(sent["contactId"]),
    )
    assert identity == [("group", OFFERS)]
    queue = await ok(await client.get("/api/v1/sessions?status=QUEUED", headers=org.headers))
    assert all(s["id"] != sent["sessionId"] for s in queue["data"])


async def test_a_group_seen_in_messages_can_be_posted_to_before_any_listing(
    client: Client, settings: Settings, org: Org
) -> None:
    conn_id = await _evolution(client, org)
    await _sql(
        settings,
        "WITH c AS (INSERT INTO contact (organization_id, name, source)"
        " VALUES ($1, $2, 'whatsapp') RETURNING id)"
        " INSERT INTO contact_identity (connection_id, contact_id, kind, value)"
        " SELECT $3, id, 'group', $2 FROM c",
        uuid.UUID(org.id),
        VIP,
        uuid.UUID(conn_id),
    )
    sent = await ok(
        await client.post("/api/v1/messages", json=_post(conn_id, VIP), headers=org.headers), 201
    )
    contacts = await _sql(
        settings, "SELECT count(*) FROM contact WHERE organization_id = $1", uuid.UUID(org.id)
    )
    assert contacts == [(1,)]  # the group's own contact, not a new one
    assert sent["status"] == "PENDING"


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"groupId": "120363000000000000@g.us"}, 422, "unknown_group", "groupId"),
        ({"connectionId": None}, 422, "missing_field", "connectionId"),
        ({"groupId": None}, 422, "missing_field", "groupId"),
        ({"sessionId": str(uuid.uuid4())}, 422, "conflicting_fields", "sessionId"),
        ({"content": {}}, 422, "validation_error", "content.text"),
        ({"author": "CUSTOMER"}, 422, "validation_error", None),
        ({"type": "CHAT_COMMAND"}, 422, "validation_error", "type"),
        ({"sendExternalMessage": False}, 422, "validation_error", "sendExternalMessage"),
        ({"connectionId": str(uuid.uuid4())}, 422, "unknown_connection", "connectionId"),
        ({"groupId": "bad\tgroup@g.us"}, 422, "validation_error", "groupId"),
    ],
)
async def test_bad_group_posts_get_a_clear_4xx(
    client: Client,
    settings: Settings,
    org: Org,
    change: dict[str, Any],
    status: int,
    code: str | None,
    field: str | None,
) -> None:
    conn_id = await _evolution(client, org)
    await _store(settings, org, conn_id, GroupInfo(id=OFFERS, name="Ofertas", participants=2))
    body = {k: v for k, v in {**_post(conn_id, OFFERS), **change}.items() if v is not None}
    response = await client.post("/api/v1/messages", json=body, headers=org.headers)
    assert response.status_code == status, response.text
    if code is not None:
        assert response.json()["code"] == code
    if field is not None:
        assert response.json()["extra"].get("field") == field


async def test_a_message_needs_a_session_or_a_group(client: Client, org: Org) -> None:
    body = {"type": "TEXT", "author": "AGENT", "content": {"text": "oi"}}
    response = await client.post("/api/v1/messages", json=body, headers=org.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "missing_field"


async def test_queue_group_message_is_the_service_other_features_call(
    client: Client, settings: Settings, org: Org
) -> None:
    conn_id = await _evolution(client, org)
    await _store(settings, org, conn_id, GroupInfo(id=OFFERS, name="Ofertas", participants=2))
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as db:
            set_tenant(db, uuid.UUID(org.id))
            message_id = await queue_group_message(
                db,
                org_id=uuid.UUID(org.id),
                connection_id=uuid.UUID(conn_id),
                group_id=OFFERS,
                text="🔥 Fone por R$ 99",
                media_key=f"{org.id}/2026/12/oferta.jpg",
            )
            await db.commit()
            row = await db.get(m.Message, message_id)
            assert row is not None
            jobs = (await db.execute(sa.select(m.Outbox.job, m.Outbox.args))).all()
    finally:
        await engine.dispose()
    assert row.status == "PENDING" and row.author == "BUSINESS" and row.type == "MEDIA"
    assert row.media_key == f"{org.id}/2026/12/oferta.jpg"
    assert row.content == {
        "text": "🔥 Fone por R$ 99",
        "media": {"type": "image", "mimeType": "image/jpeg", "name": "oferta.jpg"},
    }
    # Written to the outbox in the caller's transaction: the relay enqueues it.
    assert ("deliver_message", [str(message_id)]) in [(job, args) for job, args in jobs]


async def test_a_group_post_is_delivered_to_the_group_jid_by_the_delivery_job(
    client: Client, settings: Settings, org: Org, worker_ctx: dict[str, Any]
) -> None:
    from workers.deliver import deliver_message

    async with EvolutionStandIn() as evo:
        conn_id = await _evolution(client, org, evo)
        await _sql(
            settings, "UPDATE connection SET status = 'CONNECTED' WHERE id = $1", uuid.UUID(conn_id)
        )
        assert await sync_connection_groups(worker_ctx, conn_id) == "2 groups"
        sent = await ok(
            await client.post(
                "/api/v1/messages", json=_post(conn_id, OFFERS, "Oferta: fone"), headers=org.headers
            ),
            201,
        )
        outcome = await deliver_message(worker_ctx, sent["id"])
        request = evo.requests_to("/message/sendText/loja-centro")[-1]
    assert outcome.startswith("SENT")
    assert request.json["number"] == OFFERS and request.json["text"] == "Oferta: fone"
    row = await ok(await client.get(f"/api/v1/messages/{sent['id']}", headers=org.headers))
    assert row["status"] == "SENT" and row["providerMessageId"] == request.reply["key"]["id"]
