"""Exactly-once replies and the delivery path: kills, retries, failures, failover, echoes
that outrun our send, early acks, and a newer burst while the model thinks."""

from __future__ import annotations

import uuid

import msgspec
import pytest
from ai_harness import PHONE, World
from standins.openai_server import Reply
from standins.provider_apis import NativeStandIn

import workers.respond
from app.outbox import relay_outbox
from workers.context import CONTEXT_KEY


async def test_a_worker_killed_between_generation_and_delivery_delivers_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.configure_llm()
    world.llm.queue("chat", Reply(text="Resposta única."))
    turn = await world.say("oi")

    async def killed(*args: object) -> int:  # the commit happened; the enqueue never did
        return 0

    monkeypatch.setattr(workers.respond, "flush_outbox", killed)
    world.config = msgspec.structs.replace(world.config, deliver_inline=False)
    pool = await world.pool()
    shared = world.context()
    try:
        await workers.respond.respond_turn({CONTEXT_KEY: shared, "redis": pool}, turn)
        monkeypatch.undo()
        # The retry sees the turn answered: no second model call, the reply re-enqueued.
        await workers.respond.respond_turn({CONTEXT_KEY: shared, "redis": pool}, turn)
        # And the relay still holds the first run's outbox rows: enqueued as well.
        from datetime import timedelta

        assert await relay_outbox(world.engine, pool, grace=timedelta(0)) > 0
    finally:
        await shared.aclose()
        await pool.aclose()
    await world.work()
    assert len(world.chat_requests()) == 1
    assert world.sent_texts() == ["Resposta única."]
    assert len(await world.outbound()) == 1


async def test_a_transient_send_failure_is_retried_then_sent(world: World) -> None:
    await world.configure_llm()
    world.native.fail_next("server_error")
    await world.respond(await world.say("oi"))
    assert [r.status for r in world.native.requests] == [500, 200]
    [reply] = await world.outbound()
    assert reply["status"] == "SENT" and reply["error"] is None


async def test_a_permanent_failure_is_stored_on_the_message(world: World) -> None:
    await world.configure_llm()
    world.native.not_on_whatsapp.add(PHONE)
    await world.respond(await world.say("oi"))
    assert len(world.native.requests) == 1
    [reply] = await world.outbound()
    assert reply["status"] == "FAILED"
    assert "recipient not on WhatsApp" in reply["error"]
    assert ("message.updated", str(reply["id"])) in world.events


async def test_the_last_transient_failure_marks_the_message_failed(world: World) -> None:
    await world.configure_llm()
    world.native.fail_next("server_error", times=3)
    await world.respond(await world.say("oi"))
    assert len(world.native.requests) == 3
    [reply] = await world.outbound()
    assert reply["status"] == "FAILED" and "500" in reply["error"]


async def test_a_down_connection_fails_over_to_its_backup(world: World) -> None:
    await world.configure_llm()
    with NativeStandIn() as backup_api:
        backup = await world.client.post(
            "/api/v1/connections",
            json={"name": "reserva", "provider": "NATIVE", "config": backup_api.config},
            headers=world.org.headers,
        )
        backup_id = backup.json()["id"]
        await world.client.patch(
            f"/api/v1/connections/{world.hook.id}",
            json={"failoverConnectionId": backup_id},
            headers=world.org.headers,
        )
        await world.db.fetch(
            "UPDATE connection SET status = CASE WHEN id = $1 THEN 'FAILED' ELSE 'CONNECTED' END",
            uuid.UUID(world.hook.id),
        )
        await world.respond(await world.say("oi"))
        assert world.native.requests == []
        assert world.sent_texts(backup_api) == ["Resposta de teste do modelo."]
    [reply] = await world.outbound()
    assert reply["status"] == "SENT" and str(reply["connection_id"]) == backup_id


async def test_an_echo_and_an_ack_that_outran_the_send_are_settled(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.configure_llm()
    world.native.respond_next(200, {"providerMessageId": "nat-echoed"})
    turn = await world.say("oi")

    async def not_yet(*args: object) -> int:  # hold delivery until the echo is in
        return 0

    monkeypatch.setattr(workers.respond, "flush_outbox", not_yet)
    world.config = msgspec.structs.replace(world.config, deliver_inline=False)
    pool = await world.pool()
    shared = world.context()
    try:
        await workers.respond.respond_turn({CONTEXT_KEY: shared, "redis": pool}, turn)
        # The provider's webhook reports our send, then its read receipt, before our send
        # call returns; ingest takes the echo for a reply typed on the phone.
        await world.inbound("Resposta de teste do modelo.", from_me=True, message_id="nat-echoed")
        await world.post_event({"event": "status", "messageId": "nat-echoed", "status": "READ"})
        assert (await world.session())["ai_block_reason"] == "business_reply"
        from datetime import timedelta

        await relay_outbox(world.engine, pool, grace=timedelta(0))
    finally:
        await shared.aclose()
        await pool.aclose()
    await world.work()

    rows = await world.db.fetch(
        "SELECT author, status, provider_message_id FROM message WHERE direction = 'OUT'"
    )
    assert [tuple(r) for r in rows] == [("AI", "READ", "nat-echoed")]
    session = await world.session()
    assert session["ai_blocked_until"] is None  # our own echo does not silence the AI


async def test_an_early_ack_for_our_send_is_applied(world: World) -> None:
    await world.configure_llm()
    world.native.respond_next(200, {"providerMessageId": "nat-early"})
    turn = await world.say("oi")
    await world.post_event({"event": "status", "messageId": "nat-early", "status": "DELIVERED"})
    await world.respond(turn)
    [reply] = await world.outbound()
    assert (reply["status"], reply["provider_message_id"]) == ("DELIVERED", "nat-early")
    assert await world.db.val("SELECT count(*) FROM pending_ack") == 0


async def test_a_newer_burst_while_the_model_thinks_gets_the_only_answer(world: World) -> None:
    await world.configure_llm()
    first = await world.say("quanto custa o bolo?")
    second_id = await world.inbound("e a torta?")  # arrives while the first turn is answered
    world.llm.queue("chat", Reply(text="descartada"), Reply(text="Bolo R$ 35, torta R$ 50."))
    await world.respond(first)
    row = await world.turn_row(first)
    assert (row["status"], row["reason"]) == ("SKIPPED", "superseded")

    second = await world.turn(second_id)
    await world.respond(second)
    assert world.sent_texts() == ["Bolo R$ 35, torta R$ 50."]
    history = world.chat_requests()[-1].json["messages"]
    assert {"role": "user", "content": "quanto custa o bolo?"} in history
    assert history[-1] == {"role": "user", "content": "e a torta?"}


async def test_after_a_part_is_deferred_the_later_parts_go_through_their_queued_jobs(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.configure_llm()
    paragraphs = [f"Parte {i}: " + "texto " * 150 for i in range(3)]
    world.llm.queue("chat", Reply(text="\n\n".join(paragraphs)))
    world.native.fail_next("server_error")
    inline: list[str] = []
    deliver_now = workers.respond.deliver_now

    async def recorded(ctx: dict[str, object], message_id: str) -> str:
        inline.append(message_id)
        return await deliver_now(ctx, message_id)

    monkeypatch.setattr(workers.respond, "deliver_now", recorded)
    await world.respond(await world.say("me explica tudo"))
    # Parts 2 and 3 would only have waited behind the deferred first one.
    assert len(inline) == 1
    assert [r.status for r in world.native.requests] == [500, 200, 200, 200]
    assert [text.split(":")[0] for text in world.sent_texts()] == ["Parte 0", "Parte 1", "Parte 2"]
    assert [m["status"] for m in await world.outbound()] == ["SENT"] * 3
