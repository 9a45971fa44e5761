"""The AI and knowledge settings pages (/inbox/settings/ai, /inbox/settings/knowledge):
administrators only, the key never rendered, the provider presets, the live test's
verdict per model against the OpenAI stand-in, and the knowledge API calls the page
script makes with the inbox cookie (upload and its refusals, delete, "try a question")."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apikit import Client, ok, user
from inboxkit import INBOX, sign_in
from standins.openai_server import OpenAIStandin
from support.orgs import Org

from app.knowledge.search import SNIPPETS_IN_PROMPT

AI = "/inbox/settings/ai"
KNOWLEDGE = "/inbox/settings/knowledge"
FIXTURES = Path(__file__).parents[2] / "fixtures" / "media"
SECRET = "sk-chave-muito-secreta-42"
FAQ = (
    "Horário de funcionamento: abrimos de segunda a sábado, das 8h às 18h.\n\n"
    "Entregas: fazemos entregas em toda a cidade; a taxa de entrega é de R$ 8,00 "
    "e o prazo de entrega é de até 2 horas.\n\n"
    "Trocas: aceitamos trocas em até 7 dias com a nota fiscal."
)


@pytest.fixture
def llm() -> Iterator[OpenAIStandin]:
    models = ("standin-chat", "standin-vision", "standin-transcribe")
    with OpenAIStandin(models=models) as standin:
        yield standin


def boot(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="boot">(.*?)</script>', page, re.S)
    assert found, "no boot data"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


async def upload(
    client: Client, name: str, data: bytes, mimetype: str, headers: dict[str, str] = INBOX
) -> Any:
    return await client.post(
        "/api/v1/knowledge", files={"file": (name, data, mimetype)}, headers=headers
    )


# ------------------------------------------------------------------ who may open them


@pytest.mark.parametrize("role", ["SUPERVISOR", "AGENT", "VIEWER"])
async def test_everyone_but_an_administrator_gets_a_403_page(
    client: Client, org: Org, role: str
) -> None:
    email = f"{role.lower()}@padaria.example"
    await user(client, org, role, email)
    await sign_in(client, email)
    for path in (AI, KNOWLEDGE):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 403, (path, response.text[:300])
        assert "Acesso negado" in response.text and "aiset-form" not in response.text
    # What the AI page's script calls refuses them too (the key is an admin's business).
    body = {"provider": "OPENAI", "apiKey": "sk-outra"}
    put = await client.put("/api/v1/ai/settings", json=body, headers=INBOX)
    assert put.status_code == 403 and put.json()["code"] == "forbidden"
    tested = await client.post("/api/v1/ai/settings/test", headers=INBOX)
    assert tested.status_code == 403


async def test_the_index_offers_both_pages_to_an_administrator_only(
    client: Client, org: Org
) -> None:
    await sign_in(client, org.email)
    index = (await client.get("/inbox/settings")).text
    assert f'href="{AI}"' in index and f'href="{KNOWLEDGE}"' in index
    assert "Inteligência artificial" in index and "Base de conhecimento" in index
    await user(client, org, "SUPERVISOR", "sup@padaria.example")
    await sign_in(client, "sup@padaria.example")
    index = (await client.get("/inbox/settings")).text
    assert AI not in index and KNOWLEDGE not in index


async def test_without_a_session_the_pages_go_to_sign_in(client: Client) -> None:
    response = await client.get(AI, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/inbox/login?next={AI}"


# ------------------------------------------------------------------ the AI page


async def test_an_unconfigured_organization_sees_the_openai_preset_and_says_so(
    client: Client, org: Org
) -> None:
    await sign_in(client, org.email)
    response = await client.get(AI)
    assert response.status_code == 200, response.text
    page = response.text
    assert "A IA não está configurada" in page and 'data-source="none"' in page
    for name in (
        "OpenAI",
        "Groq",
        "OpenRouter",
        "DeepSeek",
        "Mistral",
        "Qwen",
        "Ollama",
        "Google Gemini",
    ):
        assert f"<span>{name}" in page, name
    assert re.search(r'value="OPENAI"\s+checked', page)
    assert 'value="https://api.openai.com/v1"' in page and 'value="gpt-4o-mini"' in page
    assert "não definida" in page
    data = boot(page)
    assert {p["provider"] for p in data["presets"]} >= {"OPENAI", "OLLAMA", "CUSTOM"}
    assert data["keySet"] is False and data["aiset"]["kind.vision"] == "Visão"
    assert "settings_ai.js" in page
    assert "default-src 'self'" in response.headers["content-security-policy"]


async def test_the_saved_settings_fill_the_form_but_the_key_is_never_rendered(
    client: Client, org: Org
) -> None:
    body = {
        "provider": "GROQ",
        "apiKey": SECRET,
        "chatModel": "llama-3.1-8b-instant",
        "transcriptionModel": "whisper-large-v3",
        "temperature": 0.7,
    }
    await ok(await client.put("/api/v1/ai/settings", json=body, headers=org.headers))
    await sign_in(client, org.email)
    page = (await client.get(AI)).text
    assert SECRET not in page
    assert re.search(r'value="GROQ"\s+checked', page)
    assert 'value="https://api.groq.com/openai/v1"' in page
    assert 'value="llama-3.1-8b-instant"' in page and 'value="whisper-large-v3"' in page
    assert 'name="temperature" min="0" max="2" step="0.1" value="0.7"' in page
    assert "Configurada: esta empresa usa o próprio endpoint." in page
    assert "data-key-state>definida<" in page
    assert boot(page)["keySet"] is True

    # The page's save (cookie + inbox header) without apiKey keeps the stored key.
    again = {"provider": "GROQ", "chatModel": "llama-3.3-70b-versatile"}
    saved = await ok(await client.put("/api/v1/ai/settings", json=again, headers=INBOX))
    assert saved["apiKeySet"] is True and "apiKey" not in saved
    # Removing it (the page's checkbox) sends null.
    removed = await ok(
        await client.put("/api/v1/ai/settings", json={**again, "apiKey": None}, headers=INBOX)
    )
    assert removed["apiKeySet"] is False
    assert "não definida" in (await client.get(AI)).text


async def test_the_page_speaks_english_when_chosen(client: Client, org: Org) -> None:
    await sign_in(client, org.email)
    client.cookies.set("balcao_lang", "en")
    page = (await client.get(AI)).text
    assert "Artificial intelligence" in page and "Test now" in page and 'lang="en"' in page
    page = (await client.get(KNOWLEDGE)).text
    assert "Knowledge base" in page and "Try a question" in page


async def test_the_providers_endpoint_has_each_vendors_documented_address(
    client: Client, org: Org
) -> None:
    presets = await ok(await client.get("/api/v1/ai/providers", headers=org.headers))
    by = {p["provider"]: p for p in presets}
    assert list(by) == [
        "OPENAI",
        "GROQ",
        "OPENROUTER",
        "DEEPSEEK",
        "MISTRAL",
        "QWEN",
        "OLLAMA",
        "GEMINI",
        "CUSTOM",
    ]
    assert by["OPENAI"]["baseUrl"] == "https://api.openai.com/v1"
    assert by["GROQ"]["baseUrl"] == "https://api.groq.com/openai/v1"
    assert by["OPENROUTER"]["baseUrl"] == "https://openrouter.ai/api/v1"
    assert by["GEMINI"]["baseUrl"] == "https://generativelanguage.googleapis.com/v1beta/openai"
    assert by["OLLAMA"]["baseUrl"] == "http://localhost:11434/v1"
    assert by["OLLAMA"]["keyRequired"] is False
    assert by["CUSTOM"]["baseUrl"] is None and by["CUSTOM"]["chatModels"] == []
    assert "whisper-1" in by["OPENAI"]["transcriptionModels"]
    assert by["DEEPSEEK"]["visionModels"] == []
    # The picker's first chat model is what an empty chatModel falls back to.
    put = {"provider": "MISTRAL", "apiKey": "m"}
    saved = await ok(await client.put("/api/v1/ai/settings", json=put, headers=org.headers))
    assert saved["chatModel"] == by["MISTRAL"]["chatModels"][0]
    assert saved["baseUrl"] == by["MISTRAL"]["baseUrl"]


async def test_the_live_test_gives_a_verdict_per_model(
    client: Client, org: Org, llm: OpenAIStandin
) -> None:
    await sign_in(client, org.email)
    body = {
        "provider": "CUSTOM",
        "baseUrl": llm.base_url,
        "apiKey": SECRET,
        "chatModel": "standin-chat",
        "visionModel": "standin-vision",
        "transcriptionModel": "standin-transcribe",
    }
    result = await ok(await client.post("/api/v1/ai/settings/test", json=body, headers=INBOX))
    assert (result["ok"], result["code"]) == (True, "ok")
    checks = {c["kind"]: c for c in result["checks"]}
    assert list(checks) == ["chat", "vision", "transcription"]
    assert all(c["status"] == "ok" and c["code"] == "ok" for c in checks.values())
    assert checks["vision"]["model"] == "standin-vision"
    # Each model was really called, with the key typed in the form (unsaved).
    chats = llm.requests("chat")
    image = next(r for r in chats if r.json["model"] == "standin-vision")
    parts = image.json["messages"][0]["content"]
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")
    heard = llm.last("transcription")
    assert heard.form["model"] == "standin-transcribe"
    assert heard.files["file"].data[:4] == b"RIFF"
    assert heard.headers["authorization"] == f"Bearer {SECRET}"
    assert SECRET not in json.dumps(result)

    # A model the server does not offer fails alone; an empty one is not tested.
    partly = {**body, "visionModel": "gpt-9-vision", "transcriptionModel": None}
    result = await ok(await client.post("/api/v1/ai/settings/test", json=partly, headers=INBOX))
    checks = {c["kind"]: c for c in result["checks"]}
    assert result["ok"] is True and checks["chat"]["status"] == "ok"
    assert (checks["vision"]["status"], checks["vision"]["code"]) == ("failed", "model_not_found")
    assert "gpt-9-vision" in checks["vision"]["detail"]
    assert (checks["transcription"]["status"], checks["transcription"]["code"]) == (
        "skipped",
        "not_configured",
    )


async def test_the_live_test_says_so_when_nothing_is_configured(client: Client, org: Org) -> None:
    await sign_in(client, org.email)
    result = await ok(await client.post("/api/v1/ai/settings/test", headers=INBOX))
    assert (result["ok"], result["code"]) == (False, "not_configured")
    assert [c["status"] for c in result["checks"]] == ["skipped"] * 3


async def test_bad_settings_get_a_clear_422(client: Client, org: Org) -> None:
    await sign_in(client, org.email)
    for body, field in (
        ({"provider": "CUSTOM"}, "baseUrl"),
        ({"provider": "OPENAI", "temperature": 5}, "temperature"),
        ({"provider": "NOPE"}, "provider"),
        ({"provider": "CUSTOM", "baseUrl": "ftp://x"}, "baseUrl"),
    ):
        response = await client.put("/api/v1/ai/settings", json=body, headers=INBOX)
        assert response.status_code in (400, 422), (body, response.text)
        assert field in response.text, (body, response.text)


# ------------------------------------------------------------------ the knowledge page


async def test_the_knowledge_page_lists_documents_with_size_chunks_and_status(
    client: Client, org: Org, other_org: Org
) -> None:
    pdf = (FIXTURES / "cobranca-pedido-48213.pdf").read_bytes()
    document = await ok(
        await upload(client, "cobranca.pdf", pdf, "application/pdf", org.headers), 201
    )
    await ok(
        await upload(client, "deles.txt", b"Segredo deles.", "text/plain", other_org.headers), 201
    )
    await sign_in(client, org.email)
    response = await client.get(KNOWLEDGE)
    assert response.status_code == 200, response.text
    page = response.text
    assert f'id="doc-{document["id"]}"' in page and "cobranca.pdf" in page
    assert "1 KB" in page or "2 KB" in page  # the fixture is 1,524 bytes
    assert f'data-label="Trechos">{document["chunks"]}<' in page
    assert "Pronto" in page and "deles.txt" not in page
    assert "data-empty hidden" in page
    data = boot(page)
    assert data["maxBytes"] == 20 * 1024 * 1024 and data["know"]["ask"] == "Ver trechos"
    assert "até 20 MB cada" in page and "settings_knowledge.js" in page


async def test_an_empty_knowledge_base_says_so(client: Client, org: Org) -> None:
    await sign_in(client, org.email)
    page = (await client.get(KNOWLEDGE)).text
    assert "Nenhum documento ainda." in page and "data-empty hidden" not in page


async def test_the_page_script_uploads_and_deletes_with_its_cookie(
    client: Client, org: Org, other_org: Org
) -> None:
    await sign_in(client, org.email)
    docx = (FIXTURES / "contrato-fibra.docx").read_bytes()
    mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    created = await ok(await upload(client, "contrato-fibra.docx", docx, mime), 201)
    assert created["status"] == "READY" and created["chunks"] >= 1
    assert created["size"] == len(docx) and created["title"] == "contrato-fibra.docx"
    md = await ok(
        await upload(client, "faq.md", b"# FAQ\n\nEntregas em 2 horas.", "text/markdown"), 201
    )
    assert md["mimetype"] == "text/markdown"

    theirs = await ok(
        await upload(client, "t.txt", b"Deles.", "text/plain", other_org.headers), 201
    )
    assert (
        await client.delete(f"/api/v1/knowledge/{theirs['id']}", headers=INBOX)
    ).status_code == 404
    deleted = await client.delete(f"/api/v1/knowledge/{created['id']}", headers=INBOX)
    assert deleted.status_code == 204
    assert f"doc-{created['id']}" not in (await client.get(KNOWLEDGE)).text


async def test_bad_files_get_the_apis_clear_codes(client: Client, org: Org) -> None:
    await sign_in(client, org.email)
    refused = await upload(client, "planilha.xlsx", b"PK\x03\x04nada", "application/vnd.ms-excel")
    assert refused.status_code == 422 and refused.json()["code"] == "unsupported_document"
    empty = await upload(client, "vazio.txt", b"  \n\n ", "text/plain")
    assert empty.status_code == 422 and empty.json()["code"] == "empty_document"
    broken = await upload(client, "quebrado.pdf", b"%PDF-1.7 nada disso", "application/pdf")
    assert broken.status_code == 422 and broken.json()["code"] == "unreadable_document"
    huge = await upload(client, "enorme.txt", b"a" * (21 * 1024 * 1024), "text/plain")
    assert huge.status_code == 413 and huge.json()["code"] == "payload_too_large"
    assert "Nenhum documento ainda." in (await client.get(KNOWLEDGE)).text


async def test_try_a_question_shows_the_snippets_the_ai_would_use(
    client: Client, org: Org, other_org: Org
) -> None:
    await ok(await upload(client, "faq.txt", FAQ.encode(), "text/plain", org.headers), 201)
    await ok(
        await upload(
            client, "deles.txt", b"A taxa de entrega deles: R$ 50.", "text/plain", other_org.headers
        ),
        201,
    )
    await sign_in(client, org.email)
    url = "/api/v1/knowledge/search"
    found = await ok(
        await client.post(url, json={"question": "Qual é a taxa de entrega?"}, headers=INBOX)
    )
    assert found["limit"] == SNIPPETS_IN_PROMPT
    assert found["snippets"], found
    best = found["snippets"][0]
    assert "R$ 8,00" in best["content"] and best["title"] == "faq.txt" and best["score"] > 0
    assert all("R$ 50" not in s["content"] for s in found["snippets"])
    scores = [s["score"] for s in found["snippets"]]
    assert scores == sorted(scores, reverse=True)

    nothing = await ok(
        await client.post(url, json={"question": "Vocês vendem bicicletas?"}, headers=INBOX)
    )
    assert nothing["snippets"] == []
    for bad in ({"question": ""}, {}, {"question": "x" * 2001}):
        response = await client.post(url, json=bad, headers=INBOX)
        assert response.status_code in (400, 422), (bad, response.text)
