"""A tabulation's department scope limits where it can be applied, and autoTrigger is
validated with autoTabulation."""

from __future__ import annotations

from apikit import Client, connection, contact, department, ok, session, tabulation
from support.orgs import Org

from app.config import Settings


async def _tag(client: Client, org: Org, sid: str, tab: str) -> object:
    return await client.post(
        f"/api/v1/sessions/{sid}/tags", json={"tabulationIds": [tab]}, headers=org.headers
    )


async def test_a_departments_tabulation_only_applies_to_its_sessions(
    client: Client, settings: Settings, org: Org
) -> None:
    conn = await connection(client, org)
    sales = await department(client, org, "Vendas")
    support = await department(client, org, "Suporte")
    sales_tab = await tabulation(client, org, "Venda fechada", departmentId=sales["id"])
    anyone = await tabulation(client, org, "Dúvida")
    people = [await contact(client, org) for _ in range(3)]
    in_sales, in_support, nowhere = [
        await session(settings, org, p["id"], conn["id"], department_id=d)
        for p, d in zip(people, (sales["id"], support["id"], None), strict=True)
    ]

    tagged = await ok(await _tag(client, org, in_sales, sales_tab["id"]))
    assert [t["id"] for t in tagged["tabulations"]] == [sales_tab["id"]]
    for sid in (in_support, nowhere):
        refused = await _tag(client, org, sid, sales_tab["id"])
        assert refused.status_code == 422, refused.text
        body = refused.json()
        assert body["code"] == "tabulation_out_of_scope"
        assert body["extra"]["field"] == "tabulationIds"
        assert body["extra"]["ids"] == [sales_tab["id"]]
        await ok(await _tag(client, org, sid, anyone["id"]))

    closing = await client.post(
        f"/api/v1/sessions/{in_support}/close",
        json={"tabulationIds": [anyone["id"], sales_tab["id"]]},
        headers=org.headers,
    )
    assert closing.status_code == 422 and closing.json()["code"] == "tabulation_out_of_scope"
    still = await ok(await client.get(f"/api/v1/sessions/{in_support}", headers=org.headers))
    assert still["status"] != "CLOSED"
    closed = await ok(
        await client.post(
            f"/api/v1/sessions/{in_sales}/close",
            json={"tabulationIds": [sales_tab["id"]]},
            headers=org.headers,
        )
    )
    assert closed["status"] == "CLOSED"


async def test_auto_trigger_goes_with_auto_tabulation(client: Client, org: Org) -> None:
    tab = await tabulation(
        client, org, "Transferido", autoTabulation=True, autoTrigger="AI_HANDOFF"
    )
    assert (tab["autoTabulation"], tab["autoTrigger"]) == (True, "AI_HANDOFF")
    manual = await tabulation(client, org, "Manual")
    assert manual["autoTrigger"] is None

    refused = await client.post(
        "/api/v1/tabulations",
        json={"name": "Errada", "autoTrigger": "AI_CLOSED"},
        headers=org.headers,
    )
    assert refused.status_code == 422 and refused.json()["code"] == "auto_trigger_without_auto"
    unknown = await client.post(
        "/api/v1/tabulations",
        json={"name": "Outra", "autoTabulation": True, "autoTrigger": "WHENEVER"},
        headers=org.headers,
    )
    assert unknown.status_code == 422
    assert unknown.json()["extra"]["field"] == "autoTrigger"
    patched = await client.patch(
        f"/api/v1/tabulations/{manual['id']}",
        json={"autoTrigger": "AI_CLOSED"},
        headers=org.headers,
    )
    assert patched.status_code == 422

    turned_manual = await ok(
        await client.patch(
            f"/api/v1/tabulations/{tab['id']}", json={"autoTabulation": False}, headers=org.headers
        )
    )
    assert (turned_manual["autoTabulation"], turned_manual["autoTrigger"]) == (False, None)
