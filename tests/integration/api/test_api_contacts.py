"""Contacts and tabulations through HTTP: CRUD, phones, search, links, LGPD."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from apikit import Client, contact, message, ok, tabulation, world
from support.orgs import Org

from app.config import Settings
from app.db import models as m
from app.db.engine import make_engine, make_sessionmaker


async def test_contact_crud_and_phone_forms(client: Client, org: Org) -> None:
    created = await contact(
        client, org, phoneNumber="+55 (11) 98765-4321", name="Maria",
        email="maria@example.com", externalId="crm-9", bypassBots=True,
    )  # fmt: skip
    assert created["phoneNumber"] == "5511987654321"
    assert created["source"] == "API"
    assert created["ContactTabulation"] == []
    assert created["organizationId"] == org.id
    for form in ("5511987654321", "+55 11 98765-4321", "(11) 98765-4321", "551187654321"):
        found = await ok(await client.get(f"/api/v1/contacts/by-phone/{form}", headers=org.headers))
        assert found["id"] == created["id"], form
    bad = await client.get("/api/v1/contacts/by-phone/12", headers=org.headers)
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_phone")
    absent = await client.get("/api/v1/contacts/by-phone/5511912345678", headers=org.headers)
    assert absent.status_code == 404
    dup = await client.post(
        "/api/v1/contacts", json={"phoneNumber": "11987654321"}, headers=org.headers
    )
    assert (dup.status_code, dup.json()["code"]) == (409, "phone_taken")
    assert dup.json()["extra"]["contactId"] == created["id"]
    path = f"/api/v1/contacts/{created['id']}"
    patched = await ok(
        await client.patch(path, json={"name": "Maria S.", "email": None}, headers=org.headers)
    )
    assert (patched["name"], patched["email"], patched["externalId"]) == ("Maria S.", None, "crm-9")
    for body, field in [
        ({"phoneNumber": "abc"}, "phoneNumber"),
        ({"email": "nope"}, "email"),
        ({"name": ""}, "name"),
        ({"bypassBots": "sim"}, "bypassBots"),
    ]:
        response = await client.patch(path, json=body, headers=org.headers)
        assert response.status_code == 422, body
        assert response.json()["extra"]["field"] == field
    invalid = await client.post(
        "/api/v1/contacts", json={"phoneNumber": "123"}, headers=org.headers
    )
    assert (invalid.status_code, invalid.json()["extra"]["field"]) == (422, "phoneNumber")


async def test_search_and_tabulation_filter(client: Client, org: Org) -> None:
    ana = await contact(client, org, name="Ana Souza", email="ANA@loja.example")
    bia = await contact(client, org, name="Beatriz", phoneNumber="5521998877665")
    vip = await tabulation(client, org, "VIP")
    await ok(
        await client.post(
            f"/api/v1/contacts/{bia['id']}/tabulations",
            json={"tabulationIds": [vip["id"]]},
            headers=org.headers,
        )
    )

    async def names(query: str) -> list[str]:
        body = await ok(await client.get(f"/api/v1/contacts?{query}", headers=org.headers))
        return sorted(c["name"] for c in body["data"])

    assert await names("") == ["Ana Souza", "Beatriz"]
    assert await names("search=souza") == ["Ana Souza"]
    assert await names("search=ana@LOJA") == ["Ana Souza"]
    assert await names("search=98877") == ["Beatriz"]
    assert await names("search=%2B55 (21) 99887-7665") == ["Beatriz"]
    assert await names("search=Ana%25") == []  # % is literal, not a wildcard
    assert await names(f"tabulationId={vip['id']}") == ["Beatriz"]
    assert ana["id"] != bia["id"]
    removed = await ok(
        await client.request(
            "DELETE",
            f"/api/v1/contacts/{bia['id']}/tabulations",
            json={"tabulationIds": [vip["id"]]},
            headers=org.headers,
        )
    )
    assert removed["ContactTabulation"] == []
    unknown = await client.post(
        f"/api/v1/contacts/{bia['id']}/tabulations",
        json={"tabulationIds": [str(uuid.uuid4())]},
        headers=org.headers,
    )
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_tabulation")


async def test_tabulation_crud_and_delete_in_use(
    client: Client, settings: Settings, org: Org
) -> None:
    dept = await ok(
        await client.post("/api/v1/departments", json={"name": "Vendas"}, headers=org.headers), 201
    )
    tab = await tabulation(
        client, org, "Venda", description="fechou", backgroundColor="#0f0",
        autoTabulation=True, departmentId=dept["id"],
    )  # fmt: skip
    assert tab["departmentId"] == dept["id"] and tab["autoTabulation"] is True
    path = f"/api/v1/tabulations/{tab['id']}"
    assert (await ok(await client.get(path, headers=org.headers)))["name"] == "Venda"
    patched = await ok(
        await client.patch(
            path, json={"name": "Vendido", "departmentId": None}, headers=org.headers
        )
    )
    assert (patched["name"], patched["departmentId"]) == ("Vendido", None)
    dup = await client.post("/api/v1/tabulations", json={"name": "vendido"}, headers=org.headers)
    assert (dup.status_code, dup.json()["code"]) == (409, "name_taken")
    bad_dept = await client.post(
        "/api/v1/tabulations", json={"name": "X", "departmentId": str(uuid.uuid4())},
        headers=org.headers,
    )  # fmt: skip
    assert bad_dept.json()["extra"]["field"] == "departmentId"
    other = await tabulation(client, org, "Outra", departmentId=dept["id"])
    listed = await ok(await client.get("/api/v1/tabulations", headers=org.headers))
    assert [t["name"] for t in listed["data"]] == ["Outra", "Vendido"]
    by_dept = await ok(
        await client.get(f"/api/v1/tabulations?departmentId={dept['id']}", headers=org.headers)
    )
    assert [t["id"] for t in by_dept["data"]] == [other["id"]]

    # In use on a contact and a session: deleting detaches it, both stay.
    w = await world(client, settings, org)
    link = {"tabulationIds": [tab["id"]]}
    await ok(
        await client.post(
            f"/api/v1/contacts/{w.contact['id']}/tabulations", json=link, headers=org.headers
        )
    )
    await ok(
        await client.post(f"/api/v1/sessions/{w.session_id}/tags", json=link, headers=org.headers)
    )
    assert (await client.delete(path, headers=org.headers)).status_code == 204
    assert (await client.get(path, headers=org.headers)).status_code == 404
    person = await ok(await client.get(f"/api/v1/contacts/{w.contact['id']}", headers=org.headers))
    assert person["ContactTabulation"] == []
    sess = await ok(await client.get(f"/api/v1/sessions/{w.session_id}", headers=org.headers))
    assert sess["tabulations"] == []


async def test_export_and_erase(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    vip = await tabulation(client, org, "VIP")
    await ok(
        await client.post(
            f"/api/v1/contacts/{w.contact['id']}/tabulations",
            json={"tabulationIds": [vip["id"]]},
            headers=org.headers,
        )
    )
    await message(client, org, w.session_id, "meu CPF é 123")
    media = {"url": "https://cdn.example/f.jpg", "type": "image", "name": "f.jpg"}
    await message(client, org, w.session_id, type="MEDIA", content={"text": "foto", "media": media})
    path = f"/api/v1/contacts/{w.contact['id']}"
    exported = await ok(await client.get(f"{path}/export", headers=org.headers))
    assert exported["contact"]["phoneNumber"] == w.contact["phoneNumber"]
    assert exported["contact"]["ContactTabulation"][0]["tabulation"]["name"] == "VIP"
    assert [s["id"] for s in exported["sessions"]] == [w.session_id]
    assert [x["content"].get("text") for x in exported["messages"]] == ["meu CPF é 123", "foto"]
    assert exported["messages"][1]["content"]["media"]["url"] == media["url"]
    assert exported["messages"][1]["mediaStored"] is False

    assert (await client.delete(path, headers=org.headers)).status_code == 204
    erased = await ok(await client.get(path, headers=org.headers))
    assert erased["name"] is None and erased["email"] is None and erased["externalId"] is None
    assert erased["phoneNumber"].startswith("erased-")
    assert erased["erasedAt"] is not None
    history = await ok(
        await client.get(f"/api/v1/sessions/by-contact/{w.contact['id']}", headers=org.headers)
    )
    assert [x["content"] for x in history["allMessages"]] == [{}, {}]
    assert history["pagination"]["total_data"] == 2  # the rows stay for statistics
    by_phone = await client.get(
        f"/api/v1/contacts/by-phone/{w.contact['phoneNumber']}", headers=org.headers
    )
    assert by_phone.status_code == 404
    refused = await client.patch(path, json={"name": "x"}, headers=org.headers)
    assert (refused.status_code, refused.json()["code"]) == (409, "contact_erased")
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=1)
    async with make_sessionmaker(engine)() as db:
        audit = (await db.execute(sa.select(m.AuditLog.action, m.AuditLog.target_id))).all()
    await engine.dispose()
    assert [tuple(a) for a in audit] == [("contact.erased", w.contact["id"])]
