"""The session history through the public surface: every status change and assignment,
from a webhook, the AI responder (a real worker), the API (user vs API key), a campaign
send, with the actor, reason and state after each change."""

from __future__ import annotations

import uuid
from typing import Any

from ai_harness import World
from apikit import login, ok, user
from campaign_kit import make_campaign, make_contacts, send_campaign
from standins.openai_server import Reply, ToolCall
from support.orgs import Org


async def _history(world: World, session_id: Any, headers: dict[str, str] | None = None) -> Any:
    response = await world.client.get(
        f"/api/v1/sessions/{session_id}/history", headers=headers or world.org.headers
    )
    return await ok(response)


def _steps(history: list[dict[str, Any]]) -> list[tuple[str, str, str, str | None]]:
    return [(e["kind"], e["status"], e["by"]["type"], e["reason"]) for e in history]


async def test_a_webhook_opens_the_session_as_the_customers(world: World) -> None:
    await world.inbound("oi")
    session = await world.session()
    [opened] = await _history(world, session["id"])
    assert set(opened) >= {"status", "reason", "by", "at", "kind", "queueState"}
    assert opened["by"] == {"type": "CUSTOMER", "id": str(session["contact_id"])}
    assert (opened["kind"], opened["fromStatus"]) == ("STATUS", None)
    # The connection's AI is on: the conversation starts in automação.
    assert (opened["status"], opened["queueState"]) == ("ACTIVE", "AUTOMATION")
    # A second message changes nothing in the history.
    await world.inbound("tudo bem?")
    assert len(await _history(world, session["id"])) == 1


async def test_an_ai_handoff_is_the_ais_with_its_reason_and_department(world: World) -> None:
    await world.configure_llm()
    department = await ok(
        await world.client.post(
            "/api/v1/departments", json={"name": "Financeiro"}, headers=world.org.headers
        ),
        201,
    )
    world.llm.queue(
        "chat",
        Reply(
            tool_calls=(
                ToolCall("handoff_to_human", {"department": "financeiro", "reason": "boleto"}),
            )
        ),
    )
    turn = await world.say("meu boleto veio errado")
    await world.respond(turn)
    session = await world.session()
    opened, handoff = await _history(world, session["id"])
    assert opened["by"]["type"] == "CUSTOMER"
    assert handoff["by"] == {"type": "AI", "id": turn}
    assert (handoff["kind"], handoff["fromStatus"], handoff["status"]) == (
        "STATUS",
        "ACTIVE",
        "QUEUED",
    )
    assert handoff["reason"] == "handoff: boleto"
    assert handoff["assignedDepartmentId"] == department["id"]
    assert (opened["queueState"], handoff["queueState"]) == ("AUTOMATION", "WAITING")


async def test_api_changes_are_the_callers_user_or_api_key(world: World) -> None:
    await world.inbound("oi")
    session = await world.session()
    sid = session["id"]
    client, org = world.client, world.org
    agent_id, agent = await user(client, org, "AGENT", "ana@padaria.example")
    admin = await login(client, org.email, org.password)

    await ok(
        await client.post(
            f"/api/v1/sessions/{sid}/assign", json={"agentId": agent_id}, headers=admin
        )
    )
    await ok(
        await client.patch(
            f"/api/v1/sessions/{sid}/status",
            json={"status": "PAUSED", "statusReason": "aguardando o cliente"},
            headers=agent,
        )
    )
    await ok(
        await client.post(
            f"/api/v1/sessions/{sid}/assign", json={"customerId": "crm-42"}, headers=org.headers
        )
    )
    await ok(
        await client.post(
            f"/api/v1/sessions/{sid}/close", json={"endReason": "resolvido"}, headers=agent
        )
    )
    history = await _history(world, sid)
    key_id = await world.db.val(
        "SELECT id FROM api_key WHERE organization_id = $1", uuid.UUID(org.id)
    )
    assert _steps(history) == [
        ("STATUS", "ACTIVE", "CUSTOMER", None),  # the connection's AI is on
        ("ASSIGNMENT", "ACTIVE", "USER", None),
        ("STATUS", "PAUSED", "USER", "aguardando o cliente"),
        ("ASSIGNMENT", "PAUSED", "API_KEY", None),
        ("STATUS", "CLOSED", "USER", "resolvido"),
    ]
    assert history[1]["by"]["id"] == org.admin_id
    assert history[1]["assignedAgentId"] == agent_id
    assert history[2]["by"]["id"] == agent_id
    assert history[3]["by"]["id"] == str(key_id)
    assert history[3]["assignedCustomerId"] == "crm-42"
    assert [e["queueState"] for e in history[1:]] == [
        "ATTENDING",
        "ATTENDING",
        "ATTENDING",
        "CLOSED",
    ]
    assert [e["at"] for e in history] == sorted(e["at"] for e in history)


async def test_a_message_after_the_close_opens_a_new_session_with_its_own_history(
    world: World,
) -> None:
    await world.inbound("oi")
    first = await world.session()
    await ok(
        await world.client.post(
            f"/api/v1/sessions/{first['id']}/close", json={}, headers=world.org.headers
        )
    )
    await world.inbound("voltei")
    second = await world.session()
    assert second["id"] != first["id"]
    assert [e["status"] for e in await _history(world, first["id"])] == [first["status"], "CLOSED"]
    [reopened] = await _history(world, second["id"])
    assert reopened["by"]["type"] == "CUSTOMER" and reopened["fromStatus"] is None


async def test_a_campaign_send_opens_its_sessions_as_the_systems(world: World) -> None:
    contacts = await make_contacts(world, [{"phone": "5511900000071", "name": "Ana"}])
    campaign = await make_campaign(world, contacts, messages=[{"text": "Oi {{nome}}!"}])
    await send_campaign(world, campaign)
    sid = await world.db.val("SELECT id FROM session WHERE contact_id = $1", contacts[0])
    [opened] = await _history(world, sid)
    assert (opened["status"], opened["reason"], opened["by"]) == (
        "ACTIVE",
        "campaign",
        {"type": "SYSTEM", "id": None},
    )


async def test_another_organizations_session_history_is_404(world: World, other_org: Org) -> None:
    await world.inbound("oi")
    session = await world.session()
    response = await world.client.get(
        f"/api/v1/sessions/{session['id']}/history", headers=other_org.headers
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    missing = await world.client.get(
        f"/api/v1/sessions/{uuid.uuid4()}/history", headers=world.org.headers
    )
    assert missing.status_code == 404


async def test_the_contact_export_holds_each_sessions_history(world: World) -> None:
    await world.inbound("oi")
    session = await world.session()
    await ok(
        await world.client.patch(
            f"/api/v1/sessions/{session['id']}/status",
            json={"status": "PAUSED", "statusReason": "pausa"},
            headers=world.org.headers,
        )
    )
    exported = await ok(
        await world.client.get(
            f"/api/v1/contacts/{session['contact_id']}/export", headers=world.org.headers
        )
    )
    [held] = [s for s in exported["sessions"] if s["id"] == str(session["id"])]
    assert [(e["status"], e["by"]["type"]) for e in held["history"]] == [
        (session["status"], "CUSTOMER"),
        ("PAUSED", "API_KEY"),
    ]


async def test_a_session_the_business_opens_is_the_callers(world: World) -> None:
    person = await ok(
        await world.client.post(
            "/api/v1/contacts",
            json={"phoneNumber": "5511955554444", "name": "Rui"},
            headers=world.org.headers,
        ),
        201,
    )
    opened = await ok(
        await world.client.post(
            "/api/v1/sessions",
            json={"contactId": person["id"], "connectionId": world.hook.id},
            headers=world.org.headers,
        ),
        201,
    )
    [event] = await _history(world, opened["id"])
    key_id = await world.db.val(
        "SELECT id FROM api_key WHERE organization_id = $1", uuid.UUID(world.org.id)
    )
    assert (event["status"], event["by"]) == ("ACTIVE", {"type": "API_KEY", "id": str(key_id)})
