"""The connections settings pages (/inbox/settings/connections): administrators only,
tenant-scoped, secrets never rendered; and GET /api/v1/providers, the catalog the
"new number" form is built from."""

from __future__ import annotations

import re

import pytest
from apikit import Client, connection, ok, user
from inboxkit import INBOX, sign_in
from support.orgs import Org

PAGE = "/inbox/settings/connections"


async def _waha(client: Client, org: Org, name: str = "Loja WAHA") -> dict[str, object]:
    config = {"baseUrl": "https://waha.example", "apiKey": "chave-super-secreta-123"}
    return await connection(client, org, name=name, provider="WAHA", config=config)


async def test_an_administrator_sees_the_numbers_with_status_and_ai(
    client: Client, org: Org
) -> None:
    waha = await _waha(client, org)
    await connection(client, org, name="Loja Nativa", aiEnabled=False)
    await sign_in(client, org.email)
    response = await client.get(PAGE)
    assert response.status_code == 200, response.text
    page = response.text
    assert f'id="conn-{waha["id"]}"' in page and 'data-status="DISCONNECTED"' in page
    assert "Loja WAHA" in page and "Loja Nativa" in page
    assert "IA ligada" in page and "IA desligada" in page
    assert "Native (HTTP)" in page and "Desconectado" in page
    # The secret is write-only: not on the page (nor in the webhook URL's place).
    assert "chave-super-secreta-123" not in page
    assert (
        "settings_connections.js" in page
        and "default-src 'self'" in response.headers["content-security-policy"]
    )


async def test_the_page_speaks_english_when_chosen(client: Client, org: Org) -> None:
    await sign_in(client, org.email)
    client.cookies.set("balcao_lang", "en")
    page = (await client.get(PAGE)).text
    assert "WhatsApp numbers" in page and "New number" in page and 'lang="en"' in page


@pytest.mark.parametrize("role", ["SUPERVISOR", "AGENT", "VIEWER"])
async def test_everyone_but_an_administrator_gets_a_403_page(
    client: Client, org: Org, role: str
) -> None:
    conn = await connection(client, org)
    email = f"{role.lower()}@padaria.example"
    await user(client, org, role, email)
    await sign_in(client, email)
    for path in (PAGE, f"{PAGE}/{conn['id']}"):
        response = await client.get(path)
        assert response.status_code == 403, (path, response.text)
        assert "Acesso negado" in response.text
        assert f"conn-{conn['id']}" not in response.text


async def test_one_number_page_shows_its_settings_but_not_its_secrets(
    client: Client, org: Org
) -> None:
    waha = await _waha(client, org)
    backup = await connection(client, org, name="Reserva")
    body = {"systemPrompt": "Somos a Padaria Centro.", "failoverConnectionId": backup["id"]}
    await ok(
        await client.patch(f"/api/v1/connections/{waha['id']}", json=body, headers=org.headers)
    )
    await sign_in(client, org.email)
    response = await client.get(f"{PAGE}/{waha['id']}")
    assert response.status_code == 200, response.text
    page = response.text
    assert "Somos a Padaria Centro." in page
    assert f'<option value="{backup["id"]}" selected>' in page
    assert 'name="aiBlockTtlMinutes" min="1" max="1440" required value="60"' in page
    assert 'name="concatTimeout" min="5" max="8" required value="8"' in page
    assert "chave-super-secreta-123" not in page
    # The script shows it as "definido".
    assert re.search(r'"configuredSecrets": ?\["apiKey"\]', page)


async def test_another_organizations_number_is_not_found(
    client: Client, org: Org, other_org: Org
) -> None:
    theirs = await _waha(client, other_org, name="Deles")
    await sign_in(client, org.email)
    response = await client.get(f"{PAGE}/{theirs['id']}")
    assert response.status_code == 404 and "Deles" not in response.text
    assert "Deles" not in (await client.get(PAGE)).text
    # What the page's script calls answers 404 as well (cookie + inbox header).
    base = f"/api/v1/connections/{theirs['id']}"
    for method, path in (("GET", "/qr"), ("GET", "/status"), ("GET", "/stats"), ("GET", "")):
        answer = await client.request(method, base + path, headers=INBOX)
        assert answer.status_code == 404, (path, answer.text)
    patched = await client.patch(base, json={"aiEnabled": False}, headers=INBOX)
    assert patched.status_code == 404
    assert (await client.delete(base, headers=INBOX)).status_code == 404
    still = await ok(await client.get(base, headers=other_org.headers))
    assert still["aiEnabled"] is True


async def test_the_page_acts_through_the_api_with_its_cookie(client: Client, org: Org) -> None:
    await sign_in(client, org.email)
    body = {"name": "Pelo navegador", "provider": "WHATSAPP_WEB", "config": {}}
    created = await ok(await client.post("/api/v1/connections", json=body, headers=INBOX), 201)
    stats = await ok(await client.get(f"/api/v1/connections/{created['id']}/stats", headers=INBOX))
    assert stats["today"]["messagesIn"] == 0 and set(stats) >= {"today", "week", "month"}
    assert "Pelo navegador" in (await client.get(PAGE)).text


async def test_the_providers_endpoint_lists_each_providers_settings(
    client: Client, org: Org
) -> None:
    catalog = await ok(await client.get("/api/v1/providers", headers=org.headers))
    by_kind = {p["kind"]: p for p in catalog}
    assert set(by_kind) >= {"EVOLUTION", "WAHA", "UAZAPI", "META", "WHATSAPP_WEB", "NATIVE"}
    waha = by_kind["WAHA"]
    assert waha["name"] == "WAHA"
    assert waha["configKeys"] == [
        {"name": "baseUrl", "required": True, "secret": False, "url": True},
        {"name": "apiKey", "required": True, "secret": True, "url": False},
        {"name": "session", "required": False, "secret": False, "url": False},
        {"name": "webhookHmacKey", "required": False, "secret": True, "url": False},
    ]
    assert by_kind["WHATSAPP_WEB"]["configKeys"] == [
        {"name": "webUrl", "required": False, "secret": False, "url": True}
    ]
    assert by_kind["WHATSAPP_WEB"]["capabilities"]["pacesItself"] is True
    assert isinstance(by_kind["META"]["capabilities"]["media"], list)
    # Any signed-in caller may read it; nobody unsigned.
    _, agent = await user(client, org, "AGENT", "agente@padaria.example")
    assert (await client.get("/api/v1/providers", headers=agent)).status_code == 200
    assert (await client.get("/api/v1/providers")).status_code == 401


async def test_the_providers_endpoint_is_in_the_openapi_document(client: Client) -> None:
    document = await ok(await client.get("/schema/openapi.json"))
    operation = document["paths"]["/api/v1/providers"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["type"] == "array"
    assert "ProviderInfo" in document["components"]["schemas"]
