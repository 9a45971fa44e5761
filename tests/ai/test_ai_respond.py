"""The AI responder end to end: webhook → turn → respond_turn → deliver_message → the
provider stand-in, with the real openai SDK against the OpenAI stand-in."""

from __future__ import annotations

import uuid

from ai_harness import World
from standins.openai_server import Reply, ToolCall


async def test_a_burst_of_three_is_one_model_call_and_one_delivered_answer(world: World) -> None:
    await world.configure_llm()
    world.llm.queue("chat", Reply(text="Temos sim! O bolo de cenoura custa R$ 35,00."))
    turn = await world.say("oi", "vocês têm bolo de cenoura?", "quanto custa?")

    await world.respond(turn)

    calls = world.chat_requests()
    assert len(calls) == 1
    prompt = calls[0].json["messages"]
    assert prompt[0]["role"] == "system"
    assert "Maria Souza" in prompt[0]["content"]
    assert prompt[-1] == {
        "role": "user",
        "content": "oi\nvocês têm bolo de cenoura?\nquanto custa?",
    }
    assert {t["function"]["name"] for t in calls[0].json["tools"]} >= {
        "handoff_to_human",
        "close_session",
    }
    assert world.sent_texts() == ["Temos sim! O bolo de cenoura custa R$ 35,00."]
    [reply] = await world.outbound()
    assert (reply["author"], reply["status"]) == ("AI", "SENT")
    assert reply["provider_message_id"].startswith("nat-") and reply["sent_at"] is not None
    assert (await world.turn_row(turn))["status"] == "ANSWERED"
    assert ("message.updated", str(reply["id"])) in world.events
    assert (await world.session())["first_response_at"] is not None


async def test_a_long_answer_goes_out_in_paragraph_parts_in_order(world: World) -> None:
    await world.configure_llm()
    paragraphs = [f"Parágrafo {i}: " + "texto " * 150 for i in range(3)]
    world.llm.queue("chat", Reply(text="\n\n".join(paragraphs)))
    await world.respond(await world.say("me explica tudo"))
    sent = world.sent_texts()
    assert len(sent) == 3 and all(len(part) <= 1000 for part in sent)
    assert [part.split(":")[0] for part in sent] == ["Parágrafo 0", "Parágrafo 1", "Parágrafo 2"]


async def test_a_human_reply_silences_the_ai_until_the_block_ends(world: World) -> None:
    await world.configure_llm()
    await world.inbound("oi")
    await world.inbound("Oi Maria, aqui é a Ana da loja.", from_me=True)  # typed on the phone
    session = await world.session()
    assert session["ai_block_reason"] == "business_reply"

    blocked = await world.say("qual o horário de vocês?")
    await world.respond(blocked)
    assert world.chat_requests() == []
    assert (await world.turn_row(blocked))["reason"] == "ai_blocked"

    await world.db.fetch(
        "UPDATE session SET ai_blocked_until = now() - interval '1 second' WHERE id = $1",
        session["id"],
    )
    world.llm.queue("chat", Reply(text="Abrimos às 8h."))
    answered = await world.say("e amanhã?")
    await world.respond(answered)
    assert world.sent_texts() == ["Abrimos às 8h."]
    assert (await world.turn_row(answered))["status"] == "ANSWERED"


async def test_the_unblock_event_is_emitted_once_per_block(world: World) -> None:
    await world.inbound("oi")
    await world.inbound("Já te respondo", from_me=True)
    session = await world.session()
    await world.db.fetch(
        "UPDATE session SET ai_blocked_until = now() - interval '1 second' WHERE id = $1",
        session["id"],
    )
    await world.run(("emit_ai_unblocked",), ("emit_ai_unblocked",), cron=True)
    await world.run(("emit_ai_unblocked",), cron=True)
    unblocked = [e for e in world.events if e[0] == "session.ai_unblocked"]
    assert unblocked == [("session.ai_unblocked", str(session["id"]))]


async def test_bypass_bots_contact_and_closed_session_get_no_ai(world: World) -> None:
    await world.configure_llm()
    bypass = await world.say("oi")
    session = await world.session()
    await world.db.fetch(
        "UPDATE contact SET bypass_bots = true WHERE id = $1", session["contact_id"]
    )
    await world.respond(bypass)
    assert (await world.turn_row(bypass))["reason"] == "bypass_bots"
    # No bot will answer this contact: the conversation waits for a human.
    assert (await world.session())["status"] == "QUEUED"

    await world.db.fetch("UPDATE contact SET bypass_bots = false")
    await world.db.fetch("UPDATE session SET status = 'CLOSED' WHERE id = $1", session["id"])
    row = await world.db.val(
        """INSERT INTO turn (organization_id, session_id, status, message_ids, merged_text,
               first_message_at, last_message_at, deadline_at, fired_at, burst_key, lateness_ms)
           VALUES ($1, $2, 'READY', '{}', 'ainda aí?', now(), now(), now(), now(),
                   gen_random_uuid()::text, 0) RETURNING id""",
        session["organization_id"],
        session["id"],
    )
    await world.respond(str(row))
    assert (await world.turn_row(str(row)))["reason"] == "session_closed"
    assert world.chat_requests() == [] and world.native.requests == []


async def test_without_an_endpoint_the_turn_is_skipped_and_nothing_is_sent(world: World) -> None:
    turn = await world.say("oi")
    await world.respond(turn)
    row = await world.turn_row(turn)
    assert (row["status"], row["reason"]) == ("SKIPPED", "ai_not_configured")
    assert world.native.requests == []
    session = await world.session()
    assert (session["status"], session["status_reason"]) == (
        "QUEUED",
        "for humans: ai_not_configured",
    )


async def test_a_conversation_an_agent_holds_stays_theirs_without_an_endpoint(
    world: World,
) -> None:
    await world.inbound("oi")
    session = await world.session()
    admin = world.org.admin_id
    await world.db.fetch(
        "UPDATE session SET assigned_agent_id = $1 WHERE id = $2", _uuid(admin), session["id"]
    )
    turn = await world.say("tudo bem?")
    await world.respond(turn)
    assert (await world.session())["status"] == "ACTIVE"


async def test_handoff_by_tool_queues_assigns_blocks_and_tells_the_customer(world: World) -> None:
    await world.configure_llm()
    response = await world.client.post(
        "/api/v1/departments", json={"name": "Financeiro"}, headers=world.org.headers
    )
    assert response.status_code == 201, response.text
    world.llm.queue(
        "chat",
        Reply(
            tool_calls=(
                ToolCall("handoff_to_human", {"department": "financeiro", "reason": "boleto"}),
            )
        ),
    )
    turn = await world.say("meu boleto veio errado")
    await world.respond(turn)

    session = await world.session()
    assert session["status"] == "QUEUED"
    assert str(session["assigned_department_id"]) == response.json()["id"]
    assert session["ai_block_reason"] == "handoff"
    [notice] = await world.outbound()
    assert notice["author"] == "SYSTEM" and notice["status"] == "SENT"
    assert world.sent_texts()[0].startswith("Vou transferir você para um atendente")
    assert (await world.turn_row(turn))["tool_calls"] == ["handoff_to_human"]


async def test_a_handoff_keyword_hands_off_without_asking_the_model(world: World) -> None:
    await world.configure_llm()
    turn = await world.say("Quero falar com um ATENDÊNTE, por favor")
    await world.respond(turn)
    assert world.chat_requests() == []
    row = await world.turn_row(turn)
    assert (row["status"], row["reason"]) == ("SKIPPED", "handoff_keyword")
    session = await world.session()
    assert session["status"] == "QUEUED" and session["assigned_department_id"] is None
    assert world.sent_texts()[0].startswith("Vou transferir")


async def test_out_of_hours_notice_goes_once_per_session(world: World) -> None:
    await world.configure_llm()
    closed_all_week = {"timezone": "America/Sao_Paulo", "days": {}}
    response = await world.client.patch(
        f"/api/v1/connections/{world.hook.id}",
        json={"businessHours": closed_all_week, "outOfHoursMessage": "Estamos fechados agora."},
        headers=world.org.headers,
    )
    assert response.status_code == 200, response.text
    first, second = await world.say("oi"), None
    await world.respond(first)
    second = await world.say("alguém aí?")
    await world.respond(second)
    assert world.sent_texts() == ["Estamos fechados agora."]
    assert world.chat_requests() == []
    assert (await world.turn_row(second))["reason"] == "out_of_hours"
    [notice] = await world.outbound()
    assert notice["author"] == "SYSTEM"


async def test_llm_down_hands_off_with_a_system_message(world: World) -> None:
    await world.configure_llm()
    world.llm.queue("chat", *[Reply.failure(500)] * 3)
    turn = await world.say("oi")
    await world.respond(turn)
    assert len(world.chat_requests()) == 3
    row = await world.turn_row(turn)
    assert (row["status"], row["reason"], row["attempts"]) == ("FAILED", "llm_unavailable", 3)
    assert (await world.session())["status"] == "QUEUED"
    [notice] = await world.outbound()
    assert notice["author"] == "SYSTEM" and notice["status"] == "SENT"
    assert "atendente" in world.sent_texts()[0]


async def test_malformed_tool_arguments_are_retried(world: World) -> None:
    await world.configure_llm()
    world.llm.queue(
        "chat",
        Reply(tool_calls=(ToolCall("handoff_to_human", "{not json"),)),
        Reply(text=""),
        Reply(text="Tudo certo!"),
    )
    turn = await world.say("oi")
    await world.respond(turn)
    row = await world.turn_row(turn)
    assert (row["status"], row["attempts"]) == ("ANSWERED", 3)
    assert world.sent_texts() == ["Tudo certo!"]


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)
