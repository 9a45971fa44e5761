"""Team chat through the API: who belongs to which channel, direct channels found once,
unread counts and read marks, a shared conversation's link only for those who may open
it, tenancy, bad input — and nothing of it ever reaches a provider."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from apikit import Client, connection, contact, ok, session
from support.orgs import Org
from teamkit import TEAM, channels, department_channel, say, team, unread

from app.config import Settings
from app.db import models as m
from app.db.engine import make_engine, make_sessionmaker


async def test_department_channels_follow_membership(client: Client, org: Org) -> None:
    t = await team(client, org)
    mine = await channels(client, t.agent)
    assert [(c["kind"], c["name"]) for c in mine["data"]] == [("DEPARTMENT", "Suporte")]
    everyone = await channels(client, t.supervisor)
    assert [c["name"] for c in everyone["data"]] == ["Suporte", "Vendas"]
    assert [c["name"] for c in (await channels(client, t.admin))["data"]] == ["Suporte", "Vendas"]

    vendas = await department_channel(client, t.supervisor, t.vendas)
    for path in (f"{TEAM}/channels/{vendas}/messages", f"{TEAM}/channels/{vendas}"):
        refused = await client.get(path, headers=t.agent.headers)
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "team_channel_forbidden"
    posted = await client.post(
        f"{TEAM}/channels/{vendas}/messages", json={"text": "oi"}, headers=t.agent.headers
    )
    assert posted.status_code == 403
    # The listing again finds the same channels (created once, on first use).
    again = await channels(client, t.supervisor)
    assert [c["id"] for c in again["data"]] == [c["id"] for c in everyone["data"]]


async def test_a_direct_channel_is_one_per_pair(client: Client, org: Org) -> None:
    t = await team(client, org)
    first = await ok(
        await client.post(
            f"{TEAM}/direct", json={"userId": t.supervisor.id}, headers=t.agent.headers
        )
    )
    again = await ok(
        await client.post(
            f"{TEAM}/direct", json={"userId": t.supervisor.id}, headers=t.agent.headers
        )
    )
    back = await ok(
        await client.post(
            f"{TEAM}/direct", json={"userId": t.agent.id}, headers=t.supervisor.headers
        )
    )
    assert first["id"] == again["id"] == back["id"]
    assert first["kind"] == "DIRECT" and first["departmentId"] is None
    assert first["otherUser"] == {
        "id": t.supervisor.id,
        "name": t.supervisor.name,
        "role": "SUPERVISOR",
    }
    assert back["otherUser"]["id"] == t.agent.id
    listed = await channels(client, t.agent)
    assert [c["kind"] for c in listed["data"]] == ["DEPARTMENT", "DIRECT"]

    # Someone else's direct channel does not exist for a third person, even an admin.
    for outsider in (t.other_agent, t.admin):
        response = await client.get(
            f"{TEAM}/channels/{first['id']}/messages", headers=outsider.headers
        )
        assert response.status_code == 404, response.text
    assert [c["kind"] for c in (await channels(client, t.admin))["data"]] == ["DEPARTMENT"] * 2

    for target, code in ((t.agent.id, "team_direct_self"), (t.viewer.id, "team_user_unavailable")):
        response = await client.post(
            f"{TEAM}/direct", json={"userId": target}, headers=t.agent.headers
        )
        assert response.status_code == 422, response.text
        assert response.json()["code"] == code
    missing = await client.post(
        f"{TEAM}/direct", json={"userId": str(uuid.uuid4())}, headers=t.agent.headers
    )
    assert missing.status_code == 404
    people = await ok(await client.get(f"{TEAM}/people", headers=t.agent.headers))
    assert t.agent.id not in {p["id"] for p in people} and t.viewer.id not in {
        p["id"] for p in people
    }
    assert {t.supervisor.id, t.other_agent.id, t.admin.id} <= {p["id"] for p in people}


async def test_unread_counts_and_read_marks(client: Client, org: Org) -> None:
    t = await team(client, org)
    suporte = await department_channel(client, t.agent, t.suporte)
    sent = [await say(client, t.agent, suporte, f"mensagem {n}") for n in range(3)]
    assert (await unread(client, t.agent))["total"] == 0  # one's own messages are read
    counts = await unread(client, t.supervisor)
    assert counts["total"] == 3
    assert {c["channelId"]: c["unreadCount"] for c in counts["channels"]}[suporte] == 3
    listed = await channels(client, t.supervisor)
    row = next(c for c in listed["data"] if c["id"] == suporte)
    assert row["unreadCount"] == 3 and listed["unreadTotal"] == 3
    assert row["lastMessage"]["id"] == sent[2]["id"]
    assert row["lastMessage"]["text"] == "mensagem 2"
    assert row["lastMessage"]["authorName"] == t.agent.name

    mark = f"{TEAM}/channels/{suporte}/read"
    state = await ok(
        await client.post(mark, json={"messageId": sent[1]["id"]}, headers=t.supervisor.headers)
    )
    assert state == {"channelId": suporte, "unreadCount": 1, "unreadTotal": 1}
    state = await ok(await client.post(mark, headers=t.supervisor.headers))
    assert state["unreadCount"] == 0
    # A mark never moves back.
    state = await ok(
        await client.post(mark, json={"messageId": sent[0]["id"]}, headers=t.supervisor.headers)
    )
    assert state["unreadTotal"] == 0
    # The supervisor's reply is unread for the agent, not for the supervisor.
    await say(client, t.supervisor, suporte, "visto!")
    assert (await unread(client, t.agent))["total"] == 1
    assert (await unread(client, t.supervisor))["total"] == 0
    wrong = await client.post(mark, json={"messageId": str(uuid.uuid4())}, headers=t.agent.headers)
    assert wrong.status_code == 404


async def test_message_pages_are_newest_first_pages_oldest_first_within(
    client: Client, org: Org
) -> None:
    t = await team(client, org)
    suporte = await department_channel(client, t.agent, t.suporte)
    sent = [(await say(client, t.agent, suporte, f"m{n}"))["id"] for n in range(5)]
    url = f"{TEAM}/channels/{suporte}/messages"
    newest = await ok(await client.get(url, params={"limit": 2}, headers=t.supervisor.headers))
    assert [x["id"] for x in newest["data"]] == sent[3:] and newest["hasMore"] is True
    older = await ok(
        await client.get(url, params={"limit": 2, "before": sent[3]}, headers=t.agent.headers)
    )
    assert [x["id"] for x in older["data"]] == sent[1:3] and older["hasMore"] is True
    oldest = await ok(
        await client.get(url, params={"limit": 2, "before": sent[1]}, headers=t.agent.headers)
    )
    assert [x["id"] for x in oldest["data"]] == sent[:1] and oldest["hasMore"] is False
    whole = await ok(await client.get(url, headers=t.agent.headers))
    assert [x["text"] for x in whole["data"]] == ["m0", "m1", "m2", "m3", "m4"]
    assert whole["data"][0]["authorUserId"] == t.agent.id


async def test_a_shared_conversation_links_only_for_who_may_open_it(
    client: Client, settings: Settings, org: Org
) -> None:
    t = await team(client, org)
    conn = await connection(client, org)
    maria = await contact(client, org, name="Maria Souza")
    sid = await session(settings, org, maria["id"], conn["id"], department_id=t.vendas)
    ana = await ok(
        await client.post(f"{TEAM}/direct", json={"userId": t.agent.id}, headers=t.admin.headers)
    )
    shared = await say(client, t.admin, ana["id"], "", sessionId=sid)
    assert shared["sessionId"] == sid and shared["text"] == ""
    assert shared["sharedSession"]["canOpen"] is True  # the admin may open anything
    assert shared["sharedSession"]["url"] == f"/inbox/s/{sid}"

    # Ana works Suporte: a Vendas conversation is not hers to open.
    page = await ok(
        await client.get(f"{TEAM}/channels/{ana['id']}/messages", headers=t.agent.headers)
    )
    assert page["data"][0]["sharedSession"] == {
        "id": sid, "canOpen": False, "contactName": None, "status": None, "url": None
    }  # fmt: skip
    bruno = await ok(
        await client.post(
            f"{TEAM}/direct", json={"userId": t.other_agent.id}, headers=t.admin.headers
        )
    )
    await say(client, t.admin, bruno["id"], "pode ver este?", sessionId=sid)
    page = await ok(
        await client.get(f"{TEAM}/channels/{bruno['id']}/messages", headers=t.other_agent.headers)
    )
    link = page["data"][0]["sharedSession"]
    assert link == {
        "id": sid, "canOpen": True, "contactName": "Maria Souza", "status": "QUEUED",
        "url": f"/inbox/s/{sid}",
    }  # fmt: skip


async def test_bad_input_is_refused_with_codes(client: Client, org: Org) -> None:
    t = await team(client, org)
    suporte = await department_channel(client, t.agent, t.suporte)
    url = f"{TEAM}/channels/{suporte}/messages"
    cases = [
        ({"text": ""}, 422, "team_text_empty"),
        ({"text": "   \n "}, 422, "team_text_empty"),
        ({}, 422, "team_text_empty"),
        ({"text": "x" * 4001}, 422, "team_text_too_long"),
        ({"text": "a\x00b"}, 400, None),
        ({"text": 12}, 400, None),
        ({"text": "oi", "sessionId": "nao-e-uuid"}, 400, None),
        ({"text": "oi", "sessionId": str(uuid.uuid4())}, 404, "not_found"),
    ]
    for body, status, code in cases:
        response = await client.post(url, json=body, headers=t.agent.headers)
        assert response.status_code in (status, 422 if status == 400 else status), (
            body,
            response.text,
        )
        if code:
            assert response.json()["code"] == code, (body, response.text)
    assert (await say(client, t.agent, suporte, "x" * 4000))["text"] == "x" * 4000
    raw = await client.post(
        url, content=b"{not json", headers={**t.agent.headers, "Content-Type": "application/json"}
    )
    assert 400 <= raw.status_code < 500
    for params in ({"limit": 0}, {"limit": 101}, {"before": "x"}):
        response = await client.get(url, params=params, headers=t.agent.headers)
        assert response.status_code in (400, 422), (params, response.text)
    cursor = await client.get(url, params={"before": str(uuid.uuid4())}, headers=t.agent.headers)
    assert cursor.status_code == 422 and cursor.json()["code"] == "team_cursor_unknown"
    assert (
        await client.get(f"{TEAM}/channels/{uuid.uuid4()}/messages", headers=t.agent.headers)
    ).status_code == 404


async def test_viewers_and_api_keys_have_no_team_chat(client: Client, org: Org) -> None:
    t = await team(client, org)
    suporte = await department_channel(client, t.agent, t.suporte)
    for headers in (org.headers, t.viewer.headers):
        for method, path, body in (
            ("GET", f"{TEAM}/channels", None),
            ("GET", f"{TEAM}/unread", None),
            ("GET", f"{TEAM}/channels/{suporte}/messages", None),
            ("POST", f"{TEAM}/channels/{suporte}/messages", {"text": "oi"}),
            ("POST", f"{TEAM}/direct", {"userId": t.agent.id}),
        ):
            response = await client.request(method, path, json=body, headers=headers)
            assert response.status_code == 403, (method, path, response.text)
            if headers is org.headers or method == "GET":
                assert response.json()["code"] == "team_users_only", response.text


async def test_another_organizations_ids_are_404(
    client: Client, settings: Settings, org: Org, other_org: Org
) -> None:
    t = await team(client, org)
    them = await team(client, other_org, tag="outra")
    suporte = await department_channel(client, t.agent, t.suporte)
    theirs = await department_channel(client, them.agent, them.suporte)
    conn = await connection(client, other_org)
    stranger = await contact(client, other_org)
    their_session = await session(settings, other_org, stranger["id"], conn["id"])
    for path in (f"{TEAM}/channels/{theirs}/messages", f"{TEAM}/channels/{theirs}"):
        assert (await client.get(path, headers=t.admin.headers)).status_code == 404
    admin, agent = t.admin.headers, t.agent.headers
    calls = [
        (f"{TEAM}/channels/{theirs}/messages", {"text": "oi"}, admin),
        (f"{TEAM}/channels/{theirs}/read", {}, admin),
        (f"{TEAM}/direct", {"userId": them.agent.id}, agent),
        (f"{TEAM}/channels/{suporte}/messages", {"text": "oi", "sessionId": their_session}, agent),
    ]
    refused = [await client.post(path, json=body, headers=h) for path, body, h in calls]
    assert [r.status_code for r in refused] == [404] * 4, [r.text for r in refused]
    assert all("outra" not in r.text for r in refused)
    assert {c["name"] for c in (await channels(client, t.admin))["data"]} == {"Suporte", "Vendas"}


async def test_team_messages_never_reach_a_provider(
    client: Client, settings: Settings, org: Org
) -> None:
    t = await team(client, org)
    conn = await connection(client, org)
    maria = await contact(client, org)
    sid = await session(settings, org, maria["id"], conn["id"], department_id=t.suporte)
    suporte = await department_channel(client, t.agent, t.suporte)
    direct = await ok(
        await client.post(
            f"{TEAM}/direct", json={"userId": t.supervisor.id}, headers=t.agent.headers
        )
    )
    await say(client, t.agent, suporte, "alguém pode ajudar a Maria?", sessionId=sid)
    await say(client, t.agent, direct["id"], "te mandei um caso")
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as db:
            assert await db.scalar(sa.select(sa.func.count()).select_from(m.Message)) == 0
            jobs = (await db.scalars(sa.select(m.Outbox.job))).all()
            assert "deliver_message" not in jobs, jobs
            assert await db.scalar(sa.select(sa.func.count()).select_from(m.TeamMessage)) == 2
    finally:
        await engine.dispose()
