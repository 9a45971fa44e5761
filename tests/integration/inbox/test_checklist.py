"""The administrator's checklist on the inbox (add a number → scan → set up AI → invite
the team), each step ticked from the organization's real state; agents and supervisors
of the same organization see the ordinary empty inbox."""

from __future__ import annotations

import re

from apikit import Client, connection, contact, ok, session, user
from inboxkit import sign_in
from support.orgs import Org
from support.webhooks import Db

from app.config import Settings

AI = {
    "provider": "CUSTOM",
    "baseUrl": "http://127.0.0.1:9/v1",
    "chatModel": "modelo",
    "apiKey": "k",
}


def steps(page: str) -> dict[str, bool]:
    """The checklist's steps and whether each is ticked, in order; {} when none."""
    found = re.findall(r'data-step="(\w+)" data-done="(true|false)"', page)
    return {slug: done == "true" for slug, done in found}


async def gone(client: Client, org: Org, connection_id: str) -> None:
    deleted = await client.delete(f"/api/v1/connections/{connection_id}", headers=org.headers)
    assert deleted.status_code == 204, deleted.text


async def inbox(client: Client) -> str:
    response = await client.get("/inbox")
    assert response.status_code == 200, response.text
    return response.text


async def test_an_admin_of_an_organization_without_a_number_lands_on_the_checklist(
    client: Client, org: Org
) -> None:
    await sign_in(client, org.email)
    page = await inbox(client)
    assert 'id="checklist"' in page and 'id="pane-empty"' not in page
    assert list(steps(page)) == ["connection", "scan", "ai", "team"]
    assert not any(steps(page).values())
    assert "0 de 4 concluídos" in page
    for href in ("/inbox/settings/connections", "/inbox/settings/ai", "/inbox/settings/team"):
        assert f'href="{href}"' in page
    # The queue and the live stream are still there; with no number, a phone shows the
    # checklist in the (empty) queue's place.
    assert 'id="queue"' in page and 'id="live"' in page
    assert "has-checklist" in page


async def test_each_step_is_ticked_from_the_real_state(
    client: Client, settings: Settings, org: Org
) -> None:
    await sign_in(client, org.email)
    conn = await connection(client, org)
    page = await inbox(client)
    assert steps(page) == {
        "connection": True, "scan": False, "ai": False, "team": False,
    }  # fmt: skip
    assert 'aria-current="step"' in page and "has-checklist" not in page

    assert settings.database_url
    db = Db(settings.database_url)
    await db.fetch("UPDATE connection SET status = 'CONNECTED' WHERE id = $1", conn["id"])
    assert steps(await inbox(client))["scan"] is True

    await ok(await client.put("/api/v1/ai/settings", json=AI, headers=org.headers))
    assert steps(await inbox(client))["ai"] is True

    await user(client, org, "AGENT", "ana@padaria.example")
    # Everything done: the ordinary inbox.
    page = await inbox(client)
    assert steps(page) == {} and 'id="pane-empty"' in page


async def test_a_deleted_number_does_not_count(client: Client, org: Org) -> None:
    await sign_in(client, org.email)
    conn = await connection(client, org)
    await gone(client, org, conn["id"])
    assert steps(await inbox(client))["connection"] is False


async def test_the_first_conversation_ends_the_checklist_once_there_is_a_number(
    client: Client, settings: Settings, org: Org
) -> None:
    await sign_in(client, org.email)
    conn = await connection(client, org)
    assert steps(await inbox(client))["connection"] is True
    person = await contact(client, org)
    await session(settings, org, person["id"], conn["id"])
    page = await inbox(client)
    assert steps(page) == {} and 'id="pane-empty"' in page


async def test_agents_and_supervisors_see_the_ordinary_empty_inbox(
    client: Client, org: Org
) -> None:
    await user(client, org, "AGENT", "ana@padaria.example")
    await user(client, org, "SUPERVISOR", "sara@padaria.example")
    for email in ("ana@padaria.example", "sara@padaria.example"):
        client.cookies.clear()
        await sign_in(client, email)
        page = await inbox(client)
        assert steps(page) == {} and 'id="checklist"' not in page, email
        assert 'id="pane-empty"' in page, email


async def test_the_checklist_speaks_english(client: Client, org: Org) -> None:
    await sign_in(client, org.email)
    client.cookies.set("balcao_lang", "en")
    page = await inbox(client)
    assert "Add a number" in page and "0 of 4 done" in page


async def test_an_open_conversation_shows_the_conversation_not_the_checklist(
    client: Client, settings: Settings, org: Org
) -> None:
    conn = await connection(client, org)
    person = await contact(client, org)
    sid = await session(settings, org, person["id"], conn["id"])
    await gone(client, org, conn["id"])
    await sign_in(client, org.email)
    # No number left, so /inbox shows the checklist; the conversation's page shows it.
    assert steps(await inbox(client))["connection"] is False
    page = await client.get(f"/inbox/s/{sid}")
    assert page.status_code == 200 and 'id="checklist"' not in page.text
