"""The keyword bot end to end: webhook → turn → respond_turn (rules before the AI) →
deliver_message → the provider stand-in, with the OpenAI stand-in as the AI. Time is
the database's on turns; the menu timeout cron takes a frozen ``now``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ai_harness import World, decoded
from arq.connections import ArqRedis
from standins.openai_server import Reply

from workers.bot import bot_menu_timeouts
from workers.context import CONTEXT_KEY

OPEN_ALWAYS = {
    "timezone": "America/Sao_Paulo",
    "days": {d: [["00:00", "23:59"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
}
CLOSED_ALL_WEEK = {"timezone": "America/Sao_Paulo", "days": {}}

MENU: dict[str, Any] = {
    "type": "MENU",
    "text": "Olá {{primeiro_nome}}! Escolha:",
    "maxRetries": 2,
    "invalidText": "Não entendi.",
    "options": [
        {
            "key": "1",
            "label": "2ª via do boleto",
            "actions": [{"type": "REPLY", "text": "Boleto: https://isp.example/b"}],
        },
        {
            "key": "2",
            "label": "Suporte técnico",
            "actions": [
                {
                    "type": "MENU",
                    "text": "Qual problema?",
                    "options": [
                        {
                            "key": "1",
                            "label": "Sem internet",
                            "actions": [{"type": "REPLY", "text": "Reinicie o roteador."}],
                        },
                        {
                            "key": "2",
                            "label": "Lentidão",
                            "actions": [{"type": "REPLY", "text": "Vamos medir a velocidade."}],
                        },
                    ],
                }
            ],
        },
    ],
}


async def rule(world: World, **body: Any) -> dict[str, Any]:
    body.setdefault("name", "regra")
    body.setdefault("match", {"kind": "ANY"})
    response = await world.client.post("/api/v1/bot-rules", json=body, headers=world.org.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def hours(world: World, value: dict[str, Any], **extra: Any) -> None:
    response = await world.client.patch(
        f"/api/v1/connections/{world.hook.id}",
        json={"businessHours": value, **extra},
        headers=world.org.headers,
    )
    assert response.status_code == 200, response.text


async def turn(world: World, text: str, *, pace: float = 5.0, **kw: Any) -> Any:
    """One customer message as a turn, answered. Our messages are dated ``pace`` seconds
    before the customer's answer (a person's pace; the loop guard counts answers that
    come within a second of ours)."""
    message_id = await world.inbound(text, **kw)
    await world.db.fetch(
        "UPDATE message o SET sent_at = i.created_at - make_interval(secs => $2)"
        " FROM message i WHERE i.provider_message_id = $1 AND o.session_id = i.session_id"
        " AND o.direction = 'OUT' AND o.sent_at IS NOT NULL",
        message_id,
        pace,
    )
    turn_id = await world.turn(message_id, **kw)
    await world.respond(turn_id)
    return await world.turn_row(turn_id)


async def test_a_rule_answers_and_the_ai_is_not_asked(world: World) -> None:
    await world.configure_llm()
    await rule(
        world,
        match={"kind": "CONTAINS", "value": "segunda via"},
        actions=[{"type": "REPLY", "text": "{{Saudacao}}, {{primeiro_nome}}! Segue o boleto."}],
    )
    row = await turn(world, "Quero a SEGUNDA VIA, por favor")
    assert (row["status"], row["reason"]) == ("ANSWERED", "bot_rule")
    assert world.chat_requests() == []
    [sent] = world.sent_texts()
    assert sent.endswith(", Maria! Segue o boleto.") and "{{" not in sent
    [reply] = await world.outbound()
    assert (reply["author"], reply["status"]) == ("SYSTEM", "SENT")


async def test_a_reply_with_media_goes_out_as_a_media_message(world: World) -> None:
    url = "https://isp.example/boleto.pdf"
    media = {"url": url, "type": "document", "mimeType": "application/pdf", "name": "boleto.pdf"}
    await rule(
        world,
        match={"kind": "EQUALS", "value": "boleto"},
        actions=[{"type": "REPLY", "text": "Segue o boleto.", "media": media}],
    )
    await turn(world, "Boleto")
    [reply] = await world.outbound()
    assert reply["type"] == "MEDIA" and decoded(reply["content"])["media"]["url"] == url
    [sent] = [r.json for r in world.native.requests if r.status == 200]
    assert sent["type"] == "document" and sent["text"] == "Segue o boleto."
    assert sent["media"]["url"] == url


async def test_hand_to_ai_lets_the_ai_answer_alone_and_applies_the_tabulation(
    world: World,
) -> None:
    await world.configure_llm()
    made = await world.client.post(
        "/api/v1/tabulations", json={"name": "Dúvida"}, headers=world.org.headers
    )
    tab = made.json()["id"]
    await rule(
        world,
        match={"kind": "STARTS_WITH", "value": "duvida"},
        actions=[{"type": "TABULATE", "tabulationId": tab}, {"type": "HAND_TO_AI"}],
    )
    world.llm.queue("chat", Reply(text="Claro, qual a dúvida?"))
    row = await turn(world, "Dúvida: vocês atendem no sábado?")
    assert (row["status"], row["reason"]) == ("ANSWERED", None)
    assert len(world.chat_requests()) == 1
    assert world.sent_texts() == ["Claro, qual a dúvida?"]  # one answer: the AI's
    session = await world.session()
    tabs = await world.db.fetch(
        "SELECT tabulation_id FROM session_tabulation WHERE session_id = $1", session["id"]
    )
    assert [str(t["tabulation_id"]) for t in tabs] == [tab]


async def test_menu_key_label_sub_menu_and_retries_then_handoff(world: World) -> None:
    await world.configure_llm()
    await rule(world, actions=[MENU])
    await turn(world, "oi")
    assert world.sent_texts()[-1] == (
        "Olá Maria! Escolha:\n\n1 - 2ª via do boleto\n2 - Suporte técnico"
    )
    await turn(world, "suporte TÉCNICO")  # the label, case and accents ignored
    assert world.sent_texts()[-1].startswith("Qual problema?")
    row = await turn(world, "1")  # the sub-menu's key
    assert row["reason"] == "bot_rule"
    assert world.sent_texts()[-1] == "Reinicie o roteador."
    assert world.chat_requests() == []

    # The menu is done: the next message starts the rule again; two wrong answers
    # (maxRetries 2) hand off with bot_retry_limit.
    await turn(world, "olá de novo")
    await turn(world, "banana")
    assert world.sent_texts()[-2:] == [
        "Não entendi.",
        "Olá Maria! Escolha:\n\n1 - 2ª via do boleto\n2 - Suporte técnico",
    ]
    await turn(world, "laranja")
    session = await world.session()
    assert session["status"] == "QUEUED"
    assert session["status_reason"] == "handoff: bot_retry_limit"
    assert world.sent_texts()[-1].startswith("Vou transferir")
    assert session["ai_blocked_until"] is not None
    # Handed off: nothing automatic any more (the AI block is on).
    row = await turn(world, "oi?")
    assert row["reason"] == "ai_blocked" and world.chat_requests() == []


async def test_a_menu_times_out_with_its_own_action_from_postgresql(world: World) -> None:
    menu = {
        **MENU,
        "timeoutMinutes": 10,
        "timeoutActions": [
            {"type": "REPLY", "text": "Encerramos por falta de resposta."},
            {"type": "CLOSE", "endReason": "bot_timeout"},
        ],
    }
    await rule(world, actions=[menu])
    await turn(world, "oi")
    session = await world.session()
    state = (await world.db.fetch("SELECT * FROM bot_state WHERE session_id = $1", session["id"]))[
        0
    ]
    deadline = state["menu_deadline"]
    assert deadline is not None
    pool: ArqRedis = await world.pool()
    ctx = {CONTEXT_KEY: world.context(), "redis": pool}
    try:
        assert await bot_menu_timeouts(ctx, now=deadline - timedelta(seconds=1)) == 0
        assert await bot_menu_timeouts(ctx, now=deadline + timedelta(seconds=1)) == 1
        assert await bot_menu_timeouts(ctx, now=deadline + timedelta(seconds=2)) == 0
    finally:
        await ctx[CONTEXT_KEY].aclose()  # type: ignore[attr-defined]
        await pool.aclose()
    await world.work()
    assert world.sent_texts()[-1] == "Encerramos por falta de resposta."
    closed = await world.session()
    assert (closed["status"], closed["end_reason"]) == ("CLOSED", "bot_timeout")


async def test_no_rule_or_notice_while_an_agent_holds_the_session(world: World) -> None:
    await rule(world, actions=[{"type": "REPLY", "text": "Olá! Sou o robô."}])
    await hours(world, CLOSED_ALL_WEEK, outOfHoursMessage="Fechados.")
    await world.inbound("oi")
    session = await world.session()
    agent = await world.client.post(
        "/api/v1/users",
        json={"email": "ana@bot.example", "password": "senha-forte-123", "role": "AGENT"},
        headers=world.org.headers,
    )
    assigned = await world.client.post(
        f"/api/v1/sessions/{session['id']}/assign",
        json={"agentId": agent.json()["id"]},
        headers=world.org.headers,
    )
    assert assigned.status_code == 200, assigned.text
    await world.configure_llm()
    row = await turn(world, "tem alguém aí?")
    assert row["reason"] == "out_of_hours"
    assert world.sent_texts() == [] and world.chat_requests() == []


async def test_no_rule_after_a_human_replied_within_the_block(world: World) -> None:
    await rule(world, actions=[{"type": "REPLY", "text": "Olá! Sou o robô."}])
    await world.inbound("oi")
    await world.inbound("Oi Maria, é a Ana.", from_me=True)  # typed on the phone
    row = await turn(world, "ah, oi Ana")
    assert row["reason"] == "ai_blocked" and world.sent_texts() == []


async def test_a_rule_in_its_cooldown_is_passed_over(world: World) -> None:
    made = await rule(
        world,
        cooldownMinutes=60,
        actions=[{"type": "REPLY", "text": "Bem-vindo à Padaria!"}],
    )
    await turn(world, "oi")
    row = await turn(world, "oi de novo")
    assert row["reason"] == "ai_not_configured"  # no second greeting within the hour
    assert world.sent_texts() == ["Bem-vindo à Padaria!"]
    session = await world.session()
    await world.db.fetch(
        "UPDATE bot_state SET fired = jsonb_build_object($2::text,"
        " (now() - interval '61 minutes')::text) WHERE session_id = $1",
        session["id"],
        made["id"],
    )
    await turn(world, "bom dia")
    assert world.sent_texts() == ["Bem-vindo à Padaria!", "Bem-vindo à Padaria!"]


async def test_the_loop_guard_pauses_the_bot_for_that_chat(world: World) -> None:
    await rule(world, actions=[{"type": "REPLY", "text": "Olá! Digite 1 para boletos."}])
    for _ in range(3):
        await turn(world, "Mensagem automática: recebemos seu contato.")
    row = await turn(world, "Mensagem automática: recebemos seu contato.")
    assert row["reason"] == "bot_loop_guard"
    assert len(world.sent_texts()) == 3
    session = await world.session()
    [state] = await world.db.fetch(
        "SELECT paused_reason, paused_at FROM bot_state WHERE session_id = $1", session["id"]
    )
    assert state["paused_reason"] == "loop_guard" and state["paused_at"] is not None
    assert session["status"] == "QUEUED"  # waits for a human
    row = await turn(world, "1")
    assert row["reason"] == "bot_paused" and len(world.sent_texts()) == 3


async def test_answers_within_a_second_of_ours_pause_the_bot(world: World) -> None:
    await rule(world, actions=[{"type": "REPLY", "text": "Olá! Digite 1 para boletos."}])
    reasons = [
        (await turn(world, f"Resposta automática {i}", pace=0.2))["reason"] for i in range(6)
    ]
    # The first has no message of ours before it; five quick answers trip the guard.
    assert reasons == ["bot_rule"] * 5 + ["bot_loop_guard"]


async def test_a_department_rule_fires_only_there_and_a_connection_rule_only_there(
    world: World,
) -> None:
    made = await world.client.post(
        "/api/v1/departments", json={"name": "Financeiro"}, headers=world.org.headers
    )
    department = made.json()["id"]
    await rule(
        world,
        name="financeiro",
        departmentId=department,
        match={"kind": "CONTAINS", "value": "boleto"},
        actions=[{"type": "REPLY", "text": "Financeiro: boleto enviado."}],
    )
    other = await world.connection()
    await rule(
        world,
        name="só na outra",
        connectionId=other.id,
        match={"kind": "CONTAINS", "value": "pix"},
        actions=[{"type": "REPLY", "text": "Chave pix da filial."}],
    )
    row = await turn(world, "meu boleto")
    assert row["reason"] == "ai_not_configured"  # no department yet
    row = await turn(world, "e o pix?")
    assert row["reason"] == "ai_not_configured"  # another connection's rule
    session = await world.session()
    await world.client.post(
        f"/api/v1/sessions/{session['id']}/assign",
        json={"departmentId": department, "autoAssign": False},
        headers=world.org.headers,
    )
    row = await turn(world, "meu boleto")
    assert row["reason"] == "bot_rule"
    assert world.sent_texts() == ["Financeiro: boleto enviado."]
    row = await turn(world, "e o pix?", hook=other)
    assert row["reason"] == "bot_rule"
    assert world.sent_texts()[-1] == "Chave pix da filial."


async def test_out_of_hours_either_the_notice_or_the_closed_hours_rule(world: World) -> None:
    await world.configure_llm()
    await hours(world, CLOSED_ALL_WEEK, outOfHoursMessage="Estamos fechados.")
    await rule(
        world,
        name="aberto",
        when={"openHours": True},
        actions=[{"type": "REPLY", "text": "Atendimento aberto!"}],
    )
    await turn(world, "oi")
    await turn(world, "oi?")
    assert world.sent_texts() == ["Estamos fechados."]  # once per session, no rule

    await rule(
        world,
        name="fechado",
        match={"kind": "CONTAINS", "value": "boleto"},
        when={"openHours": False},
        actions=[{"type": "REPLY", "text": "Fora do horário: boleto em https://isp.example/b"}],
    )
    row = await turn(world, "preciso do boleto")
    assert row["reason"] == "bot_rule"
    assert world.sent_texts() == [
        "Estamos fechados.",
        "Fora do horário: boleto em https://isp.example/b",
    ]
    assert world.chat_requests() == []


async def test_the_closed_hours_rule_replaces_the_first_notice(world: World) -> None:
    await world.configure_llm()
    await hours(world, CLOSED_ALL_WEEK, outOfHoursMessage="Estamos fechados.")
    await rule(
        world,
        when={"openHours": False},
        actions=[{"type": "REPLY", "text": "Voltamos {{proxima_abertura}}."}],
    )
    row = await turn(world, "oi")
    assert row["reason"] == "bot_rule" and world.sent_texts() == ["Voltamos ."]
    await hours(world, OPEN_ALWAYS)
    world.llm.queue("chat", Reply(text="Oi! Em que posso ajudar?"))
    row = await turn(world, "oi de novo")
    assert row["status"] == "ANSWERED" and row["reason"] is None  # open: the AI


async def test_a_catastrophic_regex_does_not_hang_the_turn(world: World) -> None:
    await rule(
        world,
        match={"kind": "REGEX", "value": "^(a|a)*$"},
        actions=[{"type": "REPLY", "text": "casou"}],
    )
    await rule(world, name="depois", actions=[{"type": "REPLY", "text": "a próxima regra"}])
    row = await turn(world, "a" * 40 + "!")
    assert row["reason"] == "bot_rule"
    assert world.sent_texts() == ["a próxima regra"]  # the regex counted as no match


async def test_handoff_keywords_still_hand_off_before_any_rule(world: World) -> None:
    await world.configure_llm()
    await rule(world, actions=[{"type": "REPLY", "text": "Olá! Sou o robô."}])
    row = await turn(world, "quero falar com um atendente")
    assert row["reason"] == "handoff_keyword"
    assert world.sent_texts()[0].startswith("Vou transferir")
