"""AI settings (write-only key, live test that names the failure) and the knowledge base
(upload, list, delete, Portuguese full-text search recorded on the turn)."""

from __future__ import annotations

import socket

from ai_harness import World
from standins.openai_server import Reply


async def test_settings_say_plainly_when_the_ai_is_not_configured(world: World) -> None:
    headers = world.org.headers
    body = (await world.client.get("/api/v1/ai/settings", headers=headers)).json()
    assert body["configured"] is False and body["source"] is None
    test = (await world.client.post("/api/v1/ai/settings/test", headers=headers)).json()
    assert (test["ok"], test["code"]) == (False, "not_configured")

    await world.configure_llm()
    body = (await world.client.get("/api/v1/ai/settings", headers=headers)).json()
    assert body["configured"] is True and body["source"] == "organization"
    assert body["apiKeySet"] is True and "apiKey" not in body
    assert "sk-test" not in str(body)


async def test_provider_defaults_and_validation(world: World) -> None:
    headers = world.org.headers
    put = await world.client.put(
        "/api/v1/ai/settings", json={"provider": "GROQ", "apiKey": "gsk"}, headers=headers
    )
    assert put.status_code == 200
    assert put.json()["baseUrl"] == "https://api.groq.com/openai/v1"
    assert put.json()["chatModel"]
    bad = await world.client.put(
        "/api/v1/ai/settings", json={"provider": "CUSTOM"}, headers=headers
    )
    assert bad.status_code == 422 and bad.json()["extra"]["field"] == "baseUrl"


async def test_the_live_test_names_what_failed(world: World) -> None:
    headers = world.org.headers
    await world.configure_llm()
    ok = (await world.client.post("/api/v1/ai/settings/test", headers=headers)).json()
    assert (ok["ok"], ok["code"]) == (True, "ok") and "standin-chat" in ok["models"]
    assert world.llm.last("chat").headers["authorization"] == "Bearer sk-test"

    wrong_model = {"provider": "CUSTOM", "baseUrl": world.llm.base_url, "chatModel": "gpt-9"}
    found = (
        await world.client.post("/api/v1/ai/settings/test", json=wrong_model, headers=headers)
    ).json()
    assert found["code"] == "model_not_found" and "gpt-9" in found["detail"]

    world.llm.queue("models", Reply.failure(401, "invalid key"))
    refused = (await world.client.post("/api/v1/ai/settings/test", headers=headers)).json()
    assert (refused["code"], refused["stage"]) == ("unauthorized", "models")

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    nowhere = {"provider": "CUSTOM", "baseUrl": f"http://127.0.0.1:{port}/v1", "chatModel": "x"}
    down = (
        await world.client.post("/api/v1/ai/settings/test", json=nowhere, headers=headers)
    ).json()
    assert down["code"] == "unreachable"


async def test_knowledge_upload_list_delete_and_snippets_on_the_turn(world: World) -> None:
    headers = world.org.headers
    text = (
        "Horário de funcionamento: abrimos de segunda a sábado, das 8h às 18h.\n\n"
        "Entregas: fazemos entregas em toda a cidade; a taxa de entrega é de R$ 8,00 "
        "e o prazo de entrega é de até 2 horas."
    )
    files = {"file": ("faq.txt", text.encode(), "text/plain")}
    uploaded = await world.client.post(
        "/api/v1/knowledge", files=files, data={"title": "Perguntas frequentes"}, headers=headers
    )
    assert uploaded.status_code == 201, uploaded.text
    document = uploaded.json()
    assert document["title"] == "Perguntas frequentes" and document["chunks"] >= 1
    listed = (await world.client.get("/api/v1/knowledge", headers=headers)).json()
    assert [d["id"] for d in listed["data"]] == [document["id"]]
    refused = await world.client.post(
        "/api/v1/knowledge",
        files={"file": ("x.bin", b"\x00\x01", "application/octet-stream")},
        headers=headers,
    )
    assert refused.status_code == 422 and refused.json()["code"] == "unsupported_document"

    await world.configure_llm()
    turn = await world.say("Qual é a taxa de entrega de vocês?")
    await world.respond(turn)
    knowledge = (await world.turn_row(turn))["knowledge"]
    import json

    chunks = json.loads(knowledge)["chunks"]
    assert chunks and chunks[0]["documentId"] == document["id"] and chunks[0]["score"] > 0
    assert "R$ 8,00" in world.chat_requests()[0].json["messages"][0]["content"]

    deleted = await world.client.delete(f"/api/v1/knowledge/{document['id']}", headers=headers)
    assert deleted.status_code == 204
    assert await world.db.val("SELECT count(*) FROM knowledge_chunk") == 0
