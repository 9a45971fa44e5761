"""Every endpoint, called with another organization's ids, answers 404."""

from __future__ import annotations

import uuid

from apikit import Client, message, ok, tabulation, world
from support.orgs import Org

from app.config import Settings
from app.db import models as m
from app.db.engine import make_engine, make_sessionmaker


async def _delivery_of(settings: Settings, org: Org, subscription_id: str) -> str:
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as db:
            row = m.WebhookDelivery(
                organization_id=uuid.UUID(org.id),
                subscription_id=uuid.UUID(subscription_id),
                event="session.closed",
                payload={},
            )
            db.add(row)
            await db.commit()
            return str(row.id)
    finally:
        await engine.dispose()


async def test_cross_tenant_probe(
    client: Client, settings: Settings, org: Org, other_org: Org
) -> None:
    theirs = await world(client, settings, other_org)
    msg = await message(client, other_org, theirs.session_id, "segredo")
    tab = await tabulation(client, other_org, "Deles")
    sub = await ok(
        await client.post(
            "/api/v1/webhook-subscriptions",
            json={"url": "https://crm.example/h", "events": ["message.created"]},
            headers=other_org.headers,
        ),
        201,
    )
    delivery = await _delivery_of(settings, other_org, sub["id"])
    await ok(
        await client.post(
            f"/api/v1/sessions/{theirs.session_id}/notes", json={"text": "deles"},
            headers=other_org.headers,
        ),
        201,
    )  # fmt: skip
    reply = await ok(
        await client.post(
            "/api/v1/quick-replies", json={"shortcut": "deles", "content": "x"},
            headers=other_org.headers,
        ),
        201,
    )  # fmt: skip
    mine = await world(client, settings, org)
    own_tab = await tabulation(client, org, "Minha")
    sid, cid, tid = theirs.session_id, theirs.contact["id"], tab["id"]
    tabs = {"tabulationIds": [own_tab["id"]]}
    probes: list[tuple[str, str, object]] = [
        ("GET", f"/api/v1/sessions/{sid}", None),
        ("POST", f"/api/v1/sessions/{sid}/block-ai", {}),
        ("POST", f"/api/v1/sessions/{sid}/unblock-ai", None),
        ("POST", f"/api/v1/sessions/{sid}/close", {}),
        ("PATCH", f"/api/v1/sessions/{sid}/status", {"status": "ACTIVE"}),
        ("POST", f"/api/v1/sessions/{sid}/tags", tabs),
        ("DELETE", f"/api/v1/sessions/{sid}/tags", tabs),
        ("GET", f"/api/v1/sessions/{sid}/ai-status", None),
        ("GET", f"/api/v1/sessions/by-contact/{cid}", None),
        ("POST", f"/api/v1/sessions/{sid}/assign", {"customerId": "x"}),
        ("GET", f"/api/v1/sessions/{sid}/messages", None),
        ("GET", f"/api/v1/messages/{msg['id']}", None),
        ("GET", f"/api/v1/contacts/{cid}", None),
        ("PATCH", f"/api/v1/contacts/{cid}", {"name": "x"}),
        ("POST", f"/api/v1/contacts/{cid}/tabulations", tabs),
        ("DELETE", f"/api/v1/contacts/{cid}/tabulations", tabs),
        ("GET", f"/api/v1/contacts/{cid}/export", None),
        ("DELETE", f"/api/v1/contacts/{cid}", None),
        ("GET", f"/api/v1/contacts/by-phone/{theirs.contact['phoneNumber']}", None),
        ("GET", f"/api/v1/tabulations/{tid}", None),
        ("PATCH", f"/api/v1/tabulations/{tid}", {"name": "y"}),
        ("DELETE", f"/api/v1/tabulations/{tid}", None),
        ("GET", f"/api/v1/webhook-subscriptions/{sub['id']}", None),
        ("PATCH", f"/api/v1/webhook-subscriptions/{sub['id']}", {"isActive": False}),
        ("GET", f"/api/v1/webhook-subscriptions/{sub['id']}/deliveries", None),
        ("POST", f"/api/v1/webhook-subscriptions/deliveries/{delivery}/replay", None),
        ("DELETE", f"/api/v1/webhook-subscriptions/{sub['id']}", None),
        ("GET", f"/api/v1/sessions/{sid}/notes", None),
        ("POST", f"/api/v1/sessions/{sid}/notes", {"text": "x"}),
        ("GET", f"/api/v1/quick-replies/{reply['id']}", None),
        ("PATCH", f"/api/v1/quick-replies/{reply['id']}", {"content": "y"}),
        ("DELETE", f"/api/v1/quick-replies/{reply['id']}", None),
        ("GET", f"/api/v1/media/{other_org.id}/2026/12/{'a' * 32}.ogg", None),
    ]
    for method, path, body in probes:
        response = await client.request(method, path, json=body, headers=org.headers)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["code"] == "not_found"
    # Ids of the other organization in bodies and filters are unknown too.
    cross_tab = {"tabulationIds": [tid]}
    for method, path, body in [
        ("POST", f"/api/v1/sessions/{mine.session_id}/tags", cross_tab),
        ("POST", f"/api/v1/sessions/{mine.session_id}/close", cross_tab),
        ("POST", f"/api/v1/contacts/{mine.contact['id']}/tabulations", cross_tab),
        ("POST", "/api/v1/messages", {"sessionId": sid, "type": "TEXT", "author": "AGENT",
                                      "content": {"text": "x"}}),
        ("POST", "/api/v1/sessions", {"contactId": cid, "connectionId": mine.connection["id"]}),
    ]:  # fmt: skip
        response = await client.request(method, path, json=body, headers=org.headers)
        assert response.status_code == 422, (method, path, response.text)
    for path in (
        f"/api/v1/sessions?contactId={cid}",
        f"/api/v1/messages?sessionId={sid}",
        f"/api/v1/contacts?tabulationId={tid}",
        "/api/v1/quick-replies",
    ):
        assert (await ok(await client.get(path, headers=org.headers)))["data"] == [], path
    # Nothing of theirs changed.
    still = await ok(await client.get(f"/api/v1/sessions/{sid}", headers=other_org.headers))
    assert still["status"] == "QUEUED" and still["aiBlockedUntil"] is None
