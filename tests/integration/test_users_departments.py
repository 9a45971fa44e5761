"""Departments and users through HTTP: CRUD, roles, validation, tenancy."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from support.orgs import Org

Client = AsyncTestClient[Litestar]


async def _login(client: Client, email: str, password: str) -> dict[str, str]:
    tokens = (
        await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    ).json()
    return {"Authorization": f"Bearer {tokens['accessToken']}"}


async def _user(client: Client, org: Org, role: str, email: str, **extra: Any) -> dict[str, str]:
    body = {"email": email, "password": "senha-forte-123", "role": role, **extra}
    created = await client.post("/api/v1/users", json=body, headers=org.headers)
    assert created.status_code == 201, created.text
    return await _login(client, email, "senha-forte-123")


async def test_department_crud(client: Client, org: Org) -> None:
    created = await client.post(
        "/api/v1/departments",
        json={"name": "Financeiro", "requiresTabulation": True},
        headers=org.headers,
    )
    assert created.status_code == 201
    dept = created.json()
    assert dept["name"] == "Financeiro"
    assert dept["requiresTabulation"] is True
    path = f"/api/v1/departments/{dept['id']}"
    patched = await client.patch(path, json={"description": "Boletos e Pix"}, headers=org.headers)
    assert patched.json()["description"] == "Boletos e Pix"
    assert patched.json()["name"] == "Financeiro"
    listed = (await client.get("/api/v1/departments", headers=org.headers)).json()
    assert [d["name"] for d in listed["data"]] == ["Financeiro"]
    assert listed["pagination"] == {
        "total_data": 1,
        "total_pages": 1,
        "page": 1,
        "limit": 50,
        "has_next_page": False,
    }
    assert (await client.delete(path, headers=org.headers)).status_code == 204
    assert (await client.get(path, headers=org.headers)).status_code == 404


async def test_department_names_are_unique_per_org(
    client: Client, org: Org, other_org: Org
) -> None:
    body = {"name": "Vendas"}
    assert (
        await client.post("/api/v1/departments", json=body, headers=org.headers)
    ).status_code == 201
    again = await client.post("/api/v1/departments", json={"name": "vendas"}, headers=org.headers)
    assert again.status_code == 409
    assert again.json()["code"] == "name_taken"
    elsewhere = await client.post("/api/v1/departments", json=body, headers=other_org.headers)
    assert elsewhere.status_code == 201


async def test_pagination_limits_are_validated(client: Client, org: Org) -> None:
    for query in ("limit=0", "limit=201", "page=0", "page=abc"):
        response = await client.get(f"/api/v1/departments?{query}", headers=org.headers)
        assert response.status_code == 422, query
        assert response.json()["extra"]["field"] == query.split("=")[0]


async def test_user_with_departments(client: Client, org: Org) -> None:
    dept = (
        await client.post("/api/v1/departments", json={"name": "Suporte"}, headers=org.headers)
    ).json()
    created = await client.post(
        "/api/v1/users",
        json={
            "email": "ana@padaria.example",
            "password": "senha-forte-123",
            "role": "AGENT",
            "name": "Ana",
            "departmentIds": [dept["id"]],
        },
        headers=org.headers,
    )
    user = created.json()
    assert user["role"] == "AGENT"
    assert user["departmentIds"] == [dept["id"]]
    assert "password" not in user and "passwordHash" not in user
    fetched = (await client.get(f"/api/v1/users/{user['id']}", headers=org.headers)).json()
    assert fetched == user | {"updatedAt": fetched["updatedAt"]}


async def test_user_validation(client: Client, org: Org) -> None:
    cases = [
        ({"email": "not-an-email", "password": "senha-forte-123", "role": "AGENT"}, "email"),
        ({"email": "a@b.example", "password": "curta", "role": "AGENT"}, "password"),
        ({"email": "a@b.example", "password": "senha-forte-123", "role": "BOSS"}, "role"),
        (
            {
                "email": "a@b.example",
                "password": "senha-forte-123",
                "role": "AGENT",
                "departmentIds": ["not-a-uuid"],
            },
            "departmentIds[0]",
        ),
    ]
    for body, field in cases:
        response = await client.post("/api/v1/users", json=body, headers=org.headers)
        assert response.status_code == 422, body
        assert response.json()["extra"]["field"] == field


async def test_email_taken_across_orgs(client: Client, org: Org, other_org: Org) -> None:
    body = {"email": org.email, "password": "senha-forte-123", "role": "AGENT"}
    response = await client.post("/api/v1/users", json=body, headers=other_org.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"


async def test_another_orgs_department_cannot_be_joined(
    client: Client, org: Org, other_org: Org
) -> None:
    foreign = (
        await client.post("/api/v1/departments", json={"name": "X"}, headers=other_org.headers)
    ).json()
    body = {
        "email": "b@padaria.example",
        "password": "senha-forte-123",
        "role": "AGENT",
        "departmentIds": [foreign["id"]],
    }
    response = await client.post("/api/v1/users", json=body, headers=org.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_department"


async def test_the_last_admin_cannot_be_removed(client: Client, org: Org) -> None:
    path = f"/api/v1/users/{org.admin_id}"
    demote = await client.patch(path, json={"role": "AGENT"}, headers=org.headers)
    assert demote.status_code == 409
    assert demote.json()["code"] == "last_admin"
    assert (await client.delete(path, headers=org.headers)).json()["code"] == "last_admin"


async def test_roles(client: Client, org: Org) -> None:
    viewer = await _user(client, org, "VIEWER", "viewer@padaria.example")
    agent = await _user(client, org, "AGENT", "agent@padaria.example")
    supervisor = await _user(client, org, "SUPERVISOR", "sup@padaria.example")
    body = {"name": "Entregas"}
    assert (await client.get("/api/v1/departments", headers=viewer)).status_code == 200
    for headers in (viewer, agent, supervisor):
        response = await client.post("/api/v1/departments", json=body, headers=headers)
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
    assert (await client.get("/api/v1/users", headers=agent)).status_code == 403
    assert (await client.get("/api/v1/users", headers=supervisor)).status_code == 200


async def test_cross_tenant_ids_are_404(client: Client, org: Org, other_org: Org) -> None:
    dept = (
        await client.post("/api/v1/departments", json={"name": "Caixa"}, headers=org.headers)
    ).json()
    probes = [
        ("GET", f"/api/v1/departments/{dept['id']}", None),
        ("PATCH", f"/api/v1/departments/{dept['id']}", {"name": "Roubado"}),
        ("DELETE", f"/api/v1/departments/{dept['id']}", None),
        ("GET", f"/api/v1/users/{org.admin_id}", None),
        ("PATCH", f"/api/v1/users/{org.admin_id}", {"name": "Roubado"}),
        ("DELETE", f"/api/v1/users/{org.admin_id}", None),
    ]
    for method, path, body in probes:
        response = await client.request(method, path, json=body, headers=other_org.headers)
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "not_found"
    assert (await client.get(f"/api/v1/departments/{dept['id']}", headers=org.headers)).json()[
        "name"
    ] == "Caixa"
    other_users = (await client.get("/api/v1/users", headers=other_org.headers)).json()
    assert [u["email"] for u in other_users["data"]] == [other_org.email]
    assert other_users["pagination"]["total_data"] == 1
