"""Roles (one helper decides, app/sessions/access.py) and round-robin assignment."""

from __future__ import annotations

import asyncio
import uuid

from apikit import Client, contact, department, ok, session, tabulation, user, world
from support.orgs import Org

from app.config import Settings


async def test_viewer_reads_only(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    _, viewer = await user(client, org, "VIEWER", "ver@padaria.example")
    for path in (
        f"/api/v1/sessions/{w.session_id}",
        "/api/v1/sessions",
        f"/api/v1/sessions/by-contact/{w.contact['id']}",
        f"/api/v1/sessions/{w.session_id}/ai-status",
        "/api/v1/messages",
        "/api/v1/contacts",
        "/api/v1/tabulations",
    ):
        assert (await client.get(path, headers=viewer)).status_code == 200, path
    writes = [
        ("POST", f"/api/v1/sessions/{w.session_id}/close", {}),
        ("POST", f"/api/v1/sessions/{w.session_id}/block-ai", {}),
        ("PATCH", f"/api/v1/sessions/{w.session_id}/status", {"status": "ACTIVE"}),
        ("POST", "/api/v1/messages", {"sessionId": w.session_id}),
        ("POST", "/api/v1/contacts", {"phoneNumber": "5511999990000"}),
        ("POST", "/api/v1/tabulations", {"name": "x"}),
        ("POST", "/api/v1/webhook-subscriptions", {}),
    ]
    for method, path, body in writes:
        response = await client.request(method, path, json=body, headers=viewer)
        assert response.status_code == 403, (method, path)
    for path in ("/api/v1/webhook-subscriptions", f"/api/v1/contacts/{w.contact['id']}/export"):
        assert (await client.get(path, headers=viewer)).status_code == 403, path


async def test_agent_and_supervisor_scopes(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    sales = await department(client, org, "Vendas")
    support = await department(client, org, "Suporte")
    agent_id, agent = await user(client, org, "AGENT", "ag@padaria.example", [sales["id"]])
    _, boss = await user(client, org, "SUPERVISOR", "sup@padaria.example", [support["id"]])
    contact_id, conn_id = w.contact["id"], w.connection["id"]
    own_dept = w.session_id
    await ok(
        await client.post(
            f"/api/v1/sessions/{own_dept}/assign",
            json={"departmentId": sales["id"], "autoAssign": False},
            headers=org.headers,
        )
    )
    other = (await contact(client, org))["id"]
    support_session = await session(settings, org, other, conn_id, department_id=support["id"])
    third = (await contact(client, org))["id"]
    mine = await session(
        settings, org, third, conn_id, department_id=support["id"], agent_id=agent_id
    )

    async def status(headers: dict[str, str], sid: str) -> int:
        body = {"status": "ACTIVE"}
        path = f"/api/v1/sessions/{sid}/status"
        return (await client.patch(path, json=body, headers=headers)).status_code

    assert await status(agent, own_dept) == 200  # their department
    assert await status(agent, mine) == 200  # assigned to them
    refused = await client.post(f"/api/v1/sessions/{support_session}/close", headers=agent)
    assert (refused.status_code, refused.json()["code"]) == (403, "session_forbidden")
    assert await status(boss, support_session) == 200
    assert await status(boss, own_dept) == 403
    as_other = await client.post(
        f"/api/v1/sessions/{own_dept}/assign",
        json={"agentId": str(uuid.uuid4())},
        headers=agent,
    )
    assert as_other.status_code == 403
    # Tabulations: a supervisor manages their departments' only; an agent none.
    assert (
        await client.post(
            "/api/v1/tabulations",
            json={"name": "S", "departmentId": support["id"]},
            headers=boss,
        )
    ).status_code == 201
    for headers, body in (
        (boss, {"name": "G"}),
        (agent, {"name": "A", "departmentId": sales["id"]}),
    ):
        assert (
            await client.post("/api/v1/tabulations", json=body, headers=headers)
        ).status_code == 403
    # Contacts: agents edit; only an admin erases, supervisors export.
    assert (
        await client.patch(f"/api/v1/contacts/{contact_id}", json={"name": "Z"}, headers=agent)
    ).status_code == 200
    assert (
        await client.get(f"/api/v1/contacts/{contact_id}/export", headers=boss)
    ).status_code == 200
    assert (
        await client.get(f"/api/v1/contacts/{contact_id}/export", headers=agent)
    ).status_code == 403
    assert (await client.delete(f"/api/v1/contacts/{contact_id}", headers=boss)).status_code == 403
    sub = {"url": "https://crm.example/h", "events": ["session.closed"]}
    assert (
        await client.post("/api/v1/webhook-subscriptions", json=sub, headers=boss)
    ).status_code == 403
    assert await tabulation(client, org, "admin pode")


async def test_round_robin_assignment(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    sales = await department(client, org, "Vendas", requiresTabulation=False)
    agents = [
        (await user(client, org, "AGENT", f"a{i}@padaria.example", [sales["id"]]))[0]
        for i in range(3)
    ]
    await user(client, org, "SUPERVISOR", "s@padaria.example", [sales["id"]])
    sessions = [
        await session(settings, org, (await contact(client, org))["id"], w.connection["id"])
        for _ in range(6)
    ]

    async def assign(sid: str) -> dict[str, object]:
        response = await client.post(
            f"/api/v1/sessions/{sid}/assign",
            json={"departmentId": sales["id"]},
            headers=org.headers,
        )
        return await ok(response)

    first = [await assign(sid) for sid in sessions[:3]]
    assert sorted(str(s["assignedAgentId"]) for s in first) == sorted(agents)
    assert {s["status"] for s in first} == {"ACTIVE"}  # an agent took the queued session
    # Concurrent assignments spread too (SKIP LOCKED): three at once, three agents.
    concurrent = await asyncio.gather(*(assign(sid) for sid in sessions[3:]))
    assert sorted(str(s["assignedAgentId"]) for s in concurrent) == sorted(agents)

    queue_only = await ok(
        await client.post(
            f"/api/v1/sessions/{w.session_id}/assign",
            json={"departmentId": sales["id"], "autoAssign": False, "customerId": "crm-7"},
            headers=org.headers,
        )
    )
    assert queue_only["assignedAgentId"] is None
    assert queue_only["assignedCustomerId"] == "crm-7"
    assert queue_only["status"] == "QUEUED"
    direct = await ok(
        await client.post(
            f"/api/v1/sessions/{w.session_id}/assign",
            json={"agentId": agents[0]},
            headers=org.headers,
        )
    )
    assert direct["assignedAgentId"] == agents[0]
    assert direct["assignedDepartmentId"] == sales["id"]
    for body, field in [
        ({}, "departmentId"),
        ({"departmentId": str(uuid.uuid4())}, "departmentId"),
        ({"agentId": str(uuid.uuid4())}, "agentId"),
        ({"autoAssign": True}, "departmentId"),
        ({"departmentId": sales["id"], "agentId": agents[0], "autoAssign": True}, "autoAssign"),
    ]:
        response = await client.post(
            f"/api/v1/sessions/{w.session_id}/assign", json=body, headers=org.headers
        )
        assert response.status_code == 422, body
        assert response.json()["extra"]["field"] == field


async def test_unavailable_agents_are_skipped(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    sales = await department(client, org, "Vendas")
    away, _ = await user(client, org, "AGENT", "away@padaria.example", [sales["id"]])
    await ok(
        await client.patch(
            f"/api/v1/users/{away}", json={"isAvailable": False}, headers=org.headers
        )
    )
    got = await ok(
        await client.post(
            f"/api/v1/sessions/{w.session_id}/assign",
            json={"departmentId": sales["id"]},
            headers=org.headers,
        )
    )
    assert got["assignedAgentId"] is None and got["assignedDepartmentId"] == sales["id"]
