"""Provisioning and the health check end to end: a connection created through the API
enqueues ``provision_connection`` (outbox → Redis), a real arq worker runs it against
the provider's stand-in, and ``check_connections`` (the cron) keeps status, QR and our
number true with no webhook at all — flipping the status, replacing the QR, publishing
``connection.status_changed`` on each change, and turning refused credentials into a
clear reason instead of an error."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from arq.connections import ArqRedis
from litestar.testing import AsyncTestClient
from provider_management import EvolutionInstances, MetaGraph, UazapiInstance, WahaSessions
from worker_harness import FAST, Workers

from app.config import Settings
from app.realtime import channel
from workers import provision
from workers.context import CONTEXT_KEY, build_context

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "api"))

from apikit import ok
from support.orgs import Org

Client = AsyncTestClient[Any]


@pytest.fixture
def waha() -> Iterator[WahaSessions]:
    with WahaSessions() as server:
        yield server


@pytest.fixture
async def ctx(settings: Settings, arq: ArqRedis) -> AsyncIterator[dict[str, Any]]:
    """What arq hands a cron job: our context and its Redis."""
    deps = build_context(settings, FAST)
    try:
        yield {CONTEXT_KEY: deps, "redis": arq}
    finally:
        await deps.aclose()


async def create(client: Client, org: Org, provider: str, config: dict[str, str]) -> str:
    body = {"name": f"Loja {provider}", "provider": provider, "config": config}
    created = await ok(
        await client.post("/api/v1/connections", json=body, headers=org.headers), 201
    )
    return str(created["id"])


async def get(client: Client, org: Org, cid: str) -> dict[str, Any]:
    return dict(await ok(await client.get(f"/api/v1/connections/{cid}", headers=org.headers)))


async def qr_of(client: Client, org: Org, cid: str) -> dict[str, Any]:
    return dict(await ok(await client.get(f"/api/v1/connections/{cid}/qr", headers=org.headers)))


async def health_check(ctx: dict[str, Any], arq: ArqRedis, cid: str) -> None:
    """One cron round with this connection due now."""
    await arq.delete(provision.DUE_KEY.format(cid))
    await provision.check_connections(ctx)


async def test_a_waha_number_is_provisioned_then_watched_without_webhooks(
    client: Client,
    org: Org,
    arq: ArqRedis,
    workers: Workers,
    waha: WahaSessions,
    ctx: dict[str, Any],
) -> None:
    notices = arq.pubsub()
    await notices.subscribe(channel(org.id))
    cid = await create(client, org, "WAHA", waha.config)
    assert (await get(client, org, cid))["status"] == "CONNECTING"
    await workers.run()  # provision_connection, from the create's outbox row

    # The session exists on WAHA with our webhook URL (token included), pairing.
    hook = waha.sessions["default"]["config"]["webhooks"][0]
    assert hook["url"] == (await get(client, org, cid))["webhookUrl"]
    first = await qr_of(client, org, cid)
    assert first["status"] == "QR_PENDING"
    assert first["qrCode"] == "data:image/png;base64," + waha.qr_base64()

    # WAHA refreshes its QR: the next health check stores the new one.
    waha.refresh_qr()
    await health_check(ctx, arq, cid)
    second = await qr_of(client, org, cid)
    assert second["qrCode"] == "data:image/png;base64," + waha.qr_base64() != first["qrCode"]

    # The phone scans; no webhook comes (none can reach us here), the check sees it.
    waha.pair("5511955554444")
    await health_check(ctx, arq, cid)
    done = await get(client, org, cid)
    assert (done["status"], done["phoneNumber"], done["statusReason"]) == (
        "CONNECTED",
        "5511955554444",
        None,
    )
    assert (await qr_of(client, org, cid))["qrCode"] is None

    # The server goes away: one failed check only notes it (a blip is not an outage),
    # the next one shows the number disconnected, with why.
    waha.stop()
    await health_check(ctx, arq, cid)
    blip = await get(client, org, cid)
    assert blip["status"] == "CONNECTED" and "checking again" in blip["statusReason"]
    await health_check(ctx, arq, cid)
    down = await get(client, org, cid)
    assert down["status"] == "DISCONNECTED" and "connection failed" in down["statusReason"]
    assert down["phoneNumber"] == "5511955554444"

    # Each change was announced live, as the WhatsApp-Web runner's are.
    seen: list[str] = []
    for _ in range(50):
        message = await notices.get_message(ignore_subscribe_messages=True, timeout=0.1)
        if message is not None:
            notice = msgspec.json.decode(message["data"])
            if notice["event"] == "connection.status_changed" and notice["id"] == cid:
                seen.append(notice["event"])
    await notices.aclose()
    assert len(seen) >= 3  # → QR_PENDING, → CONNECTED, → DISCONNECTED


async def test_a_session_deleted_on_waha_is_provisioned_again(
    client: Client,
    org: Org,
    arq: ArqRedis,
    workers: Workers,
    waha: WahaSessions,
    ctx: dict[str, Any],
) -> None:
    cid = await create(client, org, "WAHA", waha.config)
    await workers.run()
    waha.sessions.clear()  # someone deleted it in WAHA's dashboard
    await health_check(ctx, arq, cid)
    gone = await get(client, org, cid)
    assert gone["status"] == "DISCONNECTED" and "does not exist" in gone["statusReason"]
    await workers.run()  # the check re-enqueued provision_connection
    assert "default" in waha.sessions
    assert (await get(client, org, cid))["status"] == "QR_PENDING"


async def test_refused_credentials_are_a_clear_reason_not_an_error(
    client: Client, org: Org, workers: Workers, waha: WahaSessions
) -> None:
    cid = await create(client, org, "WAHA", {**waha.config, "apiKey": "wrong-key"})
    await workers.run()
    failed = await get(client, org, cid)
    assert failed["status"] == "FAILED"
    assert "WAHA refused the credentials" in failed["statusReason"]
    assert "HTTP 401" in failed["statusReason"]

    # A PATCH with the right key provisions again.
    patched = {"config": {"apiKey": waha.api_key}}
    await ok(await client.patch(f"/api/v1/connections/{cid}", json=patched, headers=org.headers))
    await workers.run()
    fixed = await get(client, org, cid)
    assert fixed["status"] == "QR_PENDING" and fixed["statusReason"] is None


async def test_an_unreachable_provider_is_retried_with_its_reason_shown(
    client: Client, org: Org, workers: Workers, waha: WahaSessions
) -> None:
    waha.fail_next("server_error", times=1)
    cid = await create(client, org, "WAHA", waha.config)
    run = asyncio.create_task(workers.run())  # burst: returns once the retry ran
    found: dict[str, Any] = {}
    for _ in range(100):  # the first try fails, its retry comes 2 s later
        found = await get(client, org, cid)
        if found["statusReason"] and "retrying" in found["statusReason"]:
            break
        await asyncio.sleep(0.05)
    assert "WAHA answered HTTP 500" in found["statusReason"]
    assert found["status"] == "CONNECTING"
    await asyncio.wait_for(run, 30)
    assert (await get(client, org, cid))["status"] == "QR_PENDING"


async def test_evolution_uazapi_and_meta_numbers_are_provisioned(
    client: Client, org: Org, arq: ArqRedis, workers: Workers, ctx: dict[str, Any]
) -> None:
    with EvolutionInstances() as evo, UazapiInstance() as uaz, MetaGraph() as meta:
        evo_id = await create(client, org, "EVOLUTION", evo.config)
        uaz_id = await create(client, org, "UAZAPI", uaz.config)
        meta_id = await create(client, org, "META", meta.config)
        await workers.run()
        evo_row, uaz_row = await get(client, org, evo_id), await get(client, org, uaz_id)
        assert evo.instances["loja-centro"]["webhook"]["url"] == evo_row["webhookUrl"]
        assert uaz.webhooks[0]["url"] == uaz_row["webhookUrl"]
        for cid in (evo_id, uaz_id):
            assert (await qr_of(client, org, cid))["qrCode"].startswith("data:image/png;base64,")
        meta_row = await get(client, org, meta_id)
        assert (meta_row["status"], meta_row["phoneNumber"]) == ("CONNECTED", "5511955554444")

        evo.pair("5511955550001")
        uaz.pair("5511955550002")
        meta.access_token = "rotated-at-meta"  # ours no longer works
        for cid in (evo_id, uaz_id, meta_id):
            await health_check(ctx, arq, cid)
        assert (await get(client, org, evo_id))["phoneNumber"] == "5511955550001"
        assert (await get(client, org, uaz_id))["status"] == "CONNECTED"
        meta_row = await get(client, org, meta_id)
        assert meta_row["status"] == "FAILED" and "code 190" in meta_row["statusReason"]


async def test_only_provisioned_providers_take_a_provision_request(
    client: Client, org: Org, waha: WahaSessions
) -> None:
    native = await create(client, org, "NATIVE", {"sendUrl": "https://crm.example/out"})
    refused = await client.post(f"/api/v1/connections/{native}/provision", headers=org.headers)
    assert refused.status_code == 409 and refused.json()["code"] == "not_provisioned"
    assert (await get(client, org, native))["status"] == "DISCONNECTED"
    cid = await create(client, org, "WAHA", {**waha.config, "apiKey": "wrong"})
    again = await client.post(f"/api/v1/connections/{cid}/provision", headers=org.headers)
    assert again.status_code == 202 and again.json()["status"] == "CONNECTING"
