"""Signing in to the inbox, the session cookie, and what it may do on the API."""

from __future__ import annotations

from apikit import Client, ok, user, world
from inboxkit import INBOX, sign_in
from support.orgs import Org

from app.config import Settings


async def test_a_page_without_a_session_goes_to_sign_in(client: Client) -> None:
    response = await client.get(
        "/inbox/s/8d7f1f8e-7a53-4a27-9f43-2d1f1c0e5b11", follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == (
        "/inbox/login?next=/inbox/s/8d7f1f8e-7a53-4a27-9f43-2d1f1c0e5b11"
    )


async def test_the_root_leads_to_the_inbox(client: Client) -> None:
    response = await client.get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/inbox")


async def test_the_sign_in_page_is_in_portuguese(client: Client, org: Org) -> None:
    # (with an organization: a fresh install's sign-in page goes to /inbox/setup)
    response = await client.get("/inbox/login")
    assert response.status_code == 200
    assert 'lang="pt-BR"' in response.text and "Entrar no Balcão" in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]


async def test_a_wrong_password_is_refused_on_the_page(client: Client, org: Org) -> None:
    response = await client.post(
        "/inbox/login", data={"email": org.email, "password": "errada-123"}, follow_redirects=False
    )
    assert response.status_code == 401
    assert "E-mail ou senha incorretos." in response.text
    assert "balcao_inbox" not in client.cookies


async def test_signing_in_sets_an_httponly_cookie_and_opens_the_inbox(
    client: Client, org: Org
) -> None:
    response = await client.post(
        "/inbox/login",
        data={"email": org.email.upper(), "password": org.password, "next": "/inbox?status=ALL"},
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, "/inbox?status=ALL")
    cookie = response.headers["set-cookie"]
    assert "balcao_inbox=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = await client.get("/inbox")
    assert page.status_code == 200
    assert 'id="queue-list"' in page.text and "Aguardando atendente" in page.text


async def test_sign_in_never_redirects_to_another_site(client: Client, org: Org) -> None:
    for target in ("https://evil.example/", "//evil.example/", "/api/v1/contacts"):
        response = await client.post(
            "/inbox/login",
            data={"email": org.email, "password": org.password, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/inbox", target


async def test_the_cookie_reads_the_api_but_changes_need_the_inbox_header(
    client: Client, settings: Settings, org: Org
) -> None:
    w = await world(client, settings, org)
    await sign_in(client, org.email)
    me = await ok(await client.get("/api/v1/auth/me"))
    assert (me["userId"], me["role"]) == (org.admin_id, "ADMIN")
    body = {"sessionId": w.session_id, "type": "TEXT", "author": "AGENT", "content": {"text": "Oi"}}
    forged = await client.post("/api/v1/messages", json=body)
    assert forged.status_code == 403
    assert forged.json()["code"] == "csrf_check_failed"
    sent = await ok(await client.post("/api/v1/messages", json=body, headers=INBOX), 201)
    assert sent["author"] == "AGENT"


async def test_signing_out_ends_the_session(client: Client, org: Org) -> None:
    await sign_in(client, org.email)
    response = await client.post("/inbox/logout", headers=INBOX)
    assert response.status_code == 200
    assert "balcao_inbox" not in client.cookies
    again = await client.get("/inbox", follow_redirects=False)
    assert again.status_code == 303


async def test_a_deactivated_user_is_out_at_once(client: Client, org: Org) -> None:
    agent_id, _ = await user(client, org, "AGENT", "ana@padaria.example")
    await sign_in(client, "ana@padaria.example")
    assert (await client.get("/inbox")).status_code == 200
    await ok(
        await client.patch(
            f"/api/v1/users/{agent_id}", json={"isActive": False}, headers=org.headers
        )
    )
    response = await client.get("/inbox", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/inbox/login")


async def test_a_forged_cookie_is_refused(client: Client) -> None:
    client.cookies.set("balcao_inbox", "not-a-token")
    response = await client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


async def test_the_language_can_be_switched_to_english(client: Client, org: Org) -> None:
    await sign_in(client, org.email)
    switched = await ok(await client.post("/inbox/lang", json={"lang": "en"}, headers=INBOX))
    assert switched == {"lang": "en"}
    page = await client.get("/inbox")
    assert 'lang="en"' in page.text and "Waiting for an agent" in page.text
    unknown = await ok(await client.post("/inbox/lang", json={"lang": "xx"}, headers=INBOX))
    assert unknown == {"lang": "pt-BR"}
