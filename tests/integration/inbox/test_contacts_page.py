"""The contacts page: administrators and supervisors (API.md "Web app pages", (S)),
the 403 page for agents and viewers, what the lists and a list's contacts show (counts,
fields, the opted-out badge), its search, and no 500 for odd input."""

from __future__ import annotations

import uuid

import pytest
from apikit import Client, ok, user
from inboxkit import sign_in
from support.orgs import Org

LISTS = "/api/v1/contact-lists"


async def _as(client: Client, org: Org, role: str) -> None:
    if role == "ADMIN":
        return await sign_in(client, org.email)
    email = f"{role.lower()}@padaria.example"
    await user(client, org, role, email)
    await sign_in(client, email)


async def _list_with_contacts(client: Client, org: Org) -> str:
    created = await ok(
        await client.post(LISTS, json={"name": "Clientes VIP"}, headers=org.headers), 201
    )
    contacts = [
        {"phoneNumber": "11987654321", "name": "Ana Lúcia", "fields": {"cidade": "Niterói"}},
        {"phoneNumber": "21998877665", "name": "Bruno Dias"},
    ]
    path = f"{LISTS}/{created['id']}/contacts"
    await ok(await client.post(path, json={"contacts": contacts}, headers=org.headers))
    return str(created["id"])


@pytest.mark.parametrize(
    ("role", "status"), [("ADMIN", 200), ("SUPERVISOR", 200), ("AGENT", 403), ("VIEWER", 403)]
)
async def test_who_may_open_the_contacts_page(
    client: Client, org: Org, role: str, status: int
) -> None:
    list_id = await _list_with_contacts(client, org)
    await _as(client, org, role)
    for path in ("/inbox/contacts", f"/inbox/contacts/{list_id}"):
        page = await client.get(path, follow_redirects=False)
        assert page.status_code == status, (path, page.text[:300])
        assert page.headers["content-type"].startswith("text/html")
        if status == 403:
            assert "Acesso negado" in page.text
    inbox = await client.get("/inbox")
    assert ('href="/inbox/contacts"' in inbox.text) is (status == 200)


async def test_the_lists_and_a_lists_contacts(client: Client, org: Org) -> None:
    list_id = await _list_with_contacts(client, org)
    found = await ok(await client.get(f"{LISTS}/{list_id}/contacts", headers=org.headers))
    ana = next(c for c in found["data"] if c["name"] == "Ana Lúcia")
    await ok(await client.post(f"/api/v1/contacts/{ana['id']}/opt-out", headers=org.headers))
    await sign_in(client, org.email)

    lists = await client.get("/inbox/contacts")
    assert "Clientes VIP" in lists.text and "2 contatos" in lists.text

    page = await client.get(f"/inbox/contacts/{list_id}")
    assert page.status_code == 200
    assert "Ana Lúcia" in page.text and "cidade: Niterói" in page.text
    assert "Descadastrado" in page.text and "pela API" in page.text
    assert "+55 21 99887-7665" in page.text

    searched = await client.get(f"/inbox/contacts/{list_id}?q=bruno")
    assert "Bruno Dias" in searched.text and "Ana Lúcia" not in searched.text
    by_phone = await client.get(f"/inbox/contacts/{list_id}?q=98765")
    assert "Ana Lúcia" in by_phone.text and "Bruno Dias" not in by_phone.text
    api = await ok(
        await client.get(f"{LISTS}/{list_id}/contacts?search=bruno", headers=org.headers)
    )
    assert [c["name"] for c in api["data"]] == ["Bruno Dias"]


async def test_odd_input_is_never_a_500(client: Client, org: Org) -> None:
    list_id = await _list_with_contacts(client, org)
    await sign_in(client, org.email)
    missing = await client.get(f"/inbox/contacts/{uuid.uuid4()}")
    assert missing.status_code == 404
    for path in (
        "/inbox/contacts?page=0",
        "/inbox/contacts?page=abc",
        "/inbox/contacts/not-a-uuid",
        f"/inbox/contacts/{uuid.uuid4()}?q=%00",
        "/inbox/contacts?page=999",
        f"/inbox/contacts/{list_id}?q=%00",
        f"/inbox/contacts/{list_id}?q=" + "x" * 300,
        f"/inbox/contacts/{list_id}?q=%25_%5C",
    ):
        response = await client.get(path)
        assert response.status_code < 500, (path, response.text[:300])
