"""The team chat page and its traces on the other inbox pages, as served: who may open
/inbox/team, the header's badge and the conversation's share button (the behaviour is
in tests/browser/inbox/test_team_chat_browser.py)."""

from __future__ import annotations

from apikit import Client, connection, contact, session
from inboxkit import sign_in
from support.orgs import Org
from teamkit import team

from app.config import Settings


async def test_agents_open_the_team_page_and_viewers_do_not(client: Client, org: Org) -> None:
    t = await team(client, org)
    await sign_in(client, t.agent.email)
    page = await client.get("/inbox/team")
    assert page.status_code == 200, page.text
    assert 'id="tchat"' in page.text and "/inbox/static/team.js" in page.text
    assert 'href="/inbox/team"' in page.text and "data-team-unread" in page.text

    client.cookies.clear()
    await sign_in(client, t.viewer.email)
    refused = await client.get("/inbox/team")
    assert refused.status_code == 403
    inbox = await client.get("/inbox")
    assert 'href="/inbox/team"' not in inbox.text and "team_nav.js" not in inbox.text


async def test_the_conversation_offers_sharing_with_the_team(
    client: Client, settings: Settings, org: Org
) -> None:
    t = await team(client, org)
    conn = await connection(client, org)
    maria = await contact(client, org)
    sid = await session(settings, org, maria["id"], conn["id"], department_id=t.suporte)
    await sign_in(client, t.agent.email)
    pane = await client.get(f"/inbox/s/{sid}")
    assert pane.status_code == 200
    assert "data-team-share" in pane.text and 'id="team-share-dialog"' in pane.text
    assert "Compartilhar na equipe" in pane.text
