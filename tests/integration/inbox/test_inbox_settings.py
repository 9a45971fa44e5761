"""The settings shell and the team, tabulation and quick-reply pages: who may open
which page (API.md "Web app pages"), the 403 page, what each page lists, and the API
calls their scripts make with the inbox cookie."""

from __future__ import annotations

import re

import pytest
from apikit import Client, connection, contact, department, ok, session, tabulation, user
from inboxkit import INBOX, sign_in
from support.orgs import Org

from app.config import Settings
from app.inbox import settings_team

PAGES = (
    "/inbox/settings",
    "/inbox/settings/team",
    "/inbox/settings/tabulations",
    "/inbox/settings/quick-replies",
)


async def _as(client: Client, org: Org, role: str) -> None:
    """Sign the client in as a user with ``role`` (the org's own admin for ADMIN)."""
    if role == "ADMIN":
        return await sign_in(client, org.email)
    email = f"{role.lower()}@padaria.example"
    await user(client, org, role, email)
    await sign_in(client, email)


@pytest.mark.parametrize(
    ("role", "status"), [("ADMIN", 200), ("SUPERVISOR", 200), ("AGENT", 403), ("VIEWER", 403)]
)
async def test_who_may_open_the_settings_pages(
    client: Client, org: Org, role: str, status: int
) -> None:
    await _as(client, org, role)
    for path in PAGES:
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == status, (path, response.text[:300])
        assert response.headers["content-type"].startswith("text/html")
        assert "default-src 'self'" in response.headers["content-security-policy"]


async def test_a_forbidden_page_is_a_403_page_in_the_viewers_language(
    client: Client, org: Org
) -> None:
    await _as(client, org, "AGENT")
    page = await client.get("/inbox/settings/team", follow_redirects=False)
    assert page.status_code == 403
    assert "Acesso negado" in page.text and 'lang="pt-BR"' in page.text
    assert 'href="/inbox"' in page.text
    await ok(await client.post("/inbox/lang", json={"lang": "en"}, headers=INBOX))
    english = await client.get("/inbox/settings", follow_redirects=False)
    assert english.status_code == 403 and "Access denied" in english.text
    # The page's own requests get the API's JSON error, not the page.
    fetched = await client.get("/inbox/settings/tabulations", headers=INBOX)
    assert fetched.status_code == 403
    assert fetched.json()["code"] == "forbidden"
    assert (await client.get("/api/v1/users", headers=INBOX)).status_code == 403


async def test_a_settings_page_without_a_session_goes_to_sign_in(client: Client) -> None:
    response = await client.get("/inbox/settings/team", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/inbox/login?next=/inbox/settings/team"


def _cards(html: str) -> list[str]:
    return re.findall(r'class="card setcard" data-page="([a-z-]+)"', html)


async def test_the_index_lists_the_pages_the_role_may_open(client: Client, org: Org) -> None:
    await _as(client, org, "ADMIN")
    admin = await client.get("/inbox/settings")
    assert _cards(admin.text) == [
        "organization",
        "connections",
        "hours",
        "ai",
        "knowledge",
        "team",
        "tabulations",
        "quick-replies",
        "bot",
        "webhooks",
    ]
    assert 'href="/inbox/settings/connections"' in admin.text
    assert ">Configurações</a>" in admin.text  # the top nav's link
    await _as(client, org, "SUPERVISOR")
    supervisor = await client.get("/inbox/settings")
    assert _cards(supervisor.text) == ["team", "tabulations", "quick-replies", "bot"]
    assert "/inbox/settings/connections" not in supervisor.text
    await _as(client, org, "AGENT")
    inbox = await client.get("/inbox")
    assert 'href="/inbox/settings"' not in inbox.text


async def test_the_team_page_lists_users_and_departments(client: Client, org: Org) -> None:
    sales = await department(client, org, "Vendas", requiresTabulation=True, roundRobin=False)
    agent_id, _ = await user(client, org, "AGENT", "ana@padaria.example", [sales["id"]])
    await ok(
        await client.patch(
            f"/api/v1/users/{agent_id}",
            json={"name": "Ana Lima", "isAvailable": False},
            headers=org.headers,
        )
    )
    gone_id, _ = await user(client, org, "VIEWER", "beto@padaria.example")
    body = {"isActive": False}
    await ok(await client.patch(f"/api/v1/users/{gone_id}", json=body, headers=org.headers))
    await _as(client, org, "ADMIN")
    page = await client.get("/inbox/settings/team")
    row = _row(page.text, f"user-{agent_id}")
    assert "Ana Lima" in row and "Atendente" in row and "Vendas" in row
    assert "Ativo" in row and "Ausente" in row and 'data-set-active="false"' in row
    gone = _row(page.text, f"user-{gone_id}")
    assert "Inativo" in gone and "Reativar" in gone and 'data-set-active="true"' in gone
    dept = _row(page.text, f"department-{sales['id']}")
    # round robin off, requires tabulation on, one member
    assert re.findall(r"<td>([^<]+)</td>", dept) == ["Não", "Sim", "1"]
    assert "settings_team.js" in page.text


async def test_the_tabulations_page_lists_color_scope_and_auto_flag(
    client: Client, org: Org
) -> None:
    sales = await department(client, org, "Vendas")
    tab = await tabulation(
        client,
        org,
        "Venda feita",
        backgroundColor="#16a34a",
        description="Fechou negócio",
        departmentId=sales["id"],
        autoTabulation=True,
    )
    await _as(client, org, "SUPERVISOR")
    page = await client.get("/inbox/settings/tabulations")
    row = _row(page.text, f"tabulation-{tab['id']}")
    assert "--tag: #16a34a" in row and "Venda feita" in row and "Fechou negócio" in row
    assert "Vendas" in row and "Sim" in row
    assert 'type="color" name="backgroundColor"' in page.text


async def test_the_team_and_tabulation_lists_page_and_search_on_the_server(
    client: Client, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings_team, "PAGE_SIZE", 2)
    for name in ("Troca 50%", "Troca total", "Venda", "Dúvida"):
        await tabulation(client, org, name, description=f"motivo {name.lower()}")
    await user(client, org, "AGENT", "ana@padaria.example")
    await user(client, org, "AGENT", "bruno@padaria.example")
    await _as(client, org, "ADMIN")

    first = await client.get("/inbox/settings/tabulations")
    assert "(4)" in first.text and first.text.count('<tr id="tabulation-') == 2
    assert "Página 1 de 2" in first.text and 'rel="next" href="?page=2"' in first.text
    second = await client.get("/inbox/settings/tabulations", params={"page": 2})
    assert second.text.count('<tr id="tabulation-') == 2
    assert 'rel="prev" href="?page=1"' in second.text
    # the search is literal (a % is a percent sign) and kept in the page links
    percent = await client.get("/inbox/settings/tabulations", params={"q": "50%"})
    assert percent.text.count('<tr id="tabulation-') == 1 and "Troca 50%" in percent.text
    trocas = await client.get("/inbox/settings/tabulations", params={"q": "TROCA"})
    assert "(2)" in trocas.text and 'value="TROCA"' in trocas.text and "setpager" not in trocas.text
    none = await client.get("/inbox/settings/tabulations", params={"q": "nada disso"})
    assert "Nada encontrado para “nada disso”" in none.text

    team = await client.get("/inbox/settings/team")  # the admin, ana and bruno
    assert "(3)" in team.text and team.text.count('<tr id="user-') == 2
    paged = await client.get("/inbox/settings/team", params={"q": "padaria", "page": 2})
    assert 'rel="prev" href="?q=padaria&amp;page=1"' in paged.text
    found = await client.get("/inbox/settings/team", params={"q": "BRUNO@"})
    assert found.text.count('<tr id="user-') == 1 and "bruno@padaria.example" in found.text
    for bad in ({"page": "0"}, {"page": "x"}, {"q": "a" * 201}):
        refused = await client.get("/inbox/settings/team", params=bad)
        assert refused.status_code == 422, bad


async def test_quick_replies_moved_to_their_own_page(client: Client, org: Org) -> None:
    sales = await department(client, org, "Vendas")
    body = {"shortcut": "oi", "content": "Olá, {contact.firstName}!", "departmentId": sales["id"]}
    created = await client.post("/api/v1/quick-replies", json=body, headers=org.headers)
    reply = await ok(created, 201)
    await _as(client, org, "ADMIN")
    page = await client.get("/inbox/settings/quick-replies")
    row = _row(page.text, f"qr-{reply['id']}")
    assert "/oi" in row and "Vendas" in row and 'data-action="delete-quick-reply"' in row
    assert 'data-form="quick-reply"' in page.text
    index = await client.get("/inbox/settings")
    assert 'data-form="quick-reply"' not in index.text


def _row(html: str, row_id: str) -> str:
    match = re.search(rf'<tr id="{row_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, row_id
    return match.group(1)


async def test_the_page_scripts_calls_follow_the_apis_role_rules(client: Client, org: Org) -> None:
    """What the team page's script sends, with the inbox cookie: an admin creates a
    department and an agent in it; a supervisor is refused with the API's reason."""
    await _as(client, org, "ADMIN")
    body = {"name": "Suporte", "roundRobin": False, "requiresTabulation": True}
    dept = await ok(await client.post("/api/v1/departments", json=body, headers=INBOX), 201)
    assert (dept["roundRobin"], dept["requiresTabulation"]) == (False, True)
    body = {"email": "caio@padaria.example", "password": "Xk3mP9qR2wT7vB", "role": "AGENT",
            "name": "Caio", "departmentIds": [dept["id"]], "isAvailable": True}  # fmt: skip
    agent = await ok(await client.post("/api/v1/users", json=body, headers=INBOX), 201)
    assert agent["departmentIds"] == [dept["id"]]
    await _as(client, org, "SUPERVISOR")
    body = {"email": "chefe@padaria.example", "password": "Xk3mP9qR2wT7vB", "role": "ADMIN"}
    refused = await client.post("/api/v1/users", json=body, headers=INBOX)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Only an administrator can do this."
    patched = await client.patch(
        f"/api/v1/users/{agent['id']}", json={"role": "ADMIN"}, headers=INBOX
    )
    assert patched.status_code == 403


async def test_another_organizations_ids_are_404_from_the_pages(
    client: Client, org: Org, other_org: Org
) -> None:
    theirs = await department(client, other_org, "Deles")
    their_tab = await tabulation(client, other_org, "Deles")
    their_user, _ = await user(client, other_org, "AGENT", "ze@outra.example")
    await _as(client, org, "ADMIN")
    for method, path, body in (
        ("PATCH", f"/api/v1/users/{their_user}", {"isActive": False}),
        ("PATCH", f"/api/v1/departments/{theirs['id']}", {"name": "Meu"}),
        ("DELETE", f"/api/v1/departments/{theirs['id']}", None),
        ("PATCH", f"/api/v1/tabulations/{their_tab['id']}", {"name": "Meu"}),
        ("DELETE", f"/api/v1/tabulations/{their_tab['id']}", None),
    ):
        response = await client.request(method, path, json=body, headers=INBOX)
        assert response.status_code == 404, (method, path)
    # Nor do they show on this organization's pages.
    team = await client.get("/inbox/settings/team")
    assert "Deles" not in team.text and "ze@outra.example" not in team.text
    assert "Deles" not in (await client.get("/inbox/settings/tabulations")).text


async def test_a_department_without_round_robin_keeps_sessions_in_its_queue(
    client: Client, settings: Settings, org: Org
) -> None:
    manual = await department(client, org, "Manual", roundRobin=False)
    turns = await department(client, org, "Rodízio")
    for d in (manual, turns):
        await user(client, org, "AGENT", f"a-{d['id'][:8]}@padaria.example", [d["id"]])
    conn = await connection(client, org)
    for d, assigned in ((manual, False), (turns, True)):
        person = await contact(client, org)
        sid = await session(settings, org, person["id"], conn["id"])
        path = f"/api/v1/sessions/{sid}/assign"
        moved = await ok(
            await client.post(path, json={"departmentId": d["id"]}, headers=org.headers)
        )
        assert (moved["assignedAgentId"] is not None) is assigned, d["name"]
    # An explicit autoAssign still hands it to an agent.
    person = await contact(client, org)
    sid = await session(settings, org, person["id"], conn["id"])
    body = {"departmentId": manual["id"], "autoAssign": True}
    picked = await ok(
        await client.post(f"/api/v1/sessions/{sid}/assign", json=body, headers=org.headers)
    )
    assert picked["assignedAgentId"] is not None
