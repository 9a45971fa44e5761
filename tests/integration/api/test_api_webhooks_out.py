"""Outbound webhooks: subscriptions through HTTP, deliveries by a real arq worker (burst
mode) to a local receiver that checks signatures and fails on purpose."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
import warnings
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from apikit import Client, message, ok, world
from arq.worker import Worker
from redis.asyncio import Redis
from support.orgs import Org

from app.config import Settings
from app.db.engine import make_engine
from app.realtime import channel as realtime_channel
from workers.config import JobConfig
from workers.context import CONTEXT_KEY, build_context
from workers.notify import deliver_webhook, publish_event
from workers.settings import worker_redis_settings

SECRET = "segredo-do-crm-0123456789"


class Receiver:
    """A CRM stand-in: verifies every signature, answers 500 to the first ``fail``
    requests (or forever with ``fail=-1``), then 204."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                with receiver.lock:
                    receiver.calls.append(
                        {
                            "headers": dict(self.headers),
                            "body": json.loads(body),
                            "signed": hmac.compare_digest(
                                expected, self.headers.get("X-Balcao-Signature", "")
                            ),
                        }
                    )
                    failing = receiver.fail != 0
                    if receiver.fail > 0:
                        receiver.fail -= 1
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver()
    started.thread.start()
    try:
        yield started
    finally:
        started.server.shutdown()
        started.server.server_close()


async def run_worker(settings: Settings, max_attempts: int = 8) -> None:
    """Drain the queue with a real arq worker; retries are deferred 20 ms, 40 ms, …"""
    assert settings.database_url and settings.redis_url
    config = JobConfig(
        webhook_retry_base=0.02, webhook_max_attempts=max_attempts, webhook_timeout=5.0
    )
    engine = make_engine(settings.database_url, pool_size=2)
    shared = build_context(settings, config, engine=engine)

    async def startup(ctx: dict[str, Any]) -> None:
        ctx[CONTEXT_KEY] = shared

    worker = Worker(
        functions=[publish_event, deliver_webhook],
        redis_settings=worker_redis_settings(settings.redis_url),
        burst=True,
        poll_delay=0.02,
        on_startup=startup,
        handle_signals=False,
        keep_result=0,
    )
    try:
        await worker.main()
    finally:
        with warnings.catch_warnings():
            # arq 0.28 closes its pool with redis' deprecated close().
            warnings.simplefilter("ignore", DeprecationWarning)
            await worker.close()
        await shared.aclose()
        await engine.dispose()


async def _subscribe(client: Client, org: Org, url: str, events: list[str]) -> dict[str, Any]:
    body = {"url": url, "events": events, "secret": SECRET}
    return await ok(
        await client.post("/api/v1/webhook-subscriptions", json=body, headers=org.headers), 201
    )


async def _deliveries(client: Client, org: Org, sub: dict[str, Any]) -> list[dict[str, Any]]:
    path = f"/api/v1/webhook-subscriptions/{sub['id']}/deliveries"
    return list((await ok(await client.get(path, headers=org.headers)))["data"])


async def test_subscription_crud(client: Client, org: Org) -> None:
    created = await ok(
        await client.post(
            "/api/v1/webhook-subscriptions",
            json={"url": "https://crm.example/h", "events": ["session.closed", "session.closed"]},
            headers=org.headers,
        ),
        201,
    )
    assert created["secret"].startswith("whsec_")  # generated, shown once
    assert created["events"] == ["session.closed"]
    path = f"/api/v1/webhook-subscriptions/{created['id']}"
    got = await ok(await client.get(path, headers=org.headers))
    assert "secret" not in got
    patched = await ok(
        await client.patch(
            path, json={"isActive": False, "events": ["contact.updated"]}, headers=org.headers
        )
    )
    assert (patched["isActive"], patched["events"]) == (False, ["contact.updated"])
    listed = await ok(await client.get("/api/v1/webhook-subscriptions", headers=org.headers))
    assert [s["id"] for s in listed["data"]] == [created["id"]]
    assert "secret" not in listed["data"][0]
    for body, field in [
        ({"url": "ftp://x.example", "events": ["session.closed"]}, "url"),
        ({"url": "https://x.example", "events": []}, "events"),
        ({"url": "https://x.example", "events": ["session.exploded"]}, "events[0]"),
        ({"url": "https://x.example", "events": ["session.closed"], "secret": "short"}, "secret"),
    ]:
        response = await client.post(
            "/api/v1/webhook-subscriptions", json=body, headers=org.headers
        )
        assert response.status_code == 422, body
        assert response.json()["extra"]["field"] == field
    assert (await client.delete(path, headers=org.headers)).status_code == 204
    assert (await client.get(path, headers=org.headers)).status_code == 404


async def test_delivery_retries_then_succeeds(
    client: Client, settings: Settings, org: Org, receiver: Receiver
) -> None:
    sub = await _subscribe(client, org, receiver.url, ["message.created", "session.closed"])
    unrelated = await _subscribe(client, org, receiver.url + "/other", ["contact.updated"])
    await ok(
        await client.patch(
            f"/api/v1/webhook-subscriptions/{unrelated['id']}",
            json={"isActive": False},
            headers=org.headers,
        )
    )
    w = await world(client, settings, org)
    receiver.fail = 2
    assert settings.redis_url
    redis = Redis.from_url(settings.redis_url)
    pubsub = redis.pubsub()
    await pubsub.subscribe(realtime_channel(org.id))
    assert (await pubsub.get_message(timeout=5))["type"] == "subscribe"
    sent = await message(client, org, w.session_id, "oi")
    await run_worker(settings)

    # Two failures, then success: three signed attempts of one delivery.
    assert [c["signed"] for c in receiver.calls] == [True, True, True]
    ids = {c["headers"]["X-Balcao-Delivery"] for c in receiver.calls}
    assert len(ids) == 1
    call = receiver.calls[-1]
    assert call["headers"]["X-Balcao-Event"] == "message.created"
    assert set(call["body"]) == {"event", "deliveryId", "createdAt", "data"}
    assert call["body"]["deliveryId"] in ids
    assert call["body"]["data"]["id"] == sent["id"]
    assert call["body"]["data"]["content"] == {"text": "oi"}
    [delivery] = await _deliveries(client, org, sub)
    assert delivery["status"] == "DELIVERED"
    assert (delivery["attempts"], delivery["lastStatusCode"]) == (3, 204)
    assert delivery["deliveredAt"] is not None
    assert await _deliveries(client, org, unrelated) == []

    events = []
    # get_message returns None for the subscribe confirmation too; read until quiet.
    for _ in range(20):
        item = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.05)
        if item is not None:
            events.append(json.loads(item["data"]))
    await pubsub.aclose()
    await redis.aclose()
    # Realtime subscribers heard of the message when it was committed: ids, no content.
    assert {"event": "message.created", "id": sent["id"], "sessionId": w.session_id} in events

    # Replay sends the same delivery again; the log restarts its attempt count.
    replayed = await client.post(
        f"/api/v1/webhook-subscriptions/deliveries/{delivery['id']}/replay", headers=org.headers
    )
    assert (await ok(replayed, 202))["status"] == "PENDING"
    await run_worker(settings)
    assert len(receiver.calls) == 4
    assert receiver.calls[-1]["body"]["deliveryId"] == delivery["id"]
    [again] = await _deliveries(client, org, sub)
    assert (again["status"], again["attempts"]) == ("DELIVERED", 1)
    assert (
        await client.post(
            f"/api/v1/webhook-subscriptions/deliveries/{uuid.uuid4()}/replay",
            headers=org.headers,
        )
    ).status_code == 404


async def test_delivery_gives_up(
    client: Client, settings: Settings, org: Org, receiver: Receiver
) -> None:
    sub = await _subscribe(client, org, receiver.url, ["session.closed"])
    w = await world(client, settings, org)
    receiver.fail = -1
    await ok(await client.post(f"/api/v1/sessions/{w.session_id}/close", headers=org.headers))
    await run_worker(settings, max_attempts=3)
    [delivery] = await _deliveries(client, org, sub)
    assert delivery["status"] == "FAILED"
    assert (delivery["attempts"], delivery["lastStatusCode"]) == (3, 500)
    assert delivery["lastError"].startswith("HTTP 500")
    assert delivery["payload"]["status"] == "CLOSED"
    assert len(receiver.calls) == 3
    failed = await ok(
        await client.get(
            f"/api/v1/webhook-subscriptions/{sub['id']}/deliveries?status=FAILED",
            headers=org.headers,
        )
    )
    assert len(failed["data"]) == 1
    # A delivered or missing delivery is never re-sent by a repeated job.
    shared = build_context(settings, JobConfig())
    try:
        outcome = await deliver_webhook({CONTEXT_KEY: shared, "redis": None}, str(uuid.uuid4()))
        assert outcome == "skipped"
    finally:
        await shared.aclose()


async def test_unreachable_receiver_is_retried(
    client: Client, settings: Settings, org: Org
) -> None:
    sub = await _subscribe(client, org, "http://127.0.0.1:9/nothing-listens", ["session.closed"])
    w = await world(client, settings, org)
    await ok(await client.post(f"/api/v1/sessions/{w.session_id}/close", headers=org.headers))
    await run_worker(settings, max_attempts=2)
    [delivery] = await _deliveries(client, org, sub)
    assert (delivery["status"], delivery["attempts"]) == ("FAILED", 2)
    assert delivery["lastStatusCode"] is None
    assert "Connect" in delivery["lastError"]
