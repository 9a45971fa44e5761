"""The whole inbound path with nothing stubbed but the outside services: a burst of
customer messages through the native webhook → outbox → merge_burst/fire_turn →
respond_turn (the OpenAI stand-in through the openai SDK) → deliver_message (the native
send-API stand-in), run by a real arq worker with the registry of workers.settings."""

from __future__ import annotations

from ai_harness import World, run_platform_worker
from standins.openai_server import Reply


async def test_a_burst_of_three_gets_one_answer(world: World) -> None:
    await world.configure_llm()
    world.llm.queue("chat", Reply(text="Temos sim! Pão de queijo quentinho até as 18h."))
    for text in ("oi", "tudo bem?", "vocês têm pão de queijo?"):
        await world.inbound(text)
    await world.db.outbox_drained()
    await run_platform_worker(world.settings)

    [chat] = world.chat_requests()
    prompt = str(chat.json["messages"])
    assert "oi" in prompt and "tudo bem?" in prompt and "vocês têm pão de queijo?" in prompt
    assert world.sent_texts() == ["Temos sim! Pão de queijo quentinho até as 18h."]
    turns = await world.db.fetch("SELECT status, array_length(message_ids, 1) AS n FROM turn")
    assert [(t["status"], t["n"]) for t in turns] == [("ANSWERED", 3)]
    [reply] = await world.outbound()
    assert (reply["author"], reply["status"]) == ("AI", "SENT")
    assert reply["provider_message_id"]


async def test_an_agent_reply_keeps_the_ai_silent(world: World) -> None:
    await world.configure_llm()
    await world.inbound("quero falar com alguém")
    session = await world.session()
    response = await world.client.post(
        "/api/v1/messages",
        json={
            "sessionId": str(session["id"]),
            "type": "TEXT",
            "author": "AGENT",
            "content": {"text": "Oi, aqui é a Ana!"},
        },
        headers=world.org.headers,
    )
    assert response.status_code == 201, response.text
    await world.inbound("obrigada Ana")
    await world.db.outbox_drained()
    await run_platform_worker(world.settings)
    assert world.chat_requests() == []
    assert world.sent_texts() == ["Oi, aqui é a Ana!"]
