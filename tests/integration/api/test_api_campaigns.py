"""Campaigns through the API: drafts and their checks, start (recipients chosen once,
opted-out ones recorded), one campaign per number, pause/resume/cancel, recipients,
preview, report, holidays and AI-drafted copy."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apikit import Client, connection, contact, ok, user
from arq.connections import RedisSettings, create_pool
from standins.openai_server import OpenAIStandin, Reply
from support.orgs import Org

from app.config import Settings
from app.db import models as m
from app.db.engine import make_engine, make_sessionmaker

MESSAGES = [{"text": "{{Saudacao}}, {{primeiro_nome|cliente}}! {Oferta|Promoção} de hoje."}]


async def _db_session(settings: Settings) -> Any:
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=1)
    return engine, make_sessionmaker(engine)


async def contact_list(settings: Settings, org: Org, name: str, contact_ids: list[str]) -> str:
    engine, maker = await _db_session(settings)
    try:
        async with maker() as db:
            row = m.ContactList(organization_id=uuid.UUID(org.id), name=name)
            db.add(row)
            await db.flush()
            for cid in contact_ids:
                db.add(m.ContactListMember(contact_list_id=row.id, contact_id=uuid.UUID(cid)))
            await db.commit()
            return str(row.id)
    finally:
        await engine.dispose()


async def opt_out(settings: Settings, contact_id: str) -> None:
    engine, maker = await _db_session(settings)
    try:
        async with maker() as db:
            row = await db.get(m.Contact, uuid.UUID(contact_id))
            assert row is not None
            row.opted_out_at = datetime.now(UTC)
            await db.commit()
    finally:
        await engine.dispose()


async def audience(
    client: Client, settings: Settings, org: Org, size: int = 3
) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    conn = await connection(client, org)
    people = [await contact(client, org, name=f"MARIA {i}") for i in range(size)]
    list_id = await contact_list(
        settings, org, f"Clientes {uuid.uuid4().hex[:6]}", [p["id"] for p in people]
    )
    return conn, people, list_id


async def create(client: Client, org: Org, **body: Any) -> Any:
    payload = {"name": "Black Friday", "messages": MESSAGES, **body}
    return await client.post("/api/v1/campaigns", json=payload, headers=org.headers)


async def draft(client: Client, org: Org, **body: Any) -> dict[str, Any]:
    return await ok(await create(client, org, **body), 201)


async def act(client: Client, org: Org, campaign_id: str, action: str) -> Any:
    return await client.post(f"/api/v1/campaigns/{campaign_id}/{action}", headers=org.headers)


def fast() -> dict[str, Any]:
    return {
        "minDelaySeconds": 0,
        "maxDelaySeconds": 0,
        "pauseEvery": 0,
        "dailyCapPerConnection": None,
        "warmUp": False,
    }


async def test_a_draft_has_the_contract_s_defaults(
    client: Client, settings: Settings, org: Org
) -> None:
    conn, _, list_id = await audience(client, settings, org)
    created = await draft(client, org, connectionIds=[conn["id"]], contactListIds=[list_id])
    assert created["status"] == "DRAFT" and created["statusReason"] is None
    assert created["connectionIds"] == [conn["id"]] and created["contactListIds"] == [list_id]
    assert created["messages"] == MESSAGES
    assert created["pacing"] == {
        "minDelaySeconds": 25.0,
        "maxDelaySeconds": 60.0,
        "pauseEvery": 20,
        "pauseSeconds": 300.0,
        "dailyCapPerConnection": 500,
        "warmUp": True,
    }
    assert created["schedule"]["skipHolidays"] is True and created["schedule"]["windows"] == []
    assert created["replyGate"] is None and created["skipAgentConversations"] is True
    assert created["contactCooldownHours"] == 24
    assert created["stats"] == {
        "total": 0,
        "pending": 0,
        "sent": 0,
        "delivered": 0,
        "read": 0,
        "replied": 0,
        "failed": 0,
        "optedOut": 0,
        "skipped": 0,
    }
    for key in ("id", "createdAt", "updatedAt", "startedAt", "finishedAt"):
        assert key in created
    got = await ok(await client.get(f"/api/v1/campaigns/{created['id']}", headers=org.headers))
    assert got["name"] == "Black Friday"
    listed = await ok(
        await client.get("/api/v1/campaigns?status=DRAFT&limit=1", headers=org.headers)
    )
    assert [c["id"] for c in listed["data"]] == [created["id"]]
    assert listed["pagination"]["total_data"] == 1
    none = await ok(await client.get("/api/v1/campaigns?status=RUNNING", headers=org.headers))
    assert none["data"] == []


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"messages": []}, "validation_error", "messages"),
        ({"messages": [{"text": "a"}] * 6}, "validation_error", "messages"),
        ({"messages": [{"text": "Oi {nome}"}]}, "invalid_copy", "messages[0].text"),
        ({"messages": [{"text": "Oi {{nome"}]}, "invalid_copy", "messages[0].text"),
        ({"messages": [{"text": ""}]}, "invalid_copy", "messages[0].text"),
        ({"replyGate": {"text": "{a|b"}}, "invalid_copy", "replyGate.text"),
        (
            {"schedule": {"windows": [{"days": ["FUN"], "start": "09:00", "end": "18:00"}]}},
            "invalid_day",
            "schedule.windows[0].days",
        ),
        (
            {"schedule": {"windows": [{"days": ["MON"], "start": "9h", "end": "18:00"}]}},
            "invalid_time",
            "schedule.windows[0].start",
        ),
        ({"schedule": {"timezone": "Mars/Base"}}, "invalid_timezone", "schedule.timezone"),
        (
            {"schedule": {"holidaySubdivision": "XX"}},
            "invalid_subdivision",
            "schedule.holidaySubdivision",
        ),
        (
            {"pacing": {"minDelaySeconds": 90, "maxDelaySeconds": 10}},
            "invalid_pacing",
            "pacing.maxDelaySeconds",
        ),
        (
            {"messages": [{"text": "a", "media": {"url": "http://127.0.0.1/x.png"}}]},
            "forbidden_address",
            "messages[0].media.url",
        ),
        (
            {"messages": [{"text": "a", "media": {"url": "http://[::ffff:10.0.0.1]/x.png"}}]},
            "forbidden_address",
            "messages[0].media.url",
        ),
        ({"messages": [{"text": "a", "media": {}}]}, "invalid_media", "messages[0].media"),
        (
            {"messages": [{"text": "a", "media": {"mediaKey": "someone-else/x.png"}}]},
            "unknown_media",
            "messages[0].media.mediaKey",
        ),
        ({"connectionIds": [str(uuid.uuid4())]}, "unknown_connection", "connectionIds"),
        ({"contactListIds": [str(uuid.uuid4())]}, "unknown_contact_list", "contactListIds"),
        ({"contactCooldownHours": -1}, "validation_error", "contactCooldownHours"),
        ({"name": ""}, "validation_error", "name"),
    ],
)
async def test_what_a_draft_refuses(
    client: Client, org: Org, body: dict[str, Any], code: str, field: str
) -> None:
    response = await create(client, org, **body)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code
    assert response.json()["extra"]["field"] == field


async def test_another_tenant_s_ids_are_unknown(
    client: Client, settings: Settings, org: Org, other_org: Org
) -> None:
    theirs, _, their_list = await audience(client, settings, other_org)
    response = await create(client, org, connectionIds=[theirs["id"]])
    assert response.json()["code"] == "unknown_connection"
    response = await create(client, org, contactListIds=[their_list])
    assert response.json()["code"] == "unknown_contact_list"
    mine = await draft(client, org)
    for path in ("", "/report", "/recipients", f"/preview?contactId={uuid.uuid4()}"):
        got = await client.get(f"/api/v1/campaigns/{mine['id']}{path}", headers=other_org.headers)
        assert got.status_code == 404, path


async def test_start_chooses_each_contact_once_and_records_opt_outs(
    client: Client, settings: Settings, org: Org
) -> None:
    conn, people, list_a = await audience(client, settings, org, size=4)
    extra = await contact(client, org, name="João")
    list_b = await contact_list(
        settings, org, "VIP", [people[0]["id"], people[1]["id"], extra["id"]]
    )
    await opt_out(settings, people[3]["id"])
    variants = [{"text": "A {{nome}}"}, {"text": "B {{nome}}"}]
    campaign = await draft(
        client,
        org,
        messages=variants,
        connectionIds=[conn["id"]],
        contactListIds=[list_a, list_b],
        pacing=fast(),
    )
    started = await ok(await act(client, org, campaign["id"], "start"))
    assert started["status"] == "RUNNING" and started["startedAt"] is not None
    assert started["nextRunAt"] is not None
    assert started["stats"]["total"] == 5
    assert started["stats"]["pending"] == 4 and started["stats"]["optedOut"] == 1
    recipients = await ok(
        await client.get(
            f"/api/v1/campaigns/{campaign['id']}/recipients?limit=200", headers=org.headers
        )
    )
    rows = recipients["data"]
    assert len({r["contactId"] for r in rows}) == 5
    assert sorted(r["variant"] for r in rows) == [0, 0, 0, 1, 1]
    opted = [r for r in rows if r["status"] == "OPTED_OUT"]
    assert [r["contactId"] for r in opted] == [people[3]["id"]]
    assert opted[0]["reason"] == "opted_out"
    assert set(rows[0]) == {
        "contactId",
        "phoneNumber",
        "name",
        "status",
        "variant",
        "connectionId",
        "messageId",
        "error",
        "reason",
        "sentAt",
        "deliveredAt",
        "readAt",
        "repliedAt",
    }
    only_opted = await ok(
        await client.get(
            f"/api/v1/campaigns/{campaign['id']}/recipients?status=OPTED_OUT", headers=org.headers
        )
    )
    assert only_opted["pagination"]["total_data"] == 1
    # The dispatcher's job is queued under the campaign's id and its wake-up time.
    arq = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    try:
        queued = [j for j in await arq.queued_jobs() if j.function == "run_campaign"]
    finally:
        await arq.aclose()
    [job] = queued
    assert job.job_id is not None and job.job_id.startswith(f"campaign:{campaign['id']}:")
    assert job.function == "run_campaign" and job.args == (campaign["id"],)
    # Started once only.
    again = await act(client, org, campaign["id"], "start")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


async def test_a_future_start_is_scheduled(client: Client, settings: Settings, org: Org) -> None:
    conn, _, list_id = await audience(client, settings, org)
    start_at = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    campaign = await draft(
        client,
        org,
        connectionIds=[conn["id"]],
        contactListIds=[list_id],
        schedule={"startAt": start_at},
    )
    started = await ok(await act(client, org, campaign["id"], "start"))
    assert started["status"] == "SCHEDULED" and started["startedAt"] is None
    assert datetime.fromisoformat(started["nextRunAt"]) == datetime.fromisoformat(start_at)


async def test_a_start_needs_connections_lists_and_contacts(
    client: Client, settings: Settings, org: Org
) -> None:
    conn = await connection(client, org)
    bare = await draft(client, org)
    response = await act(client, org, bare["id"], "start")
    assert response.status_code == 422 and response.json()["code"] == "campaign_incomplete"
    empty_list = await contact_list(settings, org, "Vazia", [])
    empty = await draft(client, org, connectionIds=[conn["id"]], contactListIds=[empty_list])
    response = await act(client, org, empty["id"], "start")
    assert response.status_code == 422 and response.json()["code"] == "empty_audience"
    got = await ok(await client.get(f"/api/v1/campaigns/{empty['id']}", headers=org.headers))
    assert got["status"] == "DRAFT"
    expired = await draft(
        client,
        org,
        connectionIds=[conn["id"]],
        contactListIds=[empty_list],
        schedule={"validUntil": (datetime.now(UTC) - timedelta(hours=1)).isoformat()},
    )
    response = await act(client, org, expired["id"], "start")
    assert response.status_code == 422 and response.json()["code"] == "schedule_closed"


async def test_one_campaign_per_number_even_when_started_together(
    client: Client, settings: Settings, org: Org
) -> None:
    conn, _, list_id = await audience(client, settings, org)
    other = await connection(client, org, name="Outra")
    ids = [
        (
            await draft(
                client, org, connectionIds=[other["id"], conn["id"]], contactListIds=[list_id]
            )
        )["id"]
        for _ in range(4)
    ]
    responses = await asyncio.gather(*(act(client, org, i, "start") for i in ids))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409, 409, 409], [r.text for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"campaign_conflict"}
    winner = next(i for i, r in zip(ids, responses, strict=True) if r.status_code == 200)
    # Another number is free.
    free = await connection(client, org, name="Livre")
    separate = await draft(client, org, connectionIds=[free["id"]], contactListIds=[list_id])
    await ok(await act(client, org, separate["id"], "start"))
    # Once the winner pauses, a loser may start, and the winner may not resume.
    await ok(await act(client, org, winner, "pause"))
    loser = next(i for i in ids if i != winner)
    await ok(await act(client, org, loser, "start"))
    response = await act(client, org, winner, "resume")
    assert response.status_code == 409 and response.json()["code"] == "campaign_conflict"


async def test_pause_resume_cancel_and_what_each_status_allows(
    client: Client, settings: Settings, org: Org
) -> None:
    conn, _, list_id = await audience(client, settings, org)
    campaign = await draft(client, org, connectionIds=[conn["id"]], contactListIds=[list_id])
    cid = campaign["id"]
    for action in ("pause", "resume"):
        response = await act(client, org, cid, action)
        assert response.status_code == 409 and response.json()["code"] == "invalid_transition"
    await ok(await act(client, org, cid, "start"))
    response = await client.patch(
        f"/api/v1/campaigns/{cid}", json={"name": "x"}, headers=org.headers
    )
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"
    response = await client.delete(f"/api/v1/campaigns/{cid}", headers=org.headers)
    assert response.status_code == 409
    paused = await ok(await act(client, org, cid, "pause"))
    assert paused["status"] == "PAUSED" and paused["pausedAt"] is not None
    edited = await ok(
        await client.patch(
            f"/api/v1/campaigns/{cid}",
            json={"name": "Black Friday 2", "messages": [{"text": "Oi"}, {"text": "Olá"}]},
            headers=org.headers,
        )
    )
    assert edited["name"] == "Black Friday 2" and len(edited["messages"]) == 2
    resumed = await ok(await act(client, org, cid, "resume"))
    assert resumed["status"] == "RUNNING" and resumed["pausedAt"] is None
    cancelled = await ok(await act(client, org, cid, "cancel"))
    assert cancelled["status"] == "CANCELLED" and cancelled["finishedAt"] is not None
    assert cancelled["stats"]["pending"] == 0 and cancelled["stats"]["skipped"] == 3
    skipped = await ok(await client.get(f"/api/v1/campaigns/{cid}/recipients", headers=org.headers))
    assert {r["reason"] for r in skipped["data"]} == {"cancelled"}
    for action in ("start", "pause", "resume", "cancel"):
        response = await act(client, org, cid, action)
        assert response.status_code == 409 and response.json()["code"] == "invalid_transition"
    assert (await client.delete(f"/api/v1/campaigns/{cid}", headers=org.headers)).status_code == 204
    assert (await client.get(f"/api/v1/campaigns/{cid}", headers=org.headers)).status_code == 404


async def test_edits_of_a_paused_campaign_reach_its_recipients(
    client: Client, settings: Settings, org: Org
) -> None:
    conn, _, list_id = await audience(client, settings, org, size=2)
    newcomer = await contact(client, org, name="Nova")
    more = await contact_list(settings, org, "Mais", [newcomer["id"]])
    campaign = await draft(client, org, connectionIds=[conn["id"]], contactListIds=[list_id])
    await ok(await act(client, org, campaign["id"], "start"))
    await ok(await act(client, org, campaign["id"], "pause"))
    edited = await ok(
        await client.patch(
            f"/api/v1/campaigns/{campaign['id']}",
            json={"contactListIds": [more]},
            headers=org.headers,
        )
    )
    assert edited["stats"]["total"] == 1
    rows = await ok(
        await client.get(f"/api/v1/campaigns/{campaign['id']}/recipients", headers=org.headers)
    )
    assert [r["contactId"] for r in rows["data"]] == [newcomer["id"]]


async def test_recipients_csv(client: Client, settings: Settings, org: Org) -> None:
    conn = await connection(client, org)
    people = [await contact(client, org, name=n) for n in ("=cmd|' /C calc'!A0", "José Ávila")]
    list_id = await contact_list(settings, org, "CSV", [p["id"] for p in people])
    campaign = await draft(client, org, connectionIds=[conn["id"]], contactListIds=[list_id])
    await ok(await act(client, org, campaign["id"], "start"))
    response = await client.get(
        f"/api/v1/campaigns/{campaign['id']}/recipients.csv", headers=org.headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("contactId,phoneNumber,name,status,variant")
    assert len(lines) == 3
    assert any("José Ávila" in line for line in lines)
    assert any("'=cmd" in line for line in lines)  # never a live formula in Excel


async def test_preview_renders_now_or_names_the_missing_variable(
    client: Client, settings: Settings, org: Org
) -> None:
    maria = await contact(client, org, name="MARIA SILVA")
    nameless = await contact(client, org, name=None)
    campaign = await draft(client, org, messages=[{"text": "{{Saudacao}}, {{primeiro_nome}}!"}])
    shown = await ok(
        await client.get(
            f"/api/v1/campaigns/{campaign['id']}/preview?contactId={maria['id']}",
            headers=org.headers,
        )
    )
    assert shown["variant"] == 0
    assert shown["text"].endswith(", Maria!")
    assert shown["text"].split(",")[0] in ("Bom dia", "Boa tarde", "Boa noite")
    response = await client.get(
        f"/api/v1/campaigns/{campaign['id']}/preview?contactId={nameless['id']}",
        headers=org.headers,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "missing_variable"
    assert response.json()["extra"]["name"] == "primeiro_nome"
    response = await client.get(f"/api/v1/campaigns/{campaign['id']}/preview", headers=org.headers)
    assert response.status_code == 422 and response.json()["extra"]["field"] == "contactId"


async def test_report_counts_the_funnel_cumulatively(
    client: Client, settings: Settings, org: Org
) -> None:
    conn, _, list_id = await audience(client, settings, org, size=6)
    campaign = await draft(
        client,
        org,
        messages=[{"text": "A"}, {"text": "B"}],
        connectionIds=[conn["id"]],
        contactListIds=[list_id],
    )
    await ok(await act(client, org, campaign["id"], "start"))
    outcomes = ["SENT", "DELIVERED", "READ", "REPLIED", "FAILED", "SENDING"]
    engine, maker = await _db_session(settings)
    try:
        async with maker() as db:
            rows = (
                await db.execute(
                    m.CampaignRecipient.__table__.select()
                    .where(m.CampaignRecipient.campaign_id == uuid.UUID(campaign["id"]))
                    .order_by(m.CampaignRecipient.contact_id)
                )
            ).all()
            for row, status in zip(rows, outcomes, strict=True):
                await db.execute(
                    m.CampaignRecipient.__table__.update()
                    .where(m.CampaignRecipient.id == row.id)
                    .values(
                        status=status, error="131049 marketing cap" if status == "FAILED" else None
                    )
                )
            await db.commit()
    finally:
        await engine.dispose()
    got = await ok(await client.get(f"/api/v1/campaigns/{campaign['id']}", headers=org.headers))
    assert got["stats"] == {
        "total": 6,
        "pending": 1,
        "sent": 4,
        "delivered": 3,
        "read": 2,
        "replied": 1,
        "failed": 1,
        "optedOut": 0,
        "skipped": 0,
    }
    report = await ok(
        await client.get(f"/api/v1/campaigns/{campaign['id']}/report", headers=org.headers)
    )
    assert report["stats"] == got["stats"]
    assert [v["variant"] for v in report["variants"]] == [0, 1]
    assert sum(v["stats"]["total"] for v in report["variants"]) == 6
    assert report["funnel"] == {"sent": 4, "deliveryRate": 0.75, "readRate": 0.5, "replyRate": 0.25}
    assert report["failures"] == [{"status": "FAILED", "cause": "131049 marketing cap", "count": 1}]


async def test_holidays(client: Client, org: Org) -> None:
    national = await ok(await client.get("/api/v1/holidays?year=2026", headers=org.headers))
    assert {
        "date": "2026-11-20",
        "name": "Dia Nacional de Zumbi e da Consciência Negra",
    } in national
    assert len(national) == 10
    sp = await ok(
        await client.get("/api/v1/holidays?year=2026&subdivision=SP", headers=org.headers)
    )
    assert {"date": "2026-07-09", "name": "Revolução Constitucionalista"} in sp
    for query in ("year=2026&subdivision=XX", "year=99999", "year=abc"):
        response = await client.get(f"/api/v1/holidays?{query}", headers=org.headers)
        assert response.status_code == 422, query
    assert (await client.get("/api/v1/holidays", headers=org.headers)).status_code == 200


async def test_agents_and_viewers_cannot_run_campaigns(client: Client, org: Org) -> None:
    _, agent = await user(client, org, "AGENT", "ana@padaria.example")
    assert (await client.get("/api/v1/campaigns", headers=agent)).status_code == 403
    payload = {"name": "x", "messages": MESSAGES}
    assert (await client.post("/api/v1/campaigns", json=payload, headers=agent)).status_code == 403
    _, supervisor = await user(client, org, "SUPERVISOR", "sara@padaria.example")
    assert (
        await client.post("/api/v1/campaigns", json=payload, headers=supervisor)
    ).status_code == 201


async def test_ai_copy(client: Client, org: Org) -> None:
    body = {"brief": "Promoção de pão de queijo, 20% off até sexta", "variants": 2}
    response = await client.post("/api/v1/campaigns/ai-copy", json=body, headers=org.headers)
    assert response.status_code == 409 and response.json()["code"] == "ai_not_configured"
    with OpenAIStandin() as llm:
        settings = {"provider": "CUSTOM", "baseUrl": llm.base_url, "chatModel": "standin-chat"}
        await ok(await client.put("/api/v1/ai/settings", json=settings, headers=org.headers))
        drafts = (
            '```json\n{"messages": ["{{Saudacao}}, {{primeiro_nome|cliente}}! Pão de queijo com '
            '20% off até sexta.", "Oi {{primeiro_nome|cliente}}, {hoje|agora} tem 20% off!", '
            '"quebrado {{nome"]}\n```'
        )
        llm.queue("chat", Reply(text=drafts))
        got = await ok(
            await client.post("/api/v1/campaigns/ai-copy", json=body, headers=org.headers)
        )
        assert len(got["messages"]) == 2 and all("{{nome" not in t for t in got["messages"])
        sent = llm.last("chat").json
        assert sent["model"] == "standin-chat"
        assert "Padaria Centro" in sent["messages"][0]["content"]
        assert sent["messages"][1]["content"] == body["brief"]
        llm.queue("chat", Reply.failure(500), Reply.failure(500))
        response = await client.post("/api/v1/campaigns/ai-copy", json=body, headers=org.headers)
        assert response.status_code == 502 and response.json()["code"] == "llm_unavailable"
        llm.queue("chat", Reply(text="não sei"), Reply(text="{}"))
        response = await client.post("/api/v1/campaigns/ai-copy", json=body, headers=org.headers)
        assert response.status_code == 502 and response.json()["code"] == "llm_bad_answer"
    for bad in ({"brief": ""}, {"brief": "x", "variants": 6}, {"brief": "x", "variants": 0}):
        response = await client.post("/api/v1/campaigns/ai-copy", json=bad, headers=org.headers)
        assert response.status_code == 422
