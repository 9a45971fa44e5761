"""The connections page and catalog say how each number pairs: a QR button only for
QR providers, a webhook button for Meta (its URL and verify token to paste), none for
a native integration; a provider the platform provisions starts CONNECTING, and why a
number is not connected (statusReason) is on its row. The request never calls the
provider: creating one only queues its provisioning job."""

from __future__ import annotations

import re

import sqlalchemy as sa
from apikit import Client, connection, ok, user
from inboxkit import INBOX, sign_in
from support.orgs import Org

from app.config import Settings
from app.db.engine import make_engine

PAGE = "/inbox/settings/connections"


def row_of(page: str, cid: str) -> str:
    match = re.search(rf'<li class="card conn-row" id="conn-{cid}".*?</li>', page, re.S)
    assert match, cid
    return match.group(0)


async def test_each_number_gets_the_pairing_button_of_its_provider(
    client: Client, org: Org
) -> None:
    # Nothing listens at these addresses: the request must not call them.
    waha = await connection(
        client, org, name="WAHA", provider="WAHA",
        config={"baseUrl": "http://127.0.0.1:9", "apiKey": "k"},
    )  # fmt: skip
    meta = await connection(
        client, org, name="Meta", provider="META",
        config={"phoneNumberId": "1065", "accessToken": "t", "graphBaseUrl": "http://127.0.0.1:9"},
    )  # fmt: skip
    native = await connection(client, org, name="Nativa")
    assert waha["status"] == meta["status"] == "CONNECTING"
    assert native["status"] == "DISCONNECTED"
    await sign_in(client, org.email)
    page = (await client.get(PAGE)).text
    waha_row, meta_row = row_of(page, waha["id"]), row_of(page, meta["id"])
    native_row = row_of(page, native["id"])
    assert 'data-pairing="qr"' in waha_row and 'data-provisioned="1"' in waha_row
    assert ">QR code</button>" in waha_row
    assert 'data-pairing="token"' in meta_row and ">Webhook</button>" in meta_row
    assert 'data-conn="qr"' not in native_row and 'data-pairing="none"' in native_row
    assert "Webhook da Meta" in page and "Token de verificação" in page


async def test_a_status_reason_is_shown_on_the_row(
    client: Client, org: Org, settings: Settings
) -> None:
    waha = await connection(
        client, org, name="WAHA", provider="WAHA",
        config={"baseUrl": "http://127.0.0.1:9", "apiKey": "k"},
    )  # fmt: skip
    reason = "WAHA refused the credentials while reading session 'default' (HTTP 401)"
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "UPDATE connection SET status = 'FAILED', status_reason = :r WHERE id = :i"
                ),
                {"r": reason, "i": waha["id"]},
            )
    finally:
        await engine.dispose()
    await sign_in(client, org.email)
    row = row_of((await client.get(PAGE)).text, waha["id"])
    assert "refused the credentials while reading session &#39;default&#39; (HTTP 401)" in row
    assert not re.search(r'data-field="reason"[^>]*hidden', row)
    # Pairing again goes through the API: 202, CONNECTING, the reason cleared.
    again = await client.post(f"/api/v1/connections/{waha['id']}/provision", headers=INBOX)
    assert again.status_code == 202, again.text
    assert (again.json()["status"], again.json()["statusReason"]) == ("CONNECTING", None)


async def test_the_catalog_says_how_each_provider_pairs(client: Client, org: Org) -> None:
    catalog = await ok(await client.get("/api/v1/providers", headers=org.headers))
    pairing = {p["kind"]: (p["capabilities"]["pairing"], p["provisioned"]) for p in catalog}
    assert pairing == {
        "EVOLUTION": ("qr", True),
        "WAHA": ("qr", True),
        "UAZAPI": ("qr", True),
        "META": ("token", True),
        "WHATSAPP_WEB": ("qr", False),
        "NATIVE": ("none", False),
    }


async def test_only_an_administrator_asks_for_provisioning(client: Client, org: Org) -> None:
    waha = await connection(
        client, org, name="WAHA", provider="WAHA",
        config={"baseUrl": "http://127.0.0.1:9", "apiKey": "k"},
    )  # fmt: skip
    _, supervisor = await user(client, org, "SUPERVISOR", "sup@padaria.example")
    refused = await client.post(f"/api/v1/connections/{waha['id']}/provision", headers=supervisor)
    assert refused.status_code == 403
    missing = await client.post(
        "/api/v1/connections/00000000-0000-4000-8000-000000000000/provision", headers=org.headers
    )
    assert missing.status_code == 404
