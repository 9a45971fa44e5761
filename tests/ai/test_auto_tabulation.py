"""Automatic tabulations through a real worker: a tabulation tied to an outcome
(``autoTrigger``) is applied to the session when the responder records that outcome,
within its department scope; the AI's own add_tabulation stays within scope too."""

from __future__ import annotations

from typing import Any

from ai_harness import PHONE, World
from campaign_kit import make_campaign, make_contacts, send_campaign
from standins.openai_server import Reply, ToolCall


async def _tabulation(world: World, name: str, **extra: Any) -> dict[str, Any]:
    response = await world.client.post(
        "/api/v1/tabulations", json={"name": name, **extra}, headers=world.org.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _department(world: World, name: str) -> str:
    response = await world.client.post(
        "/api/v1/departments", json={"name": name}, headers=world.org.headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _session_tabulations(world: World) -> set[str]:
    session = await world.session()
    rows = await world.db.fetch(
        "SELECT t.name FROM session_tabulation st JOIN tabulation t ON t.id = st.tabulation_id"
        " WHERE st.session_id = $1",
        session["id"],
    )
    return {r["name"] for r in rows}


async def test_a_handoff_applies_the_tabulations_tied_to_it_in_the_new_department(
    world: World,
) -> None:
    await world.configure_llm()
    finance = await _department(world, "Financeiro")
    support = await _department(world, "Suporte")
    await _tabulation(world, "Transferido", autoTabulation=True, autoTrigger="AI_HANDOFF")
    await _tabulation(
        world, "Boleto", autoTabulation=True, autoTrigger="AI_HANDOFF", departmentId=finance
    )
    await _tabulation(
        world,
        "Suporte técnico",
        autoTabulation=True,
        autoTrigger="AI_HANDOFF",
        departmentId=support,
    )
    await _tabulation(world, "Encerrado pela IA", autoTabulation=True, autoTrigger="AI_CLOSED")
    world.llm.queue(
        "chat",
        Reply(tool_calls=(ToolCall("handoff_to_human", {"department": "financeiro"}),)),
    )
    turn = await world.say("meu boleto veio errado")
    await world.respond(turn)

    assert (await world.session())["status"] == "QUEUED"
    # Its department's and the unscoped one; not support's, not the close's.
    assert await _session_tabulations(world) == {"Transferido", "Boleto"}


async def test_a_close_by_the_ai_applies_its_tabulation(world: World) -> None:
    await world.configure_llm()
    await _tabulation(world, "Resolvido pela IA", autoTabulation=True, autoTrigger="AI_CLOSED")
    await _tabulation(world, "Transferido", autoTabulation=True, autoTrigger="AI_HANDOFF")
    await _tabulation(world, "Manual")
    world.llm.queue(
        "chat",
        Reply(
            text="Por nada, até logo!",
            tool_calls=(ToolCall("close_session", {"end_reason": "resolvido"}),),
        ),
    )
    turn = await world.say("era só isso, obrigado")
    await world.respond(turn)

    session = await world.session()
    assert (session["status"], session["end_reason"]) == ("CLOSED", "resolvido")
    assert await _session_tabulations(world) == {"Resolvido pela IA"}


async def test_out_of_hours_applies_its_tabulation_once(world: World) -> None:
    await world.configure_llm()
    await _tabulation(world, "Fora do horário", autoTabulation=True, autoTrigger="OUT_OF_HOURS")
    closed_all_week = {"timezone": "America/Sao_Paulo", "days": {}}
    response = await world.client.patch(
        f"/api/v1/connections/{world.hook.id}",
        json={"businessHours": closed_all_week, "outOfHoursMessage": "Estamos fechados."},
        headers=world.org.headers,
    )
    assert response.status_code == 200, response.text
    await world.respond(await world.say("oi"))
    await world.respond(await world.say("alguém?"))

    assert await _session_tabulations(world) == {"Fora do horário"}
    assert world.sent_texts() == ["Estamos fechados."]


async def test_the_ai_tabulates_only_within_the_sessions_department(world: World) -> None:
    await world.configure_llm()
    finance = await _department(world, "Financeiro")
    await _tabulation(world, "Boleto", departmentId=finance)
    await _tabulation(world, "Dúvida")
    world.llm.queue(
        "chat",
        Reply(
            text="Posso ajudar!",
            tool_calls=(
                ToolCall("add_tabulation", {"name": "Dúvida"}),
                ToolCall("add_tabulation", {"name": "Boleto"}),
            ),
        ),
    )
    turn = await world.say("tenho uma dúvida")
    await world.respond(turn)

    # The session has no department: the prompt's list leaves Boleto out, and a model
    # naming it anyway does not tag the session with it.
    [request] = world.chat_requests()
    tools = {t["function"]["name"]: t for t in request.json["tools"]}
    offered = tools["add_tabulation"]["function"]["parameters"]["properties"]["name"]["enum"]
    assert offered == ["Dúvida"]
    assert await _session_tabulations(world) == {"Dúvida"}


async def test_an_opt_out_word_applies_its_tabulation(world: World) -> None:
    await world.configure_llm()
    await _tabulation(world, "Descadastro", autoTabulation=True, autoTrigger="OPTED_OUT")
    await world.respond(await world.say("SAIR"))
    assert await _session_tabulations(world) == {"Descadastro"}
    assert world.chat_requests() == []


async def test_a_reply_to_a_campaign_applies_its_tabulation(world: World) -> None:
    await world.configure_llm()
    await _tabulation(
        world, "Respondeu campanha", autoTabulation=True, autoTrigger="CAMPAIGN_REPLY"
    )
    contacts = await make_contacts(world, [{"phone": PHONE, "name": "Maria"}])
    campaign = await make_campaign(world, contacts, messages=[{"text": "Bolo em dobro!"}])
    await send_campaign(world, campaign)
    assert await _session_tabulations(world) == set()  # sending is not a reply

    world.llm.queue("chat", Reply(text="Vale até domingo!"))
    await world.respond(await world.say("até quando vale?"))
    assert await _session_tabulations(world) == {"Respondeu campanha"}
