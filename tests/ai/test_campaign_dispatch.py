"""The campaign dispatcher end to end: a campaign and its recipients as the API stores
them, ``run_campaign`` in a real arq worker, each send through delivery to the native
send-API stand-in; replies through the real webhook path and the responder."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from ai_harness import World, run_burst_worker
from arq import func
from arq.constants import default_queue_name
from campaign_kit import make_campaign, make_contacts
from standins.openai_server import Reply

from workers.campaigns import run_campaign
from workers.deliver import deliver_message
from workers.respond import respond_turn


async def _work(world: World) -> None:
    shared = world.context()

    async def publish_event(ctx: dict[str, Any], *args: Any) -> None:
        world.events.append((str(args[1]), str(args[2])))

    functions = [
        func(run_campaign, name="run_campaign", keep_result=0),
        func(deliver_message, name="deliver_message", max_tries=60),
        func(respond_turn, name="respond_turn", max_tries=3),
        func(publish_event, name="publish_event"),
    ]
    await run_burst_worker(world.settings, functions, shared)


async def _run_once(world: World, campaign: uuid.UUID) -> str:
    """One run of the dispatcher in-process (what it schedules stays queued)."""
    shared = world.context()
    pool = await world.pool()
    try:
        return await run_campaign({"context": shared, "redis": pool}, str(campaign))
    finally:
        await pool.aclose()
        await shared.aclose()


async def _drop_queue(world: World) -> None:
    """Forget what a run left queued (its deferred wake-up would hold a burst worker)."""
    pool = await world.pool()
    try:
        await pool.delete(default_queue_name)
    finally:
        await pool.aclose()


async def _recipients(world: World, campaign: uuid.UUID) -> dict[str, Any]:
    rows = await world.db.fetch(
        "SELECT c.phone_number, r.* FROM campaign_recipient r JOIN contact c ON c.id = r.contact_id"
        " WHERE r.campaign_id = $1",
        campaign,
    )
    return {r["phone_number"]: r for r in rows}


async def _status(world: World, campaign: uuid.UUID) -> Any:
    return (await world.db.fetch("SELECT * FROM campaign WHERE id = $1", campaign))[0]


def _sent_to(world: World) -> dict[str, str]:
    return {r.json["to"]: r.json["text"] for r in world.native.requests if r.status == 200}


async def _start(world: World, campaign: uuid.UUID) -> None:
    pool = await world.pool()
    try:
        await pool.enqueue_job("run_campaign", str(campaign))
    finally:
        await pool.aclose()
    await _work(world)


async def test_a_campaign_reaches_each_contact_once_with_its_variant_and_variables(
    world: World,
) -> None:
    contacts = await make_contacts(
        world,
        [
            {"phone": "5511900000001", "name": "Ana Paula Souza", "fields": {"Cupom": "ANA10"}},
            {"phone": "5511900000002", "name": "Bruno Lima", "fields": {"cupom": "BRU10"}},
            {"phone": "5511900000003", "name": None, "fields": {"cupom": "X"}},
            {"phone": "5511900000004", "name": None, "fields": {}},
            {"phone": "5511900000005", "name": "Eva", "opted_out_at": datetime.now(UTC)},
        ],
    )
    campaign = await make_campaign(
        world,
        contacts,
        messages=[
            {"text": "Oi {{primeiro_nome|cliente}}! Seu cupom: {{cupom}}"},
            {"text": "{Olá|Oi} {{nome|cliente}}, {{saudacao}}!"},
        ],
    )

    await _start(world, campaign)

    sent = _sent_to(world)
    recipients = await _recipients(world, campaign)
    # Variant 0: contacts 1, 3 (and 5, opted out); variant 1: contacts 2, 4.
    assert sent["5511900000001"] == "Oi Ana! Seu cupom: ANA10"
    assert sent["5511900000003"] == "Oi cliente! Seu cupom: X"
    assert sent["5511900000002"].split(" ", 1)[1].startswith("Bruno Lima, ")
    assert sent["5511900000004"].split(" ", 1)[1].startswith("cliente, ")
    assert all("{" not in text for text in sent.values())
    assert "5511900000005" not in sent
    assert len(world.native.requests) == 4  # one send each, nothing repeated
    assert {p: r["status"] for p, r in recipients.items()} == {
        "5511900000001": "SENT",
        "5511900000002": "SENT",
        "5511900000003": "SENT",
        "5511900000004": "SENT",
        "5511900000005": "OPTED_OUT",
    }
    assert all(r["sent_at"] is not None for p, r in recipients.items() if p != "5511900000005")
    assert (await _status(world, campaign))["status"] == "COMPLETED"
    messages = await world.db.fetch(
        "SELECT m.author, m.status, m.campaign_id, s.status AS session_status, s.started_by"
        " FROM message m JOIN session s ON s.id = m.session_id WHERE m.campaign_id = $1",
        campaign,
    )
    assert len(messages) == 4
    assert {(m["author"], m["status"], m["session_status"], m["started_by"]) for m in messages} == {
        ("BUSINESS", "SENT", "ACTIVE", "BUSINESS")
    }


async def test_a_missing_variable_skips_the_recipient_with_the_reason(world: World) -> None:
    contacts = await make_contacts(world, [{"phone": "5511900000011", "name": None}])
    campaign = await make_campaign(world, contacts, messages=[{"text": "Oi {{nome}}"}])

    await _start(world, campaign)

    [row] = (await _recipients(world, campaign)).values()
    assert (row["status"], row["reason"]) == ("SKIPPED", "missing_variable")
    assert "{{nome}}" in row["error"]
    assert world.native.requests == []


async def test_outside_its_window_a_campaign_waits_for_the_next_opening(world: World) -> None:
    now = datetime.now(UTC).astimezone()
    closed_day = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"][(now.weekday() + 3) % 7]
    contacts = await make_contacts(world, [{"phone": "5511900000021", "name": "Rui"}])
    campaign = await make_campaign(
        world,
        contacts,
        messages=[{"text": "Oi {{nome}}"}],
        schedule={
            "timezone": "America/Sao_Paulo",
            "windows": [{"days": [closed_day], "start": "09:00", "end": "10:00"}],
        },
    )

    assert await _run_once(world, campaign) == "outside_window"

    row = await _status(world, campaign)
    assert world.native.requests == []
    assert row["status"] == "RUNNING"
    assert row["next_run_at"] > datetime.now(UTC) + timedelta(days=1)
    local = row["next_run_at"].astimezone(__import__("zoneinfo").ZoneInfo("America/Sao_Paulo"))
    assert (local.hour, local.minute) == (9, 0)
    # The wake-up is a deferred job, not a worker waiting.
    pool = await world.pool()
    try:
        queued = await pool.queued_jobs()
        assert [j.function for j in queued] == ["run_campaign"]
        await pool.delete(default_queue_name)  # not to be waited for by the next test
    finally:
        await pool.aclose()


async def test_past_valid_until_what_was_not_sent_expires(world: World) -> None:
    contacts = await make_contacts(world, [{"phone": "5511900000031", "name": "Rui"}])
    campaign = await make_campaign(
        world,
        contacts,
        messages=[{"text": "Oi"}],
        schedule={"validUntil": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()},
    )

    await _start(world, campaign)

    assert (await _status(world, campaign))["status"] == "EXPIRED"
    [row] = (await _recipients(world, campaign)).values()
    assert (row["status"], row["reason"]) == ("SKIPPED", "expired")
    assert world.native.requests == []


async def test_a_paused_campaign_sends_nothing_more_and_resume_loses_nothing(
    world: World,
) -> None:
    contacts = await make_contacts(world, [{"phone": f"55119000001{i:02d}"} for i in range(6)])
    campaign = await make_campaign(world, contacts, messages=[{"text": "Promo"}])
    # Staged but not yet sent (as after a claim): the pause must hold them back.
    await _start_claims_only(world, campaign)
    await world.db.fetch("UPDATE campaign SET status = 'PAUSED' WHERE id = $1", campaign)
    staged = await world.db.fetch(
        "SELECT id FROM message WHERE campaign_id = $1 AND status = 'PENDING'", campaign
    )
    assert staged
    for message in staged:
        await world.run(("deliver_message", str(message["id"])))
    assert world.native.requests == []

    await world.db.fetch(
        "UPDATE campaign SET status = 'RUNNING', next_run_at = now() WHERE id = $1", campaign
    )
    await world.db.fetch(
        "UPDATE message SET updated_at = now() - interval '1 minute' WHERE campaign_id = $1",
        campaign,
    )
    await _start(world, campaign)

    assert sorted(_sent_to(world)) == sorted(f"55119000001{i:02d}" for i in range(6))
    assert len(world.native.requests) == 6
    assert (await _status(world, campaign))["status"] == "COMPLETED"


async def _start_claims_only(world: World, campaign: uuid.UUID) -> None:
    """One claim, as a dispatcher killed right after committing it leaves it."""
    from workers.campaigns import Dispatcher, _load

    shared = world.context()
    try:
        ctx = {"context": shared, "redis": await world.pool()}
        dispatcher = Dispatcher(ctx, shared, campaign, 0)
        plan = await _load(shared, campaign)
        assert plan is not None
        await dispatcher._claim(plan, plan.connection_ids[0], 3)
        await ctx["redis"].aclose()
    finally:
        await shared.aclose()


async def test_a_disconnected_primary_hands_the_campaign_to_the_next_number(
    world: World,
) -> None:
    second = await world.connection()
    for status in ("CONNECTED", "DISCONNECTED"):  # a number that dropped
        await world.db.fetch(
            "UPDATE connection SET status = $2 WHERE id = $1", uuid.UUID(world.hook.id), status
        )
    contacts = await make_contacts(world, [{"phone": "5511900000041"}, {"phone": "5511900000042"}])
    campaign = await make_campaign(
        world, contacts, messages=[{"text": "Oi"}], connections=[world.hook.id, second.id]
    )

    await _start(world, campaign)

    recipients = await _recipients(world, campaign)
    assert {str(r["connection_id"]) for r in recipients.values()} == {second.id}
    assert {r["status"] for r in recipients.values()} == {"SENT"}
    assert str((await _status(world, campaign))["active_connection_id"]) == second.id


async def test_repeated_failures_pause_the_campaign_and_say_why(world: World) -> None:
    contacts = await make_contacts(world, [{"phone": f"5511900002{i:03d}"} for i in range(60)])
    campaign = await make_campaign(world, contacts, messages=[{"text": "Oi"}])
    world.native.not_on_whatsapp.update(f"5511900002{i:03d}" for i in range(60))

    assert await _run_once(world, campaign) in ("circuit_breaker", "failing")
    await _drop_queue(world)

    row = await _status(world, campaign)
    assert row["status"] == "PAUSED"
    assert row["status_reason"].startswith(("failover", "circuit_breaker"))
    recipients = await _recipients(world, campaign)
    failed = [r for r in recipients.values() if r["status"] == "FAILED"]
    assert failed and all("WhatsApp" in (r["error"] or "") for r in failed)
    assert all(r["sent_at"] is None for r in failed)  # a failure never counts as sent
    assert any(r["status"] == "PENDING" for r in recipients.values())  # the rest wait


async def test_a_contact_in_a_conversation_with_an_agent_or_cooling_down_is_skipped(
    world: World,
) -> None:
    agent = uuid.UUID(world.org.admin_id)
    contacts = await make_contacts(world, [{"phone": "5511900000051"}, {"phone": "5511900000052"}])
    await world.db.fetch(
        "INSERT INTO session (organization_id, contact_id, connection_id, status, started_by,"
        " assigned_agent_id) VALUES ($1, $2, $3, 'ACTIVE', 'CUSTOMER', $4)",
        uuid.UUID(world.org.id),
        contacts[0],
        uuid.UUID(world.hook.id),
        agent,
    )
    earlier = await make_campaign(world, [contacts[1]], messages=[{"text": "Antes"}])
    await world.db.fetch(
        "UPDATE campaign_recipient SET status = 'SENT', sent_at = now() - interval '2 hours'"
        " WHERE campaign_id = $1",
        earlier,
    )
    await world.db.fetch("UPDATE campaign SET status = 'COMPLETED' WHERE id = $1", earlier)
    campaign = await make_campaign(world, contacts, messages=[{"text": "Oi"}])

    await _start(world, campaign)

    recipients = await _recipients(world, campaign)
    assert (recipients["5511900000051"]["status"], recipients["5511900000051"]["reason"]) == (
        "SKIPPED",
        "agent_conversation",
    )
    assert (recipients["5511900000052"]["status"], recipients["5511900000052"]["reason"]) == (
        "SKIPPED",
        "cooldown",
    )
    assert world.native.requests == []


async def test_a_reply_is_a_conversation_the_ai_answers_with_the_campaign_in_context(
    world: World,
) -> None:
    await world.configure_llm()
    contacts = await make_contacts(world, [{"phone": "5511987654321", "name": "Maria"}])
    campaign = await make_campaign(
        world, contacts, messages=[{"text": "Bolo de cenoura em dobro!"}]
    )
    await _start(world, campaign)
    world.native.reset()

    world.llm.queue("chat", Reply(text="Vale até domingo!"))
    turn = await world.say("até quando vale?")
    await world.respond(turn)

    prompt = json.dumps(world.chat_requests()[0].json["messages"], ensure_ascii=False)
    assert "Bolo de cenoura em dobro!" in prompt
    assert world.sent_texts() == ["Vale até domingo!"]
    [row] = (await _recipients(world, campaign)).values()
    assert row["status"] == "REPLIED" and row["replied_at"] is not None


async def test_an_opt_out_word_opts_out_and_is_confirmed_once(world: World) -> None:
    await world.configure_llm()
    contacts = await make_contacts(world, [{"phone": "5511987654321", "name": "Maria"}])
    await make_campaign(world, contacts, messages=[{"text": "Promo"}], status="PAUSED")

    await world.respond(await world.say("  Sáir! "))
    await world.respond(await world.say("SAIR"))

    contact = (await world.db.fetch("SELECT * FROM contact WHERE id = $1", contacts[0]))[0]
    assert contact["opted_out_at"] is not None and contact["opt_out_source"] == "KEYWORD"
    texts = world.sent_texts()
    assert len(texts) == 1 and "não receberá mais" in texts[0]
    assert world.chat_requests() == []  # the model was never asked
    statuses = await world.db.fetch(
        "SELECT status FROM campaign_recipient WHERE contact_id = $1", contacts[0]
    )
    assert [r["status"] for r in statuses] == ["OPTED_OUT"]


async def test_the_campaign_message_goes_only_to_those_who_answer_the_gate(world: World) -> None:
    await world.configure_llm()
    contacts = await make_contacts(
        world, [{"phone": "5511987654321", "name": "Maria"}, {"phone": "5511900000061"}]
    )
    campaign = await make_campaign(
        world,
        contacts,
        messages=[{"text": "Aqui está a oferta: 2 bolos por 1"}],
        reply_gate={"text": "Oi! Posso te mandar a oferta da semana?"},
    )
    assert await _run_once(world, campaign) == "waiting"
    assert sorted(_sent_to(world).values()) == ["Oi! Posso te mandar a oferta da semana?"] * 2
    # Only the answers are left: the campaign runs on, waking when the last may come.
    row = await _status(world, campaign)
    assert row["status"] == "RUNNING" and row["next_run_at"] > datetime.now(UTC) + timedelta(
        hours=71
    )
    await _drop_queue(world)
    world.native.reset()

    await world.respond(await world.say("pode sim"))
    await _run_once(world, campaign)

    assert _sent_to(world) == {"5511987654321": "Aqui está a oferta: 2 bolos por 1"}
    assert world.chat_requests() == []  # the answer to the gate is not the AI's to answer
    recipients = await _recipients(world, campaign)
    assert recipients["5511987654321"]["message_id"] is not None
    assert recipients["5511900000061"]["message_id"] is None
    assert recipients["5511900000061"]["status"] == "SENT"  # the question went out
