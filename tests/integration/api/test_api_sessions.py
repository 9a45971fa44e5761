"""Sessions through HTTP: shape, filters, lifecycle, tabulations, AI block, history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from apikit import (
    Client,
    World,
    connection,
    contact,
    department,
    message,
    ok,
    session,
    tabulation,
    world,
)
from support.orgs import Org

from app.config import Settings
from app.db import models as m
from app.db.engine import make_engine, make_sessionmaker
from app.db.enums import SessionStatus


async def test_session_shape(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    got = await ok(await client.get(f"/api/v1/sessions/{w.session_id}", headers=w.headers))
    assert set(got) >= {
        "id", "contactId", "connectionId", "organizationId", "status", "startedBy",
        "statusReason", "endReason", "externalId", "assignedDepartmentId", "assignedAgentId",
        "assignedCustomerId", "concatTimeout", "aiBlockedUntil", "aiBlockReason", "createdAt",
        "updatedAt", "closedAt", "tabulations",
    }  # fmt: skip
    assert got["status"] == "QUEUED"
    assert got["contactId"] == w.contact["id"]
    assert got["organizationId"] == org.id
    assert got["tabulations"] == []


async def _status(client: Client, w: World, status: str, **extra: object) -> object:
    return await client.patch(
        f"/api/v1/sessions/{w.session_id}/status",
        json={"status": status, **extra},
        headers=w.headers,
    )


async def test_lifecycle(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    for status in ("ACTIVE", "PAUSED", "ACTIVE", "QUEUED", "PAUSED"):
        response = await _status(client, w, status, statusReason=f"to {status}")
        body = await ok(response)
        assert body["status"] == status
        assert body["statusReason"] == f"to {status}"
    closed = await ok(await _status(client, w, "CLOSED"))
    assert closed["status"] == "CLOSED"
    assert closed["closedAt"] is not None
    for status in ("ACTIVE", "QUEUED", "PAUSED", "CLOSED"):
        refused = await _status(client, w, status)
        assert refused.status_code == 409, status
        assert refused.json()["code"] == "invalid_transition"
    bad = await _status(client, w, "OPEN")
    assert bad.status_code == 422
    assert bad.json()["extra"]["field"] == "status"


async def test_close_records_reason_and_tabulations(
    client: Client, settings: Settings, org: Org
) -> None:
    w = await world(client, settings, org)
    tab = await tabulation(client, org, "Venda", backgroundColor="#00FF00")
    closed = await ok(
        await client.post(
            f"/api/v1/sessions/{w.session_id}/close",
            json={"endReason": "resolvido", "tabulationIds": [tab["id"]]},
            headers=w.headers,
        )
    )
    assert closed["status"] == "CLOSED"
    assert closed["endReason"] == "resolvido"
    assert [t["id"] for t in closed["tabulations"]] == [tab["id"]]
    again = await client.post(f"/api/v1/sessions/{w.session_id}/close", headers=w.headers)
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"


async def test_close_without_body_and_unknown_tabulation(
    client: Client, settings: Settings, org: Org
) -> None:
    w = await world(client, settings, org)
    unknown = await client.post(
        f"/api/v1/sessions/{w.session_id}/close",
        json={"tabulationIds": ["00000000-0000-4000-8000-000000000000"]},
        headers=w.headers,
    )
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "unknown_tabulation"
    assert unknown.json()["extra"]["field"] == "tabulationIds"
    closed = await client.post(f"/api/v1/sessions/{w.session_id}/close", headers=w.headers)
    assert (await ok(closed))["endReason"] is None


async def test_department_requiring_tabulation(
    client: Client, settings: Settings, org: Org
) -> None:
    w = await world(client, settings, org)
    dept = await department(client, org, "Financeiro", requiresTabulation=True)
    sid = await session(
        settings, org, w.contact["id"], (await _second_connection(client, org))["id"],
        department_id=dept["id"],
    )  # fmt: skip
    refused = await client.post(f"/api/v1/sessions/{sid}/close", json={}, headers=w.headers)
    assert refused.status_code == 422
    assert refused.json()["code"] == "tabulation_required"
    assert refused.json()["extra"]["field"] == "tabulationIds"
    via_status = await client.patch(
        f"/api/v1/sessions/{sid}/status", json={"status": "CLOSED"}, headers=w.headers
    )
    assert via_status.json()["code"] == "tabulation_required"
    tab = await tabulation(client, org, "Boleto")
    tagged = await client.post(
        f"/api/v1/sessions/{sid}/tags", json={"tabulationIds": [tab["id"]]}, headers=w.headers
    )
    assert [t["name"] for t in (await ok(tagged))["tabulations"]] == ["Boleto"]
    closed = await client.post(f"/api/v1/sessions/{sid}/close", json={}, headers=w.headers)
    assert (await ok(closed))["status"] == "CLOSED"


async def _second_connection(client: Client, org: Org) -> dict[str, object]:
    return await connection(client, org, name="Filial")


async def test_tags_add_and_remove(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    a, b = await tabulation(client, org, "A"), await tabulation(client, org, "B")
    path = f"/api/v1/sessions/{w.session_id}/tags"
    added = await ok(
        await client.post(
            path, json={"tabulationIds": [a["id"], b["id"], a["id"]]}, headers=w.headers
        )
    )
    assert sorted(t["name"] for t in added["tabulations"]) == ["A", "B"]
    removed = await ok(
        await client.request("DELETE", path, json={"tabulationIds": [a["id"]]}, headers=w.headers)
    )
    assert [t["name"] for t in removed["tabulations"]] == ["B"]
    empty = await client.post(path, json={"tabulationIds": []}, headers=w.headers)
    assert empty.status_code == 422
    assert empty.json()["extra"]["field"] == "tabulationIds"


async def test_ai_block_and_status(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    base = f"/api/v1/sessions/{w.session_id}"
    status = await ok(await client.get(f"{base}/ai-status", headers=w.headers))
    assert status == {
        "aiBlocked": False,
        "aiBlockedUntil": None,
        "aiBlockReason": None,
        "remainingSeconds": 0,
        "bypassBots": False,
        "aiEnabled": True,
    }
    blocked = await ok(
        await client.post(
            f"{base}/block-ai", json={"durationMinutes": 30, "reason": "humano"}, headers=w.headers
        )
    )
    assert blocked["aiBlocked"] is True
    assert blocked["aiBlockReason"] == "humano"
    assert 1790 <= blocked["remainingSeconds"] <= 1800
    default = await ok(await client.post(f"{base}/block-ai", headers=w.headers))
    assert 890 <= default["remainingSeconds"] <= 900
    for minutes in (0, 1441, "x"):
        bad = await client.post(
            f"{base}/block-ai", json={"durationMinutes": minutes}, headers=w.headers
        )
        assert bad.status_code == 422
        assert bad.json()["extra"]["field"] == "durationMinutes"
    unblocked = await ok(await client.post(f"{base}/unblock-ai", headers=w.headers))
    assert unblocked["aiBlocked"] is False and unblocked["remainingSeconds"] == 0


async def test_ai_block_expires_by_time(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=1)
    async with make_sessionmaker(engine)() as db:
        row = await db.get(m.Session, uuid.UUID(w.session_id))
        assert row is not None
        row.ai_blocked_until = datetime.now(UTC) - timedelta(seconds=1)
        row.ai_block_reason = "old"
        await db.commit()
    await engine.dispose()
    status = await ok(
        await client.get(f"/api/v1/sessions/{w.session_id}/ai-status", headers=w.headers)
    )
    assert status["aiBlocked"] is False and status["aiBlockedUntil"] is None


async def test_list_filters(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    dept = await department(client, org, "Vendas")
    other = await contact(client, org, name="João")
    sid2 = await session(
        settings, org, other["id"], w.connection["id"], status=SessionStatus.ACTIVE,
        department_id=dept["id"], agent_id=org.admin_id,
    )  # fmt: skip
    tab = await tabulation(client, org, "VIP")
    await ok(
        await client.post(
            f"/api/v1/sessions/{sid2}/tags", json={"tabulationIds": [tab["id"]]}, headers=w.headers
        )
    )

    async def ids(query: str) -> list[str]:
        body = await ok(await client.get(f"/api/v1/sessions?{query}", headers=w.headers))
        return [s["id"] for s in body["data"]]

    assert await ids("") == [sid2, w.session_id]
    assert await ids("status=QUEUED") == [w.session_id]
    assert await ids(f"contactId={other['id']}") == [sid2]
    assert await ids(f"connectionId={w.connection['id']}") == [sid2, w.session_id]
    assert await ids(f"departmentId={dept['id']}") == [sid2]
    assert await ids(f"agentId={org.admin_id}") == [sid2]
    assert await ids(f"tabulationId={tab['id']}") == [sid2]
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert await ids(f"updatedSince={future}") == []
    assert await ids("updatedSince=2000-01-01T00:00:00") == [sid2, w.session_id]
    page = await ok(await client.get("/api/v1/sessions?limit=1&page=2", headers=w.headers))
    assert page["pagination"] == {
        "total_data": 2, "total_pages": 2, "page": 2, "limit": 1, "has_next_page": False,
    }  # fmt: skip
    for query, field in [
        ("status=NOPE", "status"),
        ("contactId=123", "contactId"),
        ("updatedSince=yesterday", "updatedSince"),
        ("limit=201", "limit"),
    ]:
        bad = await client.get(f"/api/v1/sessions?{query}", headers=w.headers)
        assert bad.status_code == 422, query
        assert bad.json()["extra"]["field"] == field, bad.json()


async def test_session_messages_oldest_first(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    for text in ("um", "dois", "três"):
        await message(client, org, w.session_id, text)
    page = await ok(
        await client.get(f"/api/v1/sessions/{w.session_id}/messages?limit=2", headers=w.headers)
    )
    assert [m["content"]["text"] for m in page["data"]] == ["um", "dois"]
    assert page["pagination"]["has_next_page"] is True


async def test_by_contact_history(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    dept = await department(client, org, "Suporte")
    tab = await tabulation(client, org, "Cliente", backgroundColor="#123456", description="d")
    await ok(
        await client.post(
            f"/api/v1/contacts/{w.contact['id']}/tabulations",
            json={"tabulationIds": [tab["id"]]},
            headers=w.headers,
        ),
    )
    await message(client, org, w.session_id, "primeira")
    await message(client, org, w.session_id, "resposta", author="AGENT", sendExternalMessage=False)
    await ok(await client.post(f"/api/v1/sessions/{w.session_id}/close", headers=w.headers))
    sid2 = await session(
        settings, org, w.contact["id"], w.connection["id"], department_id=dept["id"]
    )
    await message(client, org, sid2, "de novo")

    got = await ok(
        await client.get(f"/api/v1/sessions/by-contact/{w.contact['id']}", headers=w.headers)
    )
    assert got["contact"]["id"] == w.contact["id"]
    assert got["contact"]["ContactTabulation"][0]["tabulation"]["backgroundColor"] == "#123456"
    assert [m["content"]["text"] for m in got["allMessages"]] == ["primeira", "resposta", "de novo"]
    assert [m["sessionStatus"] for m in got["allMessages"]] == ["CLOSED", "CLOSED", "QUEUED"]
    assert {m["startedBy"] for m in got["allMessages"]} == {"CUSTOMER"}
    assert [s["id"] for s in got["sessions"]] == [w.session_id, sid2]
    assert [len(s["messages"]) for s in got["sessions"]] == [2, 1]
    assert got["isLastSessionClosed"] is False
    assert got["lastSessionId"] == sid2
    assert got["lastSessionStatus"] == "QUEUED"
    assert got["lastSessionAssignedDepartment"] == {"id": dept["id"], "name": "Suporte"}
    assert got["pagination"] == {
        "total_data": 3, "total_pages": 1, "page": 1, "limit": 100, "has_next_page": False,
    }  # fmt: skip
    # Page 1 is the most recent page; page 2 goes back in time, still oldest first.
    older = await ok(
        await client.get(
            f"/api/v1/sessions/by-contact/{w.contact['id']}?limit=2&page=2", headers=w.headers
        )
    )
    assert [m["content"]["text"] for m in older["allMessages"]] == ["primeira"]
    recent = await ok(
        await client.get(
            f"/api/v1/sessions/by-contact/{w.contact['id']}?limit=2", headers=w.headers
        )
    )
    assert [m["content"]["text"] for m in recent["allMessages"]] == ["resposta", "de novo"]


async def test_by_contact_without_sessions(client: Client, org: Org) -> None:
    person = await contact(client, org)
    got = await ok(
        await client.get(f"/api/v1/sessions/by-contact/{person['id']}", headers=org.headers)
    )
    assert got["sessions"] == [] and got["allMessages"] == []
    assert got["isLastSessionClosed"] is True
    assert got["lastSessionId"] is None and got["lastSessionAssignedDepartment"] is None
