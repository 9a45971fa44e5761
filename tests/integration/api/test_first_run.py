"""First run: on a fresh install (the test's own empty database, no organization) the
public ``/api/v1/setup`` creates the organization and its administrator once, and
never again; ``balcao org create`` stays for scripts."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from apikit import Client, ok
from support.live import LiveServer
from support.orgs import Org
from support.webhooks import Db

from app.asgi import create_app
from app.cli import cmd_org_create, startup_hint
from app.config import Settings

SETUP = "/api/v1/setup"


def body(**changes: Any) -> dict[str, Any]:
    return {
        "organizationName": "Padaria Centro",
        "adminName": "Maria Souza",
        "adminEmail": "maria@padaria.example",
        "adminPassword": "senha-forte-123",
        **changes,
    }


async def organizations(settings: Settings) -> int:
    assert settings.database_url
    return int(await Db(settings.database_url).val("SELECT count(*) FROM organization"))


async def test_a_fresh_install_needs_setup_and_its_pages_lead_there(client: Client) -> None:
    assert await ok(await client.get(SETUP)) == {"needed": True}
    login = await client.get("/inbox/login", follow_redirects=False)
    assert (login.status_code, login.headers["location"]) == (303, "/inbox/setup")
    # /inbox without a session goes to the sign-in page, which goes to the setup page.
    inbox = await client.get("/inbox")
    assert inbox.status_code == 200 and str(inbox.url).endswith("/inbox/setup")
    assert 'id="setup-form"' in inbox.text and 'lang="pt-BR"' in inbox.text
    assert "Bem-vindo ao Balcão" in inbox.text
    assert "default-src 'self'" in inbox.headers["content-security-policy"]
    client.cookies.set("balcao_lang", "en")
    english = await client.get("/inbox/setup")
    assert 'lang="en"' in english.text and "Welcome to Balcão" in english.text


async def test_setup_creates_the_organization_and_its_admin_once(
    client: Client, settings: Settings
) -> None:
    created = await ok(await client.post(SETUP, json=body()), 201)
    assert set(created) == {"organizationId", "adminUserId"}
    assert await ok(await client.get(SETUP)) == {"needed": False}

    # The administrator signs in with what the form sent, and sees their name.
    tokens = await ok(
        await client.post(
            "/api/v1/auth/login",
            json={"email": "maria@padaria.example", "password": "senha-forte-123"},
        )
    )
    me = await ok(
        await client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {tokens['accessToken']}"}
        )
    )
    assert me["role"] == "ADMIN" and me["name"] == "Maria Souza"
    assert me["organizationId"] == created["organizationId"]
    assert me["userId"] == created["adminUserId"]

    # Never again, whatever is sent.
    again = await client.post(SETUP, json=body(adminEmail="outra@loja.example"))
    assert again.status_code == 409
    assert again.json()["code"] == "already_set_up"
    assert await organizations(settings) == 1

    # The pages: sign-in is the sign-in page again, the setup page sends there.
    page = await client.get("/inbox/setup", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/inbox/login")
    login = await client.get("/inbox/login")
    assert login.status_code == 200 and "Entrar no Balcão" in login.text


async def test_names_and_email_are_trimmed(client: Client, settings: Settings) -> None:
    await ok(
        await client.post(
            SETUP, json=body(organizationName="  Padaria Centro ", adminName=" Maria ")
        ),
        201,
    )
    assert settings.database_url
    db = Db(settings.database_url)
    assert await db.val("SELECT name FROM organization") == "Padaria Centro"
    assert await db.val("SELECT name FROM app_user") == "Maria"


async def test_simultaneous_setups_make_exactly_one_organization(settings: Settings) -> None:
    """Ten setups at once, on two api replicas over HTTP, each with its own email and
    name: one wins, the nine others are told it is already set up."""
    async with (
        LiveServer(create_app(settings)) as one,
        LiveServer(create_app(settings)) as two,
        httpx.AsyncClient(timeout=30) as http,
    ):
        answers = await asyncio.gather(
            *(
                http.post(
                    f"{(one, two)[i % 2].url}{SETUP}",
                    json=body(organizationName=f"Loja {i}", adminEmail=f"dono{i}@loja.example"),
                )
                for i in range(10)
            )
        )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * 9, [a.text for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"already_set_up"}
    assert settings.database_url
    db = Db(settings.database_url)
    assert await organizations(settings) == 1
    assert await db.val("SELECT count(*) FROM app_user") == 1
    [winner] = [a.json() for a in answers if a.status_code == 201]
    assert str(await db.val("SELECT id FROM organization")) == winner["organizationId"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"organizationName": ""}, "organizationName"),
        ({"organizationName": "   "}, "organizationName"),
        ({"organizationName": "x" * 201}, "organizationName"),
        ({"adminName": "\t"}, "adminName"),
        ({"adminName": "Ma\x00ria"}, "adminName"),
        ({"adminEmail": "not-an-email"}, "adminEmail"),
        ({"adminPassword": "curta"}, "adminPassword"),
        ({"adminPassword": None}, "adminPassword"),
        ({"organizationName": 42}, "organizationName"),
    ],
)
async def test_bad_input_is_a_clear_422_and_creates_nothing(
    client: Client, settings: Settings, changes: dict[str, Any], field: str
) -> None:
    response = await client.post(SETUP, json=body(**changes))
    assert response.status_code == 422, response.text
    error = response.json()
    assert (error["code"], error["extra"]["field"]) == ("validation_error", field)
    assert await organizations(settings) == 0
    assert await ok(await client.get(SETUP)) == {"needed": True}


@pytest.mark.parametrize(
    "missing", ["organizationName", "adminName", "adminEmail", "adminPassword"]
)
async def test_a_missing_field_is_named(client: Client, missing: str) -> None:
    sent = body()
    del sent[missing]
    response = await client.post(SETUP, json=sent)
    assert response.status_code in (400, 422), response.text
    assert response.json()["extra"]["field"] == missing


async def test_a_body_that_is_not_json_is_a_400(client: Client, settings: Settings) -> None:
    response = await client.post(
        SETUP, content=b"organizationName=x", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "bad_request"
    assert await organizations(settings) == 0


async def test_an_install_set_up_by_the_cli_refuses_setup(
    client: Client, settings: Settings, org: Org
) -> None:
    assert await ok(await client.get(SETUP)) == {"needed": False}
    response = await client.post(SETUP, json=body())
    assert response.status_code == 409 and response.json()["code"] == "already_set_up"
    assert await organizations(settings) == 1
    page = await client.get("/inbox/setup", follow_redirects=False)
    assert page.headers["location"] == "/inbox/login"


async def test_the_cli_still_creates_organizations_after_the_web_setup(
    client: Client, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await ok(await client.post(SETUP, json=body()), 201)
    code = await asyncio.to_thread(
        cmd_org_create, settings, "Outra Loja", "dono@outra.example", "senha-forte-123"
    )
    assert code == 0
    assert '"organizationId"' in capsys.readouterr().out
    assert await organizations(settings) == 2


async def test_balcao_run_points_at_the_setup_page_until_an_organization_exists(
    client: Client, settings: Settings
) -> None:
    fresh = await asyncio.to_thread(startup_hint, settings)
    assert f"Open {settings.base_url}/inbox/setup" in fresh and "balcao org create" in fresh
    await ok(await client.post(SETUP, json=body()), 201)
    assert (
        await asyncio.to_thread(startup_hint, settings) == f"Sign in at {settings.base_url}/inbox"
    )
