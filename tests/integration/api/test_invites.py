"""Invite links, through the API and the invite page: issued by an administrator (at
creation or later), stored hashed, single use, expiring after 7 days, revoked by a newer
one; the invitee chooses a password (the usual rule) and is signed in. A link that does
not open is a clear 404/410, never a 500."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from apikit import Client, department, login, ok, user
from support.orgs import Org

from app.config import Settings

INBOX = {"X-Balcao-Inbox": "1"}
PASSWORD = "minha-senha-nova-1"


async def _invited(client: Client, org: Org, email: str = "ines@padaria.example", **extra: Any):
    body = {"email": email, "role": "AGENT", "name": "Inês Prado", "invite": True, **extra}
    created = await ok(await client.post("/api/v1/users", json=body, headers=org.headers), 201)
    return created


def _token(invite: dict[str, Any]) -> str:
    path = urlsplit(invite["inviteUrl"]).path
    assert path.startswith("/inbox/invite/"), path
    return path.removeprefix("/inbox/invite/")


async def _db(settings: Settings) -> asyncpg.Connection:
    assert settings.database_url
    return await asyncpg.connect(
        settings.database_url.replace("postgresql+asyncpg://", "postgresql://")
    )


async def test_an_invited_user_chooses_a_password_once(
    client: Client, settings: Settings, org: Org
) -> None:
    sales = await department(client, org, "Vendas")
    created = await _invited(client, org, departmentIds=[sales["id"]])
    assert created["departmentIds"] == [sales["id"]] and created["role"] == "AGENT"
    invite = created["invite"]
    assert invite["userId"] == created["id"]
    expires = datetime.fromisoformat(invite["expiresAt"])
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)
    token = _token(invite)
    assert len(token) >= 40

    # Only the token's SHA-256 is stored.
    db = await _db(settings)
    try:
        rows = await db.fetch("SELECT token_hash, used_at FROM user_invite")
        assert [r["token_hash"] for r in rows] == [hashlib.sha256(token.encode()).hexdigest()]
        dump = await db.fetchval("SELECT row_to_json(i)::text FROM user_invite i")
        assert token not in dump
    finally:
        await db.close()

    # Nobody can sign in before the link is used (the user has no known password).
    refused = await client.post(
        "/api/v1/auth/login", json={"email": created["email"], "password": "senha-forte-123"}
    )
    assert refused.status_code == 401

    info = await ok(await client.get(f"/api/v1/auth/invites/{token}"))
    assert info["email"] == "ines@padaria.example" and info["name"] == "Inês Prado"
    assert info["organizationName"] == "Padaria Centro"

    short = await client.post(f"/api/v1/auth/invites/{token}/accept", json={"password": "curta"})
    assert short.status_code == 422 and short.json()["extra"]["field"] == "password"
    tokens = await ok(
        await client.post(f"/api/v1/auth/invites/{token}/accept", json={"password": PASSWORD})
    )
    me = await ok(
        await client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {tokens['accessToken']}"}
        )
    )
    assert me["email"] == "ines@padaria.example" and me["role"] == "AGENT"
    await login(client, "ines@padaria.example", PASSWORD)

    # Single use.
    again = await client.post(
        f"/api/v1/auth/invites/{token}/accept", json={"password": "outra-senha-9"}
    )
    assert (again.status_code, again.json()["code"]) == (410, "invite_used")
    read = await client.get(f"/api/v1/auth/invites/{token}")
    assert (read.status_code, read.json()["code"]) == (410, "invite_used")
    await login(client, "ines@padaria.example", PASSWORD)  # the second try changed nothing


async def test_a_new_link_revokes_the_last_and_links_expire(
    client: Client, settings: Settings, org: Org
) -> None:
    created = await _invited(client, org)
    first = _token(created["invite"])
    path = f"/api/v1/users/{created['id']}/invite"
    second = await ok(await client.post(path, headers=org.headers), 201)
    assert second["userId"] == created["id"]
    newer = _token(second)
    gone = await client.get(f"/api/v1/auth/invites/{first}")
    assert (gone.status_code, gone.json()["code"]) == (410, "invite_revoked")
    await ok(await client.get(f"/api/v1/auth/invites/{newer}"))

    db = await _db(settings)
    try:
        await db.execute("UPDATE user_invite SET expires_at = now() - interval '1 second'")
    finally:
        await db.close()
    expired = await client.post(f"/api/v1/auth/invites/{newer}/accept", json={"password": PASSWORD})
    assert (expired.status_code, expired.json()["code"]) == (410, "invite_expired")


async def test_deactivating_a_user_withdraws_their_link(client: Client, org: Org) -> None:
    created = await _invited(client, org)
    token = _token(created["invite"])
    user_path = f"/api/v1/users/{created['id']}"
    await ok(await client.patch(user_path, json={"isActive": False}, headers=org.headers))
    gone = await client.get(f"/api/v1/auth/invites/{token}")
    assert (gone.status_code, gone.json()["code"]) == (410, "invite_revoked")
    refused = await client.post(f"{user_path}/invite", headers=org.headers)
    assert (refused.status_code, refused.json()["code"]) == (409, "user_inactive")


@pytest.mark.parametrize("token", ["nope", "x" * 201, "%00", "ção-☃", "a" * 43])
async def test_an_unknown_link_is_404_never_500(client: Client, token: str) -> None:
    read = await client.get(f"/api/v1/auth/invites/{token}")
    assert read.status_code == 404 and read.json()["code"] == "invite_unknown"
    accept = await client.post(f"/api/v1/auth/invites/{token}/accept", json={"password": PASSWORD})
    assert accept.status_code == 404
    page = await client.get(f"/inbox/invite/{token}")
    assert page.status_code == 404 and "Não encontramos este convite" in page.text
    posted = await client.post(
        f"/inbox/invite/{token}", data={"password": PASSWORD, "confirm": PASSWORD}
    )
    assert posted.status_code == 404


async def test_creating_a_user_needs_a_password_or_an_invite(client: Client, org: Org) -> None:
    body = {"email": "sem@padaria.example", "role": "AGENT"}
    refused = await client.post("/api/v1/users", json=body, headers=org.headers)
    assert refused.status_code == 422
    assert (refused.json()["code"], refused.json()["extra"]["field"]) == (
        "password_required",
        "password",
    )
    body["password"] = "senha-forte-123"
    plain = await ok(await client.post("/api/v1/users", json=body, headers=org.headers), 201)
    assert "invite" not in plain  # the User shape it always had


async def test_only_an_administrator_issues_links(client: Client, org: Org, other_org: Org) -> None:
    created = await _invited(client, org)
    path = f"/api/v1/users/{created['id']}/invite"
    for role in ("SUPERVISOR", "AGENT", "VIEWER"):
        _, headers = await user(client, org, role, f"{role.lower()}@padaria.example")
        assert (await client.post(path, headers=headers)).status_code == 403, role
        body = {"email": f"x-{role.lower()}@padaria.example", "role": "AGENT", "invite": True}
        assert (await client.post("/api/v1/users", json=body, headers=headers)).status_code == 403
    # Another organization's user is not there at all.
    assert (await client.post(path, headers=other_org.headers)).status_code == 404


async def test_the_invite_page_signs_the_invitee_in(client: Client, org: Org) -> None:
    token = _token((await _invited(client, org))["invite"])
    page = await client.get(f"/inbox/invite/{token}")
    assert page.status_code == 200
    assert "Inês Prado" in page.text and "Padaria Centro" in page.text
    assert 'value="ines@padaria.example"' in page.text
    assert f'action="/inbox/invite/{token}"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]

    form = f"/inbox/invite/{token}"
    mismatch = await client.post(form, data={"password": PASSWORD, "confirm": PASSWORD + "x"})
    assert mismatch.status_code == 422 and "não são iguais" in mismatch.text
    short = await client.post(form, data={"password": "curta", "confirm": "curta"})
    assert short.status_code == 422 and "Pelo menos 8 caracteres" in short.text
    assert "balcao_inbox" not in client.cookies

    done = await client.post(
        form, data={"password": PASSWORD, "confirm": PASSWORD}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/inbox"
    assert "balcao_inbox" in client.cookies
    inbox = await client.get("/inbox")
    assert inbox.status_code == 200 and "Inês Prado" in inbox.text

    used = await client.get(form)
    assert used.status_code == 410 and "já foi usado" in used.text
    assert re.search(r'data-invite="used"', used.text)
    again = await client.post(form, data={"password": PASSWORD, "confirm": PASSWORD})
    assert again.status_code == 410


async def test_the_team_page_offers_invite_links(client: Client, org: Org) -> None:
    created = await _invited(client, org)
    response = await client.post(
        "/inbox/login",
        data={"email": org.email, "password": org.password, "next": "/inbox"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = await client.get("/inbox/settings/team")
    assert 'id="invite-dialog"' in page.text
    assert 'name="access" value="invite"' in page.text
    assert f'data-set-invite="{created["id"]}"' in page.text
    # What the page's script sends with the inbox cookie.
    issued = await ok(
        await client.post(f"/api/v1/users/{created['id']}/invite", headers=INBOX), 201
    )
    assert "/inbox/invite/" in issued["inviteUrl"]
