"""Messages through HTTP: record-only and sent, AI block, first response, validation."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from apikit import Client, connection, message, ok, session, world
from arq import create_pool
from arq.connections import RedisSettings
from redis.asyncio import Redis
from support.orgs import Org

from app.config import Settings
from app.db import models as m
from app.db.engine import make_engine, make_sessionmaker
from app.realtime import channel as realtime_channel


async def _outbox_jobs(settings: Settings) -> list[tuple[str, list[str]]]:
    """Jobs left in the outbox (Redis is up in tests, so normally none; see below)."""
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as db:
            rows = await db.execute(sa.select(m.Outbox.job, m.Outbox.args))
            return [(job, args) for job, args in rows]
    finally:
        await engine.dispose()


async def _queued_jobs(settings: Settings) -> list[str]:
    assert settings.redis_url
    arq = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    try:
        return sorted(job.function for job in await arq.queued_jobs())
    finally:
        await arq.aclose()


async def test_send_and_record(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    before = await _queued_jobs(settings)
    assert settings.redis_url
    redis = Redis.from_url(settings.redis_url)
    pubsub = redis.pubsub()
    await pubsub.subscribe(realtime_channel(org.id))
    assert (await pubsub.get_message(timeout=5))["type"] == "subscribe"
    sent = await message(
        client, org, w.session_id, "Seu pedido saiu", author="AGENT", externalId="crm-1"
    )
    assert sent["status"] == "PENDING"
    assert sent["direction"] == "OUT"
    assert sent["externalId"] == "crm-1"
    assert sent["content"] == {"text": "Seu pedido saiu"}
    # The delivery job was enqueued after the commit, the outbox emptied; nobody
    # subscribed to message.created, so no publish_event job — but the inbox heard.
    assert await _queued_jobs(settings) == sorted([*before, "deliver_message"])
    assert await _outbox_jobs(settings) == []
    notice = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
    await pubsub.aclose()
    await redis.aclose()
    assert notice is not None
    assert json.loads(notice["data"])["id"] == sent["id"]

    hook = {"url": "https://crm.example/h", "events": ["message.created"]}
    await ok(
        await client.post("/api/v1/webhook-subscriptions", json=hook, headers=org.headers), 201
    )
    recorded = await message(
        client, org, w.session_id, "respondido no CRM", author="AGENT_PLATFORM",
        sendExternalMessage=False, status="READ",
    )  # fmt: skip
    assert recorded["status"] == "READ"
    queued = await _queued_jobs(settings)
    assert queued == sorted([*before, "deliver_message", "publish_event"])
    inbound = await message(client, org, w.session_id, "oi")
    assert (inbound["direction"], inbound["status"]) == ("IN", "DELIVERED")

    got = await ok(await client.get(f"/api/v1/messages/{sent['id']}", headers=org.headers))
    assert got == sent | {"updatedAt": got["updatedAt"]}


async def test_media_message(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    media = {
        "url": "https://cdn.example/a.ogg",
        "name": "a.ogg",
        "type": "audio",
        "mimeType": "audio/ogg",
        "extension": "ogg",
        "duration": 3.5,
    }
    created = await message(
        client, org, w.session_id, author="BUSINESS", type="RECORDING",
        content={"media": media}, sendExternalMessage=False,
    )  # fmt: skip
    assert created["content"] == {"media": media}
    assert created["type"] == "RECORDING"


async def test_human_reply_blocks_ai_and_sets_first_response(
    client: Client, settings: Settings, org: Org
) -> None:
    conn = await connection(client, org, aiBlockTtlMinutes=90)
    w = await world(client, settings, org)
    sid = await session(settings, org, w.contact["id"], conn["id"])
    await message(client, org, sid, "oi")
    before = await ok(await client.get(f"/api/v1/sessions/{sid}", headers=org.headers))
    assert before["aiBlockedUntil"] is None and before["firstResponseAt"] is None
    await message(client, org, sid, "IA responde", author="AI", sendExternalMessage=False)
    after_ai = await ok(await client.get(f"/api/v1/sessions/{sid}", headers=org.headers))
    assert after_ai["firstResponseAt"] is not None
    assert after_ai["aiBlockedUntil"] is None
    await message(client, org, sid, "humano", author="AGENT", sendExternalMessage=False)
    status = await ok(await client.get(f"/api/v1/sessions/{sid}/ai-status", headers=org.headers))
    assert status["aiBlocked"] is True
    assert 89 * 60 <= status["remainingSeconds"] <= 90 * 60
    assert "AGENT" in status["aiBlockReason"]
    after = await ok(await client.get(f"/api/v1/sessions/{sid}", headers=org.headers))
    assert after["firstResponseAt"] == after_ai["firstResponseAt"]
    assert after["lastMessageAt"] >= after_ai["lastMessageAt"]


async def test_pause_and_closed_session(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    await message(client, org, w.session_id, "já volto", author="AGENT", pauseSession=True)
    got = await ok(await client.get(f"/api/v1/sessions/{w.session_id}", headers=org.headers))
    assert got["status"] == "PAUSED"
    await ok(await client.post(f"/api/v1/sessions/{w.session_id}/close", headers=org.headers))
    refused = await client.post(
        "/api/v1/messages",
        json={
            "sessionId": w.session_id,
            "type": "TEXT",
            "author": "AGENT",
            "content": {"text": "x"},
        },
        headers=org.headers,
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "session_closed"


def _media(media: dict[str, str]) -> dict[str, object]:
    return {"type": "MEDIA", "content": {"media": media}}


async def test_validation(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    base = {"sessionId": w.session_id, "type": "TEXT", "author": "AGENT", "content": {"text": "x"}}
    cases = [
        ({"type": "VIDEO"}, "type"),
        ({"author": "ROBOT"}, "author"),
        ({"content": {"text": ""}}, "content.text"),
        ({"content": {}}, "content.text"),
        ({"type": "MEDIA", "content": {"text": "x"}}, "content.media"),
        (_media({"url": "ftp://x", "type": "audio"}), "content.media.url"),
        (_media({"url": "https://x.example/a", "type": "sticker"}), "content.media.type"),
        ({"author": "CUSTOMER", "direction": "OUT"}, "direction"),
        ({"direction": "IN"}, "direction"),
        ({"status": "READ"}, "status"),
        ({"sessionId": str(uuid.uuid4())}, "sessionId"),
        ({"sessionId": "nope"}, "sessionId"),
        ({"content": {"text": "a\u0000b"}}, "content.text"),
        ({"quotedMessageId": str(uuid.uuid4())}, "quotedMessageId"),
        ({"sendExternalMessage": "yes"}, "sendExternalMessage"),
    ]  # fmt: skip
    for change, field in cases:
        response = await client.post("/api/v1/messages", json=base | change, headers=org.headers)
        assert response.status_code == 422, (change, response.text)
        assert response.json()["extra"]["field"] == field, (change, response.json())
    missing = await client.post("/api/v1/messages", json={"type": "TEXT"}, headers=org.headers)
    assert missing.status_code == 422
    not_json = await client.post("/api/v1/messages", content=b"{", headers=org.headers)
    assert not_json.status_code in (400, 422)


async def test_list_filters(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    first = await message(client, org, w.session_id, "um")
    reply = await message(
        client, org, w.session_id, "dois", author="AGENT", sendExternalMessage=False
    )
    w2 = await world(client, settings, org)
    third = await message(client, org, w2.session_id, "três")
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=1)
    async with make_sessionmaker(engine)() as db:
        await db.execute(
            sa.update(m.Message)
            .where(m.Message.id == uuid.UUID(third["id"]))
            .values(provider_message_id="wamid.ABC")
        )
        await db.commit()
    await engine.dispose()

    async def ids(query: str) -> list[str]:
        body = await ok(await client.get(f"/api/v1/messages?{query}", headers=org.headers))
        return [x["id"] for x in body["data"]]

    assert await ids("") == [first["id"], reply["id"], third["id"]]
    assert await ids(f"sessionId={w.session_id}") == [first["id"], reply["id"]]
    assert await ids(f"contactId={w2.contact['id']}") == [third["id"]]
    assert await ids("author=AGENT") == [reply["id"]]
    assert await ids("providerMessageId=wamid.ABC") == [third["id"]]
    since = (datetime.now(UTC) + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    assert await ids(f"since={since}") == []
    assert await ids("since=2020-01-01T00:00:00") == [first["id"], reply["id"], third["id"]]
    for query, field in [
        ("author=BOT", "author"),
        ("since=x", "since"),
        ("sessionId=1", "sessionId"),
    ]:
        bad = await client.get(f"/api/v1/messages?{query}", headers=org.headers)
        assert bad.status_code == 422
        assert bad.json()["extra"]["field"] == field
    assert (
        await client.get(f"/api/v1/messages/{uuid.uuid4()}", headers=org.headers)
    ).status_code == 404
