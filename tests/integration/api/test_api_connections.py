"""Connections through HTTP: which kinds and config keys each provider accepts (asked of
the provider registry), secrets write-only, webhook URLs by the lower-case kind, and
Meta's GET handshake as the only provider with one."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from apikit import Client, ok
from support.orgs import Org
from support.webhooks import Db

from app.config import Settings

META = {"phoneNumberId": "1065", "accessToken": "EAAG-token", "verifyToken": "verify-me"}


async def _create(client: Client, org: Org, provider: str, config: dict[str, str]) -> Any:
    body = {"name": "Loja", "provider": provider, "config": config}
    return await client.post("/api/v1/connections", json=body, headers=org.headers)


@pytest.mark.parametrize("kind", ["ZAPI", "native", "", "WHATSAPP-WEB"])
async def test_an_unknown_kind_is_a_validation_error_on_provider(
    client: Client, org: Org, kind: str
) -> None:
    response = await _create(client, org, kind, {})
    body = response.json()
    assert (response.status_code, body["code"]) == (422, "validation_error")
    assert body["extra"]["field"] == "provider"
    assert [e["field"] for e in body["extra"]["errors"]] == ["provider"]


async def test_a_key_the_provider_does_not_take_is_refused(client: Client, org: Org) -> None:
    response = await _create(client, org, "EVOLUTION", {"baseUrl": "http://evo", "token": "x"})
    body = response.json()
    assert (response.status_code, body["code"]) == (422, "invalid_config")
    assert body["extra"]["field"] == "config.token"
    assert body["detail"] == (
        "`token` is not a EVOLUTION setting (allowed: apiKey, baseUrl, instance)."
    )
    web = await _create(client, org, "WHATSAPP_WEB", {"apiKey": "x"})
    assert web.json()["detail"].endswith("(allowed: webUrl).")


@pytest.mark.parametrize(
    ("kind", "key"),
    [("EVOLUTION", "baseUrl"), ("META", "graphBaseUrl"), ("NATIVE", "sendUrl")],
)
async def test_url_keys_must_be_http_urls(client: Client, org: Org, kind: str, key: str) -> None:
    response = await _create(client, org, kind, {key: "ftp://files"})
    assert (response.status_code, response.json()["extra"]["field"]) == (422, f"config.{key}")
    assert (await _create(client, org, kind, {key: "https://x.example"})).status_code == 201


async def test_secrets_are_write_only_and_survive_a_patch(client: Client, org: Org) -> None:
    created = await ok(await _create(client, org, "META", META), 201)
    assert created["provider"] == "META"
    assert created["config"] == {"phoneNumberId": "1065"}
    assert created["configuredSecrets"] == ["accessToken", "verifyToken"]
    assert f"/api/v1/webhooks/meta/{created['id']}?token=" in created["webhookUrl"]
    patched = await ok(
        await client.patch(
            f"/api/v1/connections/{created['id']}",
            json={"config": {"graphVersion": "v24.0", "appSecret": "shh"}},
            headers=org.headers,
        )
    )
    assert patched["config"] == {"phoneNumberId": "1065", "graphVersion": "v24.0"}
    assert patched["configuredSecrets"] == ["accessToken", "appSecret", "verifyToken"]
    listed = await ok(await client.get("/api/v1/connections", headers=org.headers))
    assert [c["configuredSecrets"] for c in listed["data"]] == [patched["configuredSecrets"]]


async def test_whatsapp_web_urls_keep_the_kind_as_stored(client: Client, org: Org) -> None:
    created = await ok(await _create(client, org, "WHATSAPP_WEB", {}), 201)
    assert f"/api/v1/webhooks/whatsapp_web/{created['id']}?token=" in created["webhookUrl"]


async def test_only_meta_answers_the_get_handshake(client: Client, org: Org) -> None:
    meta = await ok(await _create(client, org, "META", META), 201)
    native = await ok(await _create(client, org, "NATIVE", {}), 201)
    query = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "42"}
    answered = await client.get(f"/api/v1/webhooks/meta/{meta['id']}", params=query)
    assert (answered.status_code, answered.text) == (200, "42")
    wrong = await client.get(
        f"/api/v1/webhooks/meta/{meta['id']}", params={**query, "hub.verify_token": "no"}
    )
    assert wrong.status_code == 403
    none = await client.get(f"/api/v1/webhooks/native/{native['id']}", params=query)
    assert none.status_code == 404


async def test_the_database_keeps_only_the_shape_of_a_kind(settings: Settings, org: Org) -> None:
    # Migration 0007: any registered kind can be stored (the registry decides which
    # exist), but nothing that is not shaped like one.
    assert settings.database_url
    db = Db(settings.database_url)
    insert = (
        "INSERT INTO connection (organization_id, name, provider, webhook_token)"
        " VALUES ($1::uuid, 'x', $2, md5(random()::text))"
    )
    await db.fetch(insert, org.id, "ACME_2")
    for wrong in ("acme", "", "WHATSAPP-WEB", "9LIVES"):
        with pytest.raises(asyncpg.CheckViolationError):
            await db.fetch(insert, org.id, wrong)
