"""The whole inbound path with nothing stubbed but the outside services: a burst of
customer messages through the native webhook → outbox → merge_burst/fire_turn →
respond_turn (the OpenAI stand-in through the openai SDK) → deliver_message (the native
send-API stand-in), run by a real arq worker with the registry of workers.settings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from ai_harness import World, run_platform_worker
from standins.openai_server import OpenAIStandin, Reply
from standins.provider_apis import NativeStandIn
from support.orgs import Org
from support.webhooks import Client, Db, make_connection

from app.config import Settings
from app.db.engine import make_engine


@pytest.fixture(scope="module")
def native_api() -> Iterator[NativeStandIn]:
    with NativeStandIn() as standin:
        yield standin


@pytest.fixture(scope="module")
def llm_api() -> Iterator[OpenAIStandin]:
    with OpenAIStandin() as standin:
        yield standin


@pytest.fixture
async def world(
    client: Client, org: Org, settings: Settings, native_api: NativeStandIn, llm_api: OpenAIStandin
) -> AsyncIterator[World]:
    native_api.reset()
    llm_api.reset()
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=5)
    hook = await make_connection(client, org, "native", native_api.config)
    try:
        yield World(
            client=client,
            org=org,
            settings=settings,
            engine=engine,
            native=native_api,
            llm=llm_api,
            hook=hook,
            db=Db(settings.database_url),
        )
    finally:
        await engine.dispose()


async def _outbox_drained(db: Db) -> None:
    """The api enqueues a request's jobs just after answering it; wait for that."""
    for _ in range(500):
        if not await db.val("SELECT count(*) FROM outbox"):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the outbox was not flushed")


async def test_a_burst_of_three_gets_one_answer(world: World) -> None:
    await world.configure_llm()
    world.llm.queue("chat", Reply(text="Temos sim! Pão de queijo quentinho até as 18h."))
    for text in ("oi", "tudo bem?", "vocês têm pão de queijo?"):
        await world.inbound(text)
    await _outbox_drained(world.db)
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
    await _outbox_drained(world.db)
    await run_platform_worker(world.settings)
    assert world.chat_requests() == []
    assert world.sent_texts() == ["Oi, aqui é a Ana!"]
