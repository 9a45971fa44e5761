"""Endpoints the inbox relies on, public for any client: internal notes, quick replies,
starting a session from the business side, and stored media."""

from __future__ import annotations

from pathlib import Path

from apikit import Client, contact, department, message, ok, user, world
from support.orgs import Org

from app.config import Settings


async def test_a_note_is_kept_for_the_team_only(
    client: Client, settings: Settings, org: Org
) -> None:
    w = await world(client, settings, org)
    note = await ok(
        await client.post(
            f"/api/v1/sessions/{w.session_id}/notes",
            json={"text": "  Pediu desconto, ver com gerente  "},
            headers=org.headers,
        ),
        201,
    )
    assert note["text"] == "Pediu desconto, ver com gerente"
    assert note["sessionId"] == w.session_id and note["authorUserId"] is None
    listed = await ok(
        await client.get(f"/api/v1/sessions/{w.session_id}/notes", headers=org.headers)
    )
    assert [n["id"] for n in listed] == [note["id"]]
    messages = await ok(
        await client.get(f"/api/v1/messages?sessionId={w.session_id}", headers=org.headers)
    )
    assert messages["data"] == []


async def test_a_blank_note_names_the_field(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    response = await client.post(
        f"/api/v1/sessions/{w.session_id}/notes", json={"text": "   "}, headers=org.headers
    )
    assert response.status_code == 422
    assert response.json()["extra"]["field"] == "text"


async def test_a_viewer_cannot_write_notes(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    _, viewer = await user(client, org, "VIEWER", "vera@padaria.example")
    response = await client.post(
        f"/api/v1/sessions/{w.session_id}/notes", json={"text": "oi"}, headers=viewer
    )
    assert response.status_code == 403


async def test_quick_replies_are_managed_by_supervisors(client: Client, org: Org) -> None:
    sales = await department(client, org, "Vendas")
    _, supervisor = await user(client, org, "SUPERVISOR", "sara@padaria.example", [sales["id"]])
    _, agent = await user(client, org, "AGENT", "ana@padaria.example", [sales["id"]])
    body = {"shortcut": "frete", "content": "O frete é grátis!", "departmentId": sales["id"]}
    created = await ok(
        await client.post("/api/v1/quick-replies", json=body, headers=supervisor), 201
    )
    assert created["shortcut"] == "frete" and created["departmentId"] == sales["id"]
    # Organization-wide replies are the administrators'; agents only read.
    org_wide = await client.post(
        "/api/v1/quick-replies", json={"shortcut": "oi", "content": "Olá"}, headers=supervisor
    )
    assert org_wide.status_code == 403
    assert (await client.post("/api/v1/quick-replies", json=body, headers=agent)).status_code == 403
    listed = await ok(await client.get("/api/v1/quick-replies", headers=agent))
    assert [r["shortcut"] for r in listed["data"]] == ["frete"]
    taken = await client.post("/api/v1/quick-replies", json=body, headers=org.headers)
    assert (taken.status_code, taken.json()["code"]) == (409, "shortcut_taken")
    new_text = {"content": "Frete grátis acima de R$ 50"}
    changed = await ok(
        await client.patch(
            f"/api/v1/quick-replies/{created['id']}", json=new_text, headers=supervisor
        )
    )
    assert changed["content"] == "Frete grátis acima de R$ 50"
    gone = await client.delete(f"/api/v1/quick-replies/{created['id']}", headers=supervisor)
    assert gone.status_code == 204


async def test_a_quick_reply_shortcut_is_validated(client: Client, org: Org) -> None:
    response = await client.post(
        "/api/v1/quick-replies",
        json={"shortcut": "Com Espaço", "content": "x"},
        headers=org.headers,
    )
    assert response.status_code == 422
    assert response.json()["extra"]["field"] == "shortcut"


async def test_the_business_starts_a_session_once(
    client: Client, settings: Settings, org: Org
) -> None:
    w = await world(client, settings, org)
    await ok(await client.post(f"/api/v1/sessions/{w.session_id}/close", headers=org.headers))
    body = {"contactId": w.contact["id"], "connectionId": w.connection["id"]}
    started = await ok(await client.post("/api/v1/sessions", json=body, headers=org.headers), 201)
    assert (started["status"], started["startedBy"], started["assignedAgentId"]) == (
        "ACTIVE", "BUSINESS", None
    )  # fmt: skip
    again = await client.post("/api/v1/sessions", json=body, headers=org.headers)
    assert again.status_code == 409
    assert again.json()["code"] == "session_open"
    assert again.json()["extra"]["sessionId"] == started["id"]
    sent = await message(client, org, started["id"], "Seu pedido saiu!", author="BUSINESS",
                         sendExternalMessage=False)  # fmt: skip
    assert sent["sessionId"] == started["id"]


async def test_starting_a_session_checks_the_ids(
    client: Client, settings: Settings, org: Org, other_org: Org
) -> None:
    w = await world(client, settings, org)
    theirs = await contact(client, other_org)
    for body, field in (
        ({"contactId": theirs["id"], "connectionId": w.connection["id"]}, "contactId"),
        ({"contactId": w.contact["id"], "connectionId": theirs["id"]}, "connectionId"),
    ):
        response = await client.post("/api/v1/sessions", json=body, headers=org.headers)
        assert response.status_code == 422, body
        assert response.json()["extra"]["field"] == field


async def test_stored_media_is_served_to_its_organization_only(
    client: Client, settings: Settings, org: Org, other_org: Org
) -> None:
    folder = Path(settings.media_dir) / org.id / "2026" / "12"
    folder.mkdir(parents=True)
    (folder / ("a" * 32 + ".ogg")).write_bytes(b"OggS fake audio")
    (folder / ("b" * 32 + ".html")).write_bytes(b"<script>alert(1)</script>")
    key = f"{org.id}/2026/12/{'a' * 32}.ogg"
    served = await client.get(f"/api/v1/media/{key}", headers=org.headers)
    assert served.status_code == 200 and served.content == b"OggS fake audio"
    assert served.headers["content-type"] == "audio/ogg"
    page = await client.get(f"/api/v1/media/{org.id}/2026/12/{'b' * 32}.html", headers=org.headers)
    assert page.headers["content-type"] == "application/octet-stream"
    assert page.headers["content-disposition"].startswith("attachment")
    for path, headers in (
        (f"/api/v1/media/{key}", other_org.headers),
        (f"/api/v1/media/{org.id}/2026/12/..%2F..%2F..%2Fsecret_key", org.headers),
        (f"/api/v1/media/{org.id}/2026/12/{'c' * 32}.ogg", org.headers),
        (f"/api/v1/media/{org.id}/etc/passwd", org.headers),
    ):
        response = await client.get(path, headers=headers)
        assert response.status_code == 404, path
