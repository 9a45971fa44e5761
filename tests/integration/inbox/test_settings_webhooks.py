"""The webhooks settings pages: administrators only (API.md "Web app pages"), the
subscriptions with every event of the real enum to pick from, the secret never on a
page, and a subscription's delivery log — filled by a real arq worker delivering to a
local receiver — with status codes, attempts, both bodies, filters and pages; plus the
API calls the page script makes (rotate a secret, read one delivery, replay)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from apikit import Client, message, ok, user, world
from inboxkit import INBOX, sign_in
from support.crm import CrmReceiver, drain_webhooks
from support.orgs import Org

from app.config import Settings
from app.events import EVENTS

API = "/api/v1/webhook-subscriptions"
PAGE = "/inbox/settings/webhooks"


@pytest.fixture
def receiver() -> Iterator[CrmReceiver]:
    with CrmReceiver() as started:
        yield started


async def _subscribe(client: Client, org: Org, url: str, events: list[str]) -> dict[str, Any]:
    body = {"url": url, "events": events}
    return await ok(await client.post(API, json=body, headers=org.headers), 201)


@pytest.mark.parametrize(
    ("role", "status"), [("ADMIN", 200), ("SUPERVISOR", 403), ("AGENT", 403), ("VIEWER", 403)]
)
async def test_only_administrators_open_the_webhooks_pages(
    client: Client, org: Org, role: str, status: int
) -> None:
    sub = await _subscribe(client, org, "https://crm.example/h", ["session.closed"])
    if role == "ADMIN":
        await sign_in(client, org.email)
    else:
        email = f"{role.lower()}@padaria.example"
        await user(client, org, role, email)
        await sign_in(client, email)
    for path in (PAGE, f"{PAGE}/{sub['id']}"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == status, (path, response.text[:200])
        assert response.headers["content-type"].startswith("text/html")
        if status == 403:
            assert "Acesso negado" in response.text
    index = await client.get("/inbox/settings", follow_redirects=False)
    listed = re.findall(r'class="card setcard" data-page="([a-z-]+)"', index.text)
    assert ("webhooks" in listed) == (role == "ADMIN")


async def test_the_page_lists_subscriptions_and_every_event_but_never_a_secret(
    client: Client, org: Org
) -> None:
    sub = await _subscribe(client, org, "https://crm.example/balcao", ["message.created"])
    paused = await _subscribe(client, org, "https://erp.example/in", ["session.closed"])
    await ok(
        await client.patch(f"{API}/{paused['id']}", json={"isActive": False}, headers=org.headers)
    )
    await sign_in(client, org.email)
    page = await client.get(PAGE)
    assert page.status_code == 200
    row = _row(page.text, f"sub-{sub['id']}")
    assert "https://crm.example/balcao" in row and "message.created" in row
    assert "Ativa" in row and "Entregas (7 dias): 0" in row
    assert f'href="{PAGE}/{sub["id"]}"' in row
    assert "Pausada" in _row(page.text, f"sub-{paused['id']}")
    offered = re.findall(r'name="events" value="([a-z_.]+)"', page.text)
    assert sorted(offered) == sorted(EVENTS)
    assert "Mensagem nova" in page.text  # events are described, not only named
    for secret in (sub["secret"], paused["secret"]):
        assert secret not in page.text
    assert "settings_webhooks.js" in page.text


async def test_the_delivery_log_shows_codes_attempts_bodies_and_replays(
    client: Client, settings: Settings, org: Org, receiver: CrmReceiver
) -> None:
    sub = await _subscribe(client, org, receiver.url, ["message.created"])
    receiver.secret = sub["secret"]
    w = await world(client, settings, org)
    sent = await message(client, org, w.session_id, "Pedido 123 confirmado")
    await drain_webhooks(settings)
    assert [c["signed"] for c in receiver.calls] == [True]

    [failed] = (await ok(await client.get(f"{API}/{sub['id']}/deliveries", headers=org.headers)))[
        "data"
    ]
    assert (failed["status"], failed["attempts"], failed["lastStatusCode"]) == ("FAILED", 1, 500)
    assert json.loads(failed["lastResponseBody"]) == {"crm": "down"}
    assert failed["lastAttemptAt"] is not None

    await sign_in(client, org.email)
    log = await client.get(f"{PAGE}/{sub['id']}")
    assert log.status_code == 200
    item = _item(log.text, failed["id"])
    assert 'data-status="FAILED"' in item and "Falhou" in item
    assert 'data-field="code">500<' in item and 'data-field="attempts">1<' in item
    assert "message.created" in item and "<details" in item
    assert "Pedido 123 confirmado" in item  # the request body, as posted
    assert f"&#34;deliveryId&#34;: &#34;{failed['id']}&#34;" in item
    assert "&#34;crm&#34;: &#34;down&#34;" in item  # the response body
    assert sent["id"] in item
    assert "HTTP 500" in item  # the error line

    # The filters: nothing delivered yet, one failed.
    delivered = await client.get(f"{PAGE}/{sub['id']}?status=DELIVERED")
    assert 'id="deliveries-empty"' in delivered.text
    assert failed["id"] in (await client.get(f"{PAGE}/{sub['id']}?status=FAILED")).text
    bad = await client.get(f"{PAGE}/{sub['id']}?status=EXPLODED", follow_redirects=False)
    assert 400 <= bad.status_code < 500

    # Replay, as the page's script does: queued, then delivered by the worker.
    receiver.status = 200
    path = f"{API}/deliveries/{failed['id']}"
    queued = await ok(await client.post(f"{path}/replay", headers=INBOX), 202)
    assert (queued["status"], queued["attempts"]) == ("PENDING", 0)
    await drain_webhooks(settings)
    done = await ok(await client.get(path, headers=INBOX))
    assert (done["status"], done["lastStatusCode"], done["attempts"]) == ("DELIVERED", 200, 1)
    assert json.loads(done["lastResponseBody"]) == {"crm": "ok"}
    page = await client.get(f"{PAGE}/{sub['id']}")
    assert 'data-status="DELIVERED"' in _item(page.text, failed["id"])


async def test_the_log_pages_through_many_deliveries(
    client: Client, settings: Settings, org: Org, receiver: CrmReceiver
) -> None:
    receiver.status = 204
    sub = await _subscribe(client, org, receiver.url, ["message.created"])
    w = await world(client, settings, org)
    for n in range(21):
        await message(client, org, w.session_id, f"mensagem {n}")
    await drain_webhooks(settings)
    await sign_in(client, org.email)
    first = await client.get(f"{PAGE}/{sub['id']}")
    assert len(re.findall(r'class="card hookrow"', first.text)) == 20
    assert "Página 1 de 2" in first.text and 'rel="next" href="?page=2"' in first.text
    second = await client.get(f"{PAGE}/{sub['id']}?page=2")
    assert len(re.findall(r'class="card hookrow"', second.text)) == 1
    assert 'rel="prev" href="?page=1"' in second.text
    bad = await client.get(f"{PAGE}/{sub['id']}?page=0", follow_redirects=False)
    assert 400 <= bad.status_code < 500


async def test_rotating_a_secret_shows_the_new_one_once(
    client: Client, settings: Settings, org: Org, receiver: CrmReceiver
) -> None:
    receiver.status = 200
    sub = await _subscribe(client, org, receiver.url, ["message.created"])
    await sign_in(client, org.email)
    rotated = await ok(await client.post(f"{API}/{sub['id']}/rotate-secret", headers=INBOX))
    assert rotated["id"] == sub["id"]
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != sub["secret"]
    assert "secret" not in await ok(await client.get(f"{API}/{sub['id']}", headers=INBOX))
    assert rotated["secret"] not in (await client.get(PAGE)).text
    receiver.secret = rotated["secret"]
    w = await world(client, settings, org)
    await message(client, org, w.session_id, "oi")
    await drain_webhooks(settings)
    assert [c["signed"] for c in receiver.calls] == [True]  # signed with the new secret
    events = await ok(await client.get(f"{API}/events", headers=INBOX))
    assert events == sorted(EVENTS)


async def test_another_organizations_subscription_is_404(
    client: Client, org: Org, other_org: Org
) -> None:
    theirs = await _subscribe(client, other_org, "https://deles.example/h", ["session.closed"])
    await sign_in(client, org.email)
    page = await client.get(f"{PAGE}/{theirs['id']}", follow_redirects=False)
    assert page.status_code == 404
    assert "deles.example" not in (await client.get(PAGE)).text
    for method, path in (
        ("POST", f"{API}/{theirs['id']}/rotate-secret"),
        ("PATCH", f"{API}/{theirs['id']}"),
        ("DELETE", f"{API}/{theirs['id']}"),
    ):
        body = {"isActive": False} if method == "PATCH" else None
        response = await client.request(method, path, json=body, headers=INBOX)
        assert response.status_code == 404, (method, path)


def _row(html: str, row_id: str) -> str:
    match = re.search(rf'<tr id="{row_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, row_id
    return match.group(1)


def _item(html: str, delivery_id: str) -> str:
    match = re.search(
        rf'<li class="card hookrow" id="delivery-{delivery_id}"(.*?)</li>', html, re.S
    )
    assert match, delivery_id
    return match.group(0)
