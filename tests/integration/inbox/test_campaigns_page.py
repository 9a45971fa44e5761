"""The campaigns page (/inbox/campaigns, API.md "Web app pages" (S)): administrators and
supervisors open the list, the form and a campaign's page; agents and viewers get the
403 page; an unknown or malformed id is the 404 page, never a 500; the words reach the
page script in the chosen language."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from apikit import Client, ok, user
from inboxkit import sign_in
from support.orgs import Org

PAGE = "/inbox/campaigns"


async def _campaign(client: Client, org: Org) -> str:
    body = {"name": "Natal", "messages": [{"text": "Oi {{nome|cliente}}"}]}
    made = await ok(await client.post("/api/v1/campaigns", json=body, headers=org.headers), 201)
    return str(made["id"])


@pytest.mark.parametrize(
    ("role", "status"), [("ADMIN", 200), ("SUPERVISOR", 200), ("AGENT", 403), ("VIEWER", 403)]
)
async def test_managers_open_the_campaign_pages_others_get_403(
    client: Client, org: Org, role: str, status: int
) -> None:
    campaign_id = await _campaign(client, org)
    if role == "ADMIN":
        await sign_in(client, org.email)
    else:
        email = f"{role.lower()}@padaria.example"
        await user(client, org, role, email)
        await sign_in(client, email)
    for path in (PAGE, f"{PAGE}/new", f"{PAGE}/{campaign_id}", f"{PAGE}/{campaign_id}/edit"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == status, (path, response.text[:200])
        assert response.headers["content-type"].startswith("text/html")
        if status == 403:
            assert "Acesso negado" in response.text
    home = await client.get("/inbox", follow_redirects=False)
    assert ('href="/inbox/campaigns"' in home.text) == (status == 200)


async def test_unknown_ids_are_the_404_page_and_the_words_follow_the_language(
    client: Client, org: Org
) -> None:
    campaign_id = await _campaign(client, org)
    await sign_in(client, org.email)
    for path in (f"{PAGE}/{uuid.uuid4()}", f"{PAGE}/{uuid.uuid4()}/edit", f"{PAGE}/nope"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 404, path
    page = await client.get(f"{PAGE}/{campaign_id}")
    boot = json.loads(re.search(r'id="boot">(.*?)</script>', page.text, re.S).group(1))  # type: ignore[union-attr]
    assert boot["view"] == "detail" and boot["campaignId"] == campaign_id
    assert boot["camp"]["st.PAUSED"] == "Pausada" and "Natal" in page.text
    client.cookies.set("balcao_lang", "en")
    english = await client.get(PAGE)
    assert ">Campaigns<" in english.text and '"st.PAUSED": "Paused"' in english.text
