"""Contact lists through HTTP: CRUD with contactCount, members, bulk add by id and by
phone (created, merged, repeated, invalid, opted out), tenancy, roles."""

from __future__ import annotations

import uuid

from apikit import Client, contact, ok, user
from support.orgs import Org

BASE = "/api/v1/contact-lists"


async def new_list(client: Client, org: Org, name: str = "Clientes VIP") -> dict[str, object]:
    return await ok(await client.post(BASE, json={"name": name}, headers=org.headers), 201)


async def test_crud_and_count(client: Client, org: Org) -> None:
    created = await new_list(client, org)
    assert (created["name"], created["description"], created["contactCount"]) == (
        "Clientes VIP",
        None,
        0,
    )
    dup = await client.post(BASE, json={"name": "Clientes VIP"}, headers=org.headers)
    assert (dup.status_code, dup.json()["code"]) == (409, "name_taken")
    path = f"{BASE}/{created['id']}"
    patched = await ok(
        await client.patch(path, json={"description": "Compram todo mês"}, headers=org.headers)
    )
    assert patched["description"] == "Compram todo mês"
    person = await contact(client, org)
    body = {"contactIds": [person["id"]]}
    await ok(await client.post(f"{path}/contacts", json=body, headers=org.headers))
    listed = await ok(await client.get(BASE, headers=org.headers))
    assert [(x["id"], x["contactCount"]) for x in listed["data"]] == [(created["id"], 1)]
    assert listed["pagination"]["total_data"] == 1
    assert (await client.delete(path, headers=org.headers)).status_code == 204
    assert (await client.get(path, headers=org.headers)).status_code == 404
    still = await client.get(f"/api/v1/contacts/{person['id']}", headers=org.headers)
    assert still.status_code == 200  # the contacts stay


async def test_bulk_add_by_phone_and_id(client: Client, org: Org) -> None:
    lst = await new_list(client, org)
    path = f"{BASE}/{lst['id']}/contacts"
    known = await contact(client, org, phoneNumber="5511987650001", name="Antiga", email=None)
    gone = await contact(client, org, phoneNumber="5511987650002")
    await ok(await client.post(f"/api/v1/contacts/{gone['id']}/opt-out", headers=org.headers))
    body = {
        "contacts": [
            {"phoneNumber": "+55 (11) 98765-0001", "email": "antiga@example.com"},
            {"phoneNumber": "11 98765-0003 ramal 9", "name": "Nova", "fields": {"loja": "Centro"}},
            {"phoneNumber": "5511987650003"},
            {"phoneNumber": "123"},
            {"phoneNumber": ""},
            {"phoneNumber": "5511987650002"},
        ],
        "contactIds": [known["id"]],
    }
    result = await ok(await client.post(path, json=body, headers=org.headers))
    assert {k: result[k] for k in ("added", "created", "updated", "duplicates", "optedOut")} == {
        "added": 2,
        "created": 1,
        "updated": 1,
        "duplicates": 2,  # the repeated phone, and the id of a contact just added
        "optedOut": 1,
    }
    assert [(i["index"], i["code"]) for i in result["invalid"]] == [
        (3, "invalid_phone"),
        (4, "missing_phone"),
    ]
    members = await ok(await client.get(f"{path}?limit=10", headers=org.headers))
    by_phone = {c["phoneNumber"]: c for c in members["data"]}
    assert sorted(by_phone) == ["5511987650001", "5511987650003"]
    merged = by_phone["5511987650001"]
    assert (merged["name"], merged["email"]) == ("Antiga", "antiga@example.com")
    assert by_phone["5511987650003"]["fields"] == {"loja": "Centro"}
    again = await ok(await client.post(path, json=body, headers=org.headers))
    assert (again["added"], again["created"], again["duplicates"]) == (0, 0, 4)
    removed = await ok(
        await client.request(
            "DELETE", path, json={"contactIds": [known["id"]]}, headers=org.headers
        )
    )
    assert removed == {"removed": 1}
    assert (await ok(await client.get(f"{BASE}/{lst['id']}", headers=org.headers)))[
        "contactCount"
    ] == 1


async def test_another_tenant_gets_404(client: Client, org: Org, other_org: Org) -> None:
    lst = await new_list(client, org)
    theirs = await contact(client, other_org)
    path = f"{BASE}/{lst['id']}"
    for method, url, body in [
        ("GET", path, None),
        ("PATCH", path, {"name": "x"}),
        ("DELETE", path, None),
        ("GET", f"{path}/contacts", None),
        ("POST", f"{path}/contacts", {"contactIds": []}),
        ("DELETE", f"{path}/contacts", {"contactIds": [theirs["id"]]}),
        ("GET", f"{path}/imports/{uuid.uuid4()}", None),
    ]:
        response = await client.request(method, url, json=body, headers=other_org.headers)
        assert response.status_code == 404, (method, url)
    # Their contact's id in a body of ours: unknown, and nothing of the body is written.
    mixed = {"contactIds": [theirs["id"]], "contacts": [{"phoneNumber": "5511987650009"}]}
    refused = await client.post(f"{path}/contacts", json=mixed, headers=org.headers)
    assert (refused.status_code, refused.json()["code"]) == (422, "unknown_contact")
    members = await ok(await client.get(f"{path}/contacts", headers=org.headers))
    assert members["data"] == []


async def test_agents_cannot_manage_lists(client: Client, org: Org) -> None:
    _, agent = await user(client, org, "AGENT", "agente@padaria.example")
    assert (await client.get(BASE, headers=agent)).status_code == 403
    assert (await client.post(BASE, json={"name": "x"}, headers=agent)).status_code == 403
    _, boss = await user(client, org, "SUPERVISOR", "chefe@padaria.example")
    await ok(await client.post(BASE, json={"name": "Da chefe"}, headers=boss), 201)
