"""Each provider's provisioning and state check against a stand-in speaking its
management API: the session or instance is created (or found) with our webhook, the
QR comes as a PNG data URL and changes with the provider's, the state follows the
phone's scan, and refused credentials become a clear, permanent reason."""

from __future__ import annotations

import base64

import httpx
import pytest
from provider_management import EvolutionInstances, MetaGraph, UazapiInstance, WahaSessions

from providers import get_provider
from providers.base import Provisioner, ProvisionError, provisioner_of

PNG = b"\x89PNG\r\n\x1a\n"
WEBHOOK = (
    "https://balcao.example/api/v1/webhooks/{kind}/3f6c2a1e-0000-4000-8000-000000000001?token=tok-1"
)


def webhook_url(kind: str) -> str:
    return WEBHOOK.format(kind=kind)


def provisioner(kind: str) -> Provisioner:
    found = provisioner_of(get_provider(kind))
    assert found is not None, kind
    return found


def png_of(data_url: str | None) -> bytes:
    assert data_url and data_url.startswith("data:image/png;base64,"), data_url
    raw = base64.b64decode(data_url.split(",", 1)[1])
    assert raw.startswith(PNG)
    return raw


def test_the_providers_say_how_they_pair() -> None:
    pairing = {
        kind: get_provider(kind).capabilities.pairing
        for kind in ("WAHA", "EVOLUTION", "UAZAPI", "META", "WHATSAPP_WEB", "NATIVE")
    }
    assert pairing == {
        "WAHA": "qr",
        "EVOLUTION": "qr",
        "UAZAPI": "qr",
        "META": "token",
        "WHATSAPP_WEB": "qr",
        "NATIVE": "none",
    }
    assert provisioner_of(get_provider("NATIVE")) is None
    assert provisioner_of(get_provider("WHATSAPP_WEB")) is None  # its runner pairs it


# ------------------------------------------------------------------------------- WAHA


async def test_waha_creates_the_session_with_our_webhook_and_serves_its_qr(
    waha: WahaSessions, http_client: httpx.AsyncClient
) -> None:
    config = {**waha.config, "webhookHmacKey": "hmac-secret"}
    state = await provisioner("WAHA").provision(
        config, webhook_url=webhook_url("waha"), client=http_client
    )
    assert state.state == "qr_pending"
    assert png_of(state.qr_code) == waha.qr_png()
    [created] = waha.requests_to("/api/sessions")
    assert created.method == "POST" and created.headers["x-api-key"] == waha.api_key
    assert created.json["name"] == "default" and created.json["start"] is True
    [hook] = created.json["config"]["webhooks"]
    assert hook["url"] == webhook_url("waha")
    assert "session.status" in hook["events"] and "message.any" in hook["events"]
    assert hook["hmac"] == {"key": "hmac-secret"}
    [qr] = waha.requests_to("/api/default/auth/qr")
    assert qr.headers["accept"] == "application/json"

    # The provider refreshes its QR: the next check brings the new one.
    waha.refresh_qr()
    again = await provisioner("WAHA").check(config, client=http_client)
    assert again.state == "qr_pending" and png_of(again.qr_code) == waha.qr_png()
    assert again.qr_code != state.qr_code

    waha.pair("5511955554444")
    done = await provisioner("WAHA").check(config, client=http_client)
    assert (done.state, done.phone, done.qr_code) == ("connected", "5511955554444", None)


async def test_waha_updates_an_existing_session_only_when_its_webhook_differs(
    waha: WahaSessions, http_client: httpx.AsyncClient
) -> None:
    other = {"url": "https://crm.example/hook", "events": ["message"]}
    old_ours = {"url": webhook_url("waha").replace("tok-1", "old-token"), "events": ["message"]}
    waha.sessions["default"] = {
        "status": "STOPPED",
        "config": {"webhooks": [other, old_ours], "debug": True},
        "me": None,
    }
    waha_p = provisioner("WAHA")
    state = await waha_p.provision(waha.config, webhook_url=webhook_url("waha"), client=http_client)
    assert state.state == "qr_pending"
    [put] = [r for r in waha.requests if r.method == "PUT"]
    hooks = put.json["config"]["webhooks"]
    # The CRM's webhook stays, our old one (another token) is replaced, the rest kept.
    assert [h["url"] for h in hooks] == [other["url"], webhook_url("waha")]
    assert put.json["config"]["debug"] is True
    assert waha.requests_to("/api/sessions/default/start")
    assert not [r for r in waha.requests if r.method == "POST" and r.path == "/api/sessions"]

    before = len(waha.requests)
    await waha_p.provision(waha.config, webhook_url=webhook_url("waha"), client=http_client)
    assert not [r for r in waha.requests[before:] if r.method == "PUT"]  # already right


async def test_waha_missing_session_and_refused_key(
    waha: WahaSessions, http_client: httpx.AsyncClient
) -> None:
    state = await provisioner("WAHA").check(waha.config, client=http_client)
    assert state.state == "disconnected" and state.missing
    assert "does not exist" in (state.reason or "")
    with pytest.raises(ProvisionError) as refused:
        await provisioner("WAHA").provision(
            {**waha.config, "apiKey": "wrong"}, webhook_url=webhook_url("waha"), client=http_client
        )
    assert not refused.value.transient and refused.value.status == 401
    assert "refused the credentials" in refused.value.detail
    with pytest.raises(ProvisionError) as missing:
        await provisioner("WAHA").check({"baseUrl": waha.base_url}, client=http_client)
    assert not missing.value.transient and "'apiKey' is missing" in missing.value.detail


async def test_waha_down_is_transient(waha: WahaSessions, http_client: httpx.AsyncClient) -> None:
    waha.fail_next("server_error")
    with pytest.raises(ProvisionError) as caught:
        await provisioner("WAHA").check(waha.config, client=http_client)
    assert caught.value.transient and caught.value.status == 500
    with pytest.raises(ProvisionError) as unreachable:
        await provisioner("WAHA").check(
            {**waha.config, "baseUrl": "http://127.0.0.1:9"}, client=http_client
        )
    assert unreachable.value.transient


# -------------------------------------------------------------------------- Evolution


async def test_evolution_creates_the_instance_with_our_webhook_then_pairs(
    evolution: EvolutionInstances, http_client: httpx.AsyncClient
) -> None:
    evo = provisioner("EVOLUTION")
    state = await evo.provision(
        evolution.config, webhook_url=webhook_url("evolution"), client=http_client
    )
    assert state.state == "qr_pending" and png_of(state.qr_code) == evolution.qr_png()
    [created] = evolution.requests_to("/instance/create")
    assert created.headers["apikey"] == evolution.api_key
    assert created.json["instanceName"] == "loja-centro"
    assert created.json["integration"] == "WHATSAPP-BAILEYS"
    hook = created.json["webhook"]
    assert hook["url"] == webhook_url("evolution") and hook["enabled"] is True
    assert "MESSAGES_UPSERT" in hook["events"] and "CONNECTION_UPDATE" in hook["events"]
    assert evolution.instances["loja-centro"]["webhook"]["url"] == webhook_url("evolution")

    evolution.refresh_qr()
    again = await evo.check(evolution.config, client=http_client)
    assert png_of(again.qr_code) == evolution.qr_png() != png_of(state.qr_code)
    evolution.pair("5511955554444")
    done = await evo.check(evolution.config, client=http_client)
    assert (done.state, done.phone) == ("connected", "5511955554444")


async def test_evolution_sets_the_webhook_of_an_existing_instance(
    evolution: EvolutionInstances, http_client: httpx.AsyncClient
) -> None:
    evolution.instances["loja-centro"] = {
        "id": "abc", "state": "open", "token": "inst-token",
        "ownerJid": "5511955554444@s.whatsapp.net", "webhook": None,
    }  # fmt: skip
    # The instance's own token is enough for an existing instance.
    config = {**evolution.config, "apiKey": "inst-token"}
    state = await provisioner("EVOLUTION").provision(
        config, webhook_url=webhook_url("evolution"), client=http_client
    )
    assert (state.state, state.phone) == ("connected", "5511955554444")
    [setter] = evolution.requests_to("/webhook/set/loja-centro")
    assert setter.json["webhook"]["url"] == webhook_url("evolution")
    assert not evolution.requests_to("/instance/create")
    assert evolution.instances["loja-centro"]["webhook"]["url"] == webhook_url("evolution")


async def test_evolution_refuses_an_instance_token_for_creating(
    evolution: EvolutionInstances, http_client: httpx.AsyncClient
) -> None:
    with pytest.raises(ProvisionError) as caught:
        await provisioner("EVOLUTION").provision(
            {**evolution.config, "apiKey": "not-global"},
            webhook_url=webhook_url("evolution"),
            client=http_client,
        )
    assert not caught.value.transient and caught.value.status == 401
    assert "Evolution refused the credentials while creating instance" in caught.value.detail


# ----------------------------------------------------------------------------- UAZapi


async def test_uazapi_sets_its_webhook_and_connects_for_a_qr(
    uazapi: UazapiInstance, http_client: httpx.AsyncClient
) -> None:
    uaz = provisioner("UAZAPI")
    state = await uaz.provision(
        uazapi.config, webhook_url=webhook_url("uazapi"), client=http_client
    )
    assert state.state == "qr_pending" and png_of(state.qr_code) == uazapi.qr_png()
    [hook] = [r for r in uazapi.requests_to("/webhook") if r.method == "POST"]
    assert hook.headers["token"] == uazapi.token
    assert hook.json["url"] == webhook_url("uazapi") and "action" not in hook.json
    assert set(hook.json["events"]) == {"messages", "messages_update", "connection"}
    assert uazapi.webhooks[0]["url"] == webhook_url("uazapi")
    assert uazapi.requests_to("/instance/connect")

    uazapi.refresh_qr()
    again = await uaz.check(uazapi.config, client=http_client)
    assert png_of(again.qr_code) == uazapi.qr_png()
    uazapi.pair("5511955554444")
    done = await uaz.check(uazapi.config, client=http_client)
    assert (done.state, done.phone) == ("connected", "5511955554444")

    # Provisioning a connected instance again only sets the webhook (no new QR).
    before = len(uazapi.requests_to("/instance/connect"))
    await uaz.provision(uazapi.config, webhook_url=webhook_url("uazapi"), client=http_client)
    assert len(uazapi.requests_to("/instance/connect")) == before


async def test_uazapi_bad_token(uazapi: UazapiInstance, http_client: httpx.AsyncClient) -> None:
    with pytest.raises(ProvisionError) as caught:
        await provisioner("UAZAPI").provision(
            {**uazapi.config, "token": "nope"},
            webhook_url=webhook_url("uazapi"),
            client=http_client,
        )
    assert not caught.value.transient and "Invalid token" in caught.value.detail


# ------------------------------------------------------------------------------- Meta


async def test_meta_checks_the_token_and_the_phone_number_id(
    meta: MetaGraph, http_client: httpx.AsyncClient
) -> None:
    meta_p = provisioner("META")
    state = await meta_p.provision(meta.config, webhook_url=webhook_url("meta"), client=http_client)
    assert (state.state, state.phone) == ("connected", "5511955554444")
    [asked] = meta.requests
    assert asked.method == "GET" and asked.path == f"/v23.0/{meta.phone_number_id}"
    assert asked.headers["authorization"] == f"Bearer {meta.access_token}"

    bad_token = await meta_p.check({**meta.config, "accessToken": "expired"}, client=http_client)
    assert bad_token.state == "failed" and "access token (code 190)" in (bad_token.reason or "")
    bad_id = await meta_p.check({**meta.config, "phoneNumberId": "123"}, client=http_client)
    assert bad_id.state == "failed" and "phone number id '123'" in (bad_id.reason or "")
