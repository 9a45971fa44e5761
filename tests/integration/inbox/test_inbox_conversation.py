"""One conversation in the inbox: authors, notes, turns, media, live fragments, actions
offered by role, and 404s for what is not the organization's."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from apikit import Client, department, message, ok, tabulation, user, world
from inboxkit import INBOX, fragment, sign_in
from support.orgs import Org
from support.webhooks import Db

from app.config import Settings


def _bubble(html: str, message_id: str) -> str:
    at = html.index(f'id="m-{message_id}"')
    return html[html.rindex("<article", 0, at) :].split("</article>")[0]


def _ids(html: str, prefix: str) -> list[str]:
    return re.findall(rf'id="{prefix}-([0-9a-f-]{{36}})"', html)


async def test_the_pane_shows_who_wrote_each_message(
    client: Client, settings: Settings, org: Org
) -> None:
    w = await world(client, settings, org)
    await message(client, org, w.session_id, "Oi, tem bolo?")
    await sign_in(client, org.email)
    body = {"sessionId": w.session_id, "type": "TEXT", "author": "AGENT",
            "content": {"text": "Temos sim!"}, "sendExternalMessage": False}  # fmt: skip
    agent = await ok(await client.post("/api/v1/messages", json=body, headers=INBOX), 201)
    await message(client, org, w.session_id, "Aviso", author="SYSTEM", sendExternalMessage=False)
    await message(client, org, w.session_id, "Pelo celular", author="BUSINESS",
                  sendExternalMessage=False)  # fmt: skip
    html = await fragment(client, f"/inbox/s/{w.session_id}/pane")
    assert "msg--customer" in html and "Oi, tem bolo?" in html
    agent_bubble = _bubble(html, agent["id"])
    assert "msg--agent" in agent_bubble and "Atendente · admin" in agent_bubble
    assert '<span class="tick tick--sent"' in agent_bubble
    assert 'class="item sys"' in html and "Aviso" in html
    assert "msg--business" in html and "Celular da empresa" in html
    assert 'id="composer"' in html  # an admin may act


async def test_notes_are_internal_and_sit_in_the_timeline(
    client: Client, settings: Settings, org: Org
) -> None:
    w = await world(client, settings, org)
    await message(client, org, w.session_id, "Quero trocar")
    await sign_in(client, org.email)
    created = await client.post(
        f"/api/v1/sessions/{w.session_id}/notes", json={"text": "Cliente VIP"}, headers=INBOX
    )
    note = await ok(created, 201)
    html = await fragment(client, f"/inbox/s/{w.session_id}/pane")
    assert f'id="n-{note["id"]}"' in html and "Nota interna" in html and "Cliente VIP" in html
    history = await ok(
        await client.get(f"/api/v1/sessions/{w.session_id}/messages", headers=org.headers)
    )
    assert [m["content"]["text"] for m in history["data"]] == ["Quero trocar"]


async def test_the_timeline_since_a_moment_brings_only_what_is_new(
    client: Client, settings: Settings, org: Org
) -> None:
    w = await world(client, settings, org)
    old = await message(client, org, w.session_id, "primeira")
    await sign_in(client, org.email)
    pane = await fragment(client, f"/inbox/s/{w.session_id}/pane")
    newest = re.findall(r'data-at="([^"]+)"', pane)[-1]
    new = await message(client, org, w.session_id, "segunda")
    html = await fragment(client, f"/inbox/s/{w.session_id}/timeline?since={quote(newest)}")
    # "since" is inclusive (the page skips what it has by id), never older items.
    assert _ids(html, "m") in ([old["id"], new["id"]], [new["id"]])
    assert new["id"] in _ids(html, "m")
    assert 'class="day"' not in html


async def test_a_merged_turn_shows_what_the_ai_read(
    client: Client, settings: Settings, org: Org
) -> None:
    w = await world(client, settings, org)
    first = await message(client, org, w.session_id, "oi")
    second = await message(client, org, w.session_id, "tudo bem?")
    assert settings.database_url
    now = datetime.now(UTC)
    await Db(settings.database_url).fetch(
        """INSERT INTO turn (organization_id, session_id, burst_key, status, message_ids,
               merged_text, first_message_at, last_message_at, deadline_at, fired_at, lateness_ms)
           VALUES ($1, $2, $3, 'SKIPPED', $4, $5, $6, $6, $6, $6, 3)""",
        uuid.UUID(org.id),
        uuid.UUID(w.session_id),
        first["id"],
        [uuid.UUID(first["id"]), uuid.UUID(second["id"])],
        "oi\ntudo bem?",
        now,
    )
    await sign_in(client, org.email)
    html = await fragment(client, f"/inbox/s/{w.session_id}/pane")
    assert "Turno da IA" in html and "2 mensagens agrupadas" in html
    assert "oi\ntudo bem?" in html


async def test_audio_shows_a_player_and_its_transcript(
    client: Client, settings: Settings, org: Org
) -> None:
    w = await world(client, settings, org)
    assert settings.database_url
    db = Db(settings.database_url)
    mid = await db.val(
        """INSERT INTO message (organization_id, session_id, contact_id, connection_id, direction,
               author, type, content, status, transcription)
           VALUES ($1, $2, $3, $4, 'IN', 'CUSTOMER', 'RECORDING', $5::jsonb, 'DELIVERED', $6)
           RETURNING id""",
        uuid.UUID(org.id),
        uuid.UUID(w.session_id),
        uuid.UUID(w.contact["id"]),
        uuid.UUID(w.connection["id"]),
        '{"text": null, "media": {"url": "/api/v1/media/k.ogg", "type": "audio", "duration": 7}}',
        "Quero dois bolos de cenoura",
    )
    failed = await message(
        client, org, w.session_id, "não foi", author="AGENT", sendExternalMessage=False,
        status="FAILED",
    )  # fmt: skip
    await db.fetch("UPDATE message SET error = 'HTTP 500: provider down' WHERE id = $1",
                   uuid.UUID(failed["id"]))  # fmt: skip
    await sign_in(client, org.email)
    bubble = await fragment(client, f"/inbox/m/{mid}")
    assert '<audio class="msg__audio" controls preload="none" src="/api/v1/media/k.ogg">' in bubble
    assert "Transcrição" in bubble and "Quero dois bolos de cenoura" in bubble and "0:07" in bubble
    failed_bubble = await fragment(client, f"/inbox/m/{failed['id']}")
    assert "tick--failed" in failed_bubble and "HTTP 500: provider down" in failed_bubble


async def test_a_blocked_ai_shows_its_countdown_and_the_unblock_button(
    client: Client, settings: Settings, org: Org
) -> None:
    w = await world(client, settings, org)
    await sign_in(client, org.email)
    before = await fragment(client, f"/inbox/s/{w.session_id}/header")
    assert 'data-action="block-ai" data-minutes="15"' in before
    await ok(
        await client.post(
            f"/api/v1/sessions/{w.session_id}/block-ai", json={"durationMinutes": 30}, headers=INBOX
        )
    )
    header = await fragment(client, f"/inbox/s/{w.session_id}/header")
    until = re.search(r'data-countdown="([^"]+)"', header)
    assert until is not None
    left = datetime.fromisoformat(until.group(1)) - datetime.now(UTC)
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)
    assert 'data-action="unblock-ai"' in header and "IA bloqueada" in header


async def test_an_agent_of_another_department_reads_but_cannot_act(
    client: Client, settings: Settings, org: Org
) -> None:
    w = await world(client, settings, org)
    sales = await department(client, org, "Vendas")
    support = await department(client, org, "Suporte")
    await ok(
        await client.post(
            f"/api/v1/sessions/{w.session_id}/assign",
            json={"departmentId": support["id"], "autoAssign": False},
            headers=org.headers,
        )
    )
    await user(client, org, "AGENT", "ana@padaria.example", [sales["id"]])
    await sign_in(client, "ana@padaria.example")
    html = await fragment(client, f"/inbox/s/{w.session_id}/pane")
    assert 'id="composer"' not in html and "não agir nela" in html
    assert 'data-action="close"' not in html


async def test_a_viewer_gets_no_composer_and_cannot_write(
    client: Client, settings: Settings, org: Org
) -> None:
    w = await world(client, settings, org)
    await user(client, org, "VIEWER", "vera@padaria.example")
    await sign_in(client, "vera@padaria.example")
    html = await fragment(client, f"/inbox/s/{w.session_id}/pane")
    assert 'id="composer"' not in html
    body = {"sessionId": w.session_id, "type": "TEXT", "author": "AGENT", "content": {"text": "x"}}
    refused = await client.post("/api/v1/messages", json=body, headers=INBOX)
    assert refused.status_code == 403


async def test_a_closed_session_offers_a_new_conversation(
    client: Client, settings: Settings, org: Org
) -> None:
    w = await world(client, settings, org)
    tab = await tabulation(client, org, "Resolvido", backgroundColor="#22c55e")
    await sign_in(client, org.email)
    closed = await client.post(
        f"/api/v1/sessions/{w.session_id}/close",
        json={"endReason": "dúvida resolvida", "tabulationIds": [tab["id"]]},
        headers=INBOX,
    )
    await ok(closed)
    html = await fragment(client, f"/inbox/s/{w.session_id}/pane")
    assert 'data-action="new-session"' in html and "dúvida resolvida" in html
    assert "--tag: #22c55e" in html and 'id="composer"' not in html
    started = await ok(
        await client.post(
            "/api/v1/sessions",
            json={"contactId": w.contact["id"], "connectionId": w.connection["id"]},
            headers=INBOX,
        ),
        201,
    )
    assert (started["status"], started["startedBy"], started["assignedAgentId"]) == (
        "ACTIVE", "AGENT", org.admin_id
    )  # fmt: skip
    contact_panel = await fragment(client, f"/inbox/s/{started['id']}/contact")
    assert contact_panel.count('class="history__item') == 2


async def test_quick_replies_are_filled_for_the_session(
    client: Client, settings: Settings, org: Org
) -> None:
    w = await world(client, settings, org)
    sales = await department(client, org, "Vendas")
    for body in (
        {"shortcut": "oi", "content": "Olá, {contact.firstName}! Aqui é {agent.firstName}."},
        {"shortcut": "vendas", "content": "Vendas: {department.name}", "departmentId": sales["id"]},
        {"shortcut": "pix", "content": "Chave Pix de {organization.name}: {pix.key}"},
    ):
        await ok(await client.post("/api/v1/quick-replies", json=body, headers=org.headers), 201)
    await user(client, org, "AGENT", "ana.lima@padaria.example")
    await sign_in(client, "ana.lima@padaria.example")
    replies = await ok(await client.get(f"/inbox/s/{w.session_id}/quick-replies", headers=INBOX))
    # An agent outside Vendas gets the organization-wide replies only.
    assert replies == [
        {"shortcut": "oi", "text": "Olá, Maria! Aqui é ana.lima."},
        {"shortcut": "pix", "text": "Chave Pix de Padaria Centro: {pix.key}"},
    ]


async def test_what_is_not_the_organizations_is_not_found(
    client: Client, settings: Settings, org: Org, other_org: Org
) -> None:
    theirs = await world(client, settings, other_org)
    msg = await message(client, other_org, theirs.session_id, "segredo")
    await sign_in(client, org.email)
    for path in (
        f"/inbox/s/{theirs.session_id}/pane",
        f"/inbox/s/{theirs.session_id}/header",
        f"/inbox/s/{theirs.session_id}/contact",
        f"/inbox/s/{theirs.session_id}/timeline",
        f"/inbox/s/{theirs.session_id}/quick-replies",
        f"/inbox/m/{msg['id']}",
    ):
        response = await client.get(path, headers=INBOX)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    page = await client.get(f"/inbox/s/{theirs.session_id}")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "segredo" not in page.text


async def test_a_campaign_message_says_which_campaign_it_came_from(
    client: Client, settings: Settings, org: Org
) -> None:
    w = await world(client, settings, org)
    sent = await message(client, org, w.session_id, "Promoção de bolos!", author="BUSINESS",
                         sendExternalMessage=False)  # fmt: skip
    db = Db(settings.database_url or "")
    campaign = await db.val(
        "INSERT INTO campaign (organization_id, name) VALUES ($1, 'Dia das Mães') RETURNING id",
        uuid.UUID(org.id),
    )
    await db.fetch(
        "UPDATE message SET campaign_id = $1 WHERE id = $2", campaign, uuid.UUID(sent["id"])
    )
    await message(client, org, w.session_id, "Quero dois!")
    await sign_in(client, org.email)
    html = await fragment(client, f"/inbox/s/{w.session_id}/pane")
    assert "Da campanha: Dia das Mães" in _bubble(html, sent["id"])
    assert html.count("badge--campaign") == 1
