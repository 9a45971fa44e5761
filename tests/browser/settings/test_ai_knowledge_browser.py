"""An administrator sets up the AI and the knowledge base from the browser: picks a
provider (the address and models fill themselves in), points it at the OpenAI
stand-in, passes the live test with a verdict per model and saves (the key then shows
only as "set"); uploads a PDF (and drops a text file) and sees them listed with size and
chunks, is told plainly why a spreadsheet is refused, tries a question and sees the
snippets the AI would read, and deletes a document. Screens at 1366x768 and 390 px
wide in test-artifacts/settings-ai/ and test-artifacts/settings-knowledge/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from apikit import Client, ok
from inbox_browser_kit import PHONE, signed_in
from playwright.async_api import Browser, Page, expect
from standins.openai_server import OpenAIStandin
from support.live import LiveServer
from support.orgs import Org

ROOT = Path(__file__).parents[3]
AI_SHOTS = ROOT / "test-artifacts" / "settings-ai"
KNOWLEDGE_SHOTS = ROOT / "test-artifacts" / "settings-knowledge"
PDF = ROOT / "tests" / "fixtures" / "media" / "cobranca-pedido-48213.pdf"
WAIT = 20_000  # ms; expect() returns as soon as the condition holds
SECRET = "sk-browser-secreta-77"


@pytest.fixture
def llm() -> Iterator[OpenAIStandin]:
    with OpenAIStandin(models=("standin-chat", "standin-vision", "standin-transcribe")) as s:
        yield s


async def shot(page: Page, folder: Path, name: str, *, full: bool = False) -> None:
    folder.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a test's one mkdir
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=full)


async def assert_no_sideways_scroll(page: Page) -> None:
    overflow = await page.evaluate(
        """() => [document.documentElement, document.querySelector('main'),
                  document.querySelector('dialog[open] form')]
            .filter(Boolean).map(el => el.scrollWidth - el.clientWidth)"""
    )
    assert all(extra <= 1 for extra in overflow), overflow


async def test_an_admin_configures_the_ai_and_passes_the_live_test(
    browser: Browser, api: LiveServer, llm: OpenAIStandin, client: Client, org: Org
) -> None:
    ctx, page = await signed_in(browser, api.url, org.email, path="/inbox/settings/ai")
    form = page.locator("#aiset-form")
    await expect(page.locator("#aiset-status")).to_have_attribute("data-source", "none")
    await expect(form.locator("input[name=baseUrl]")).to_have_value("https://api.openai.com/v1")
    await shot(page, AI_SHOTS, "unconfigured-1366")

    # Picking a provider fills in its documented address and models.
    await form.get_by_text("Groq", exact=True).click()
    await expect(form.locator("input[name=baseUrl]")).to_have_value(
        "https://api.groq.com/openai/v1"
    )
    await expect(form.locator("input[name=chatModel]")).to_have_value("llama-3.3-70b-versatile")
    await expect(form.locator("input[name=transcriptionModel]")).to_have_value(
        "whisper-large-v3-turbo"
    )
    await form.get_by_text("Ollama", exact=True).click()
    await expect(form.locator("input[name=baseUrl]")).to_have_value("http://localhost:11434/v1")
    await expect(form.locator("input[name=transcriptionModel]")).to_have_value("")
    await expect(form.locator("[data-key-optional]")).to_be_visible()

    # Other: our own OpenAI-compatible server (the stand-in).
    await form.get_by_text("Outro (compatível com OpenAI)", exact=True).click()
    await expect(form.locator("input[name=baseUrl]")).to_have_value("")
    await form.locator("input[name=baseUrl]").fill(llm.base_url)
    await form.locator("input[name=apiKey]").fill(SECRET)
    await form.locator("input[name=chatModel]").fill("standin-chat")
    await form.locator("input[name=visionModel]").fill("standin-vision")
    await form.locator("input[name=transcriptionModel]").fill("standin-transcribe")

    # The live test, before saving: one verdict per model.
    await form.get_by_role("button", name="Testar agora").click()
    result = page.locator("#aiset-result")
    await expect(result).to_have_attribute("data-ok", "true", timeout=WAIT)
    await expect(result.locator("[data-summary]")).to_have_text(
        "Tudo certo: a IA consegue responder."
    )
    rows = result.locator(".aiset-check-row")
    await expect(rows).to_have_count(3)
    for kind, label in (
        ("chat", "Conversa"),
        ("vision", "Visão"),
        ("transcription", "Transcrição"),
    ):
        row = result.locator(f".aiset-check-row[data-kind={kind}]")
        await expect(row).to_have_attribute("data-status", "ok")
        await expect(row).to_contain_text(label)
        await expect(row.locator(".aiset-pill")).to_have_text("OK")
    assert llm.last("transcription").headers["authorization"] == f"Bearer {SECRET}"
    await result.scroll_into_view_if_needed()
    await shot(page, AI_SHOTS, "live-test-ok-1366")

    # Nothing was saved by the test; Save does, and the key becomes "set".
    before = await ok(await client.get("/api/v1/ai/settings", headers=org.headers))
    assert before["configured"] is False
    await form.get_by_role("button", name="Salvar").click()
    await expect(page.locator("#toasts")).to_contain_text("Configurações da IA salvas.")
    await expect(form.locator("[data-key-state]")).to_have_text("definida")
    await expect(page.locator("#aiset-status")).to_have_attribute("data-source", "organization")
    saved = await ok(await client.get("/api/v1/ai/settings", headers=org.headers))
    assert (saved["provider"], saved["baseUrl"], saved["chatModel"]) == (
        "CUSTOM",
        llm.base_url,
        "standin-chat",
    )
    assert saved["apiKeySet"] is True and saved["visionModel"] == "standin-vision"

    # A wrong vision model: the test names it, the chat still passes.
    await form.locator("input[name=visionModel]").fill("gpt-9-vision")
    await form.get_by_role("button", name="Testar agora").click()
    vision = result.locator(".aiset-check-row[data-kind=vision]")
    await expect(vision).to_have_attribute("data-status", "failed", timeout=WAIT)
    await expect(vision).to_contain_text("modelo não encontrado")
    await expect(result.locator("[data-summary]")).to_contain_text("um dos modelos falhou")
    await expect(result.locator(".aiset-check-row[data-kind=chat]")).to_have_attribute(
        "data-status", "ok"
    )
    await result.scroll_into_view_if_needed()
    await shot(page, AI_SHOTS, "live-test-vision-failed-1366")

    # Reloaded, the key is never on the page; the phone layout fits.
    phone_ctx, phone = await signed_in(
        browser, api.url, org.email, viewport=PHONE, path="/inbox/settings/ai"
    )
    assert SECRET not in await phone.content()
    await expect(phone.locator("[data-key-state]")).to_have_text("definida")
    await expect(phone.locator("input[name=apiKey]")).to_have_value("")
    await assert_no_sideways_scroll(phone)
    await shot(phone, AI_SHOTS, "configured-390")
    await phone.locator("#aiset-form").get_by_role("button", name="Testar agora").click()
    await expect(phone.locator("#aiset-result")).to_have_attribute("data-ok", "true", timeout=WAIT)
    await phone.locator("#aiset-result").scroll_into_view_if_needed()
    await assert_no_sideways_scroll(phone)
    await shot(phone, AI_SHOTS, "live-test-ok-390")
    await shot(phone, AI_SHOTS, "configured-390-full", full=True)
    assert page.errors == [] and phone.errors == []  # type: ignore[attr-defined]
    await ctx.close()
    await phone_ctx.close()


DROP_TEXT = """(files) => {
  const data = new DataTransfer();
  for (const [name, type, text] of files) data.items.add(new File([text], name, { type }));
  const zone = document.getElementById("know-drop");
  const init = { dataTransfer: data, bubbles: true, cancelable: true };
  zone.dispatchEvent(new DragEvent("dragover", init));
  zone.dispatchEvent(new DragEvent("drop", init));
}"""
FAQ = (
    "Entregas: fazemos entregas em toda a cidade; a taxa de entrega é de R$ 8,00 "
    "e o prazo de entrega é de até 2 horas.\n\nTrocas: aceitamos trocas em até 7 dias."
)


async def test_an_admin_uploads_a_pdf_and_tries_a_question(
    browser: Browser, api: LiveServer, client: Client, org: Org
) -> None:
    ctx, page = await signed_in(browser, api.url, org.email, path="/inbox/settings/knowledge")
    await expect(page.locator("#know-documents [data-empty]")).to_be_visible()
    await shot(page, KNOWLEDGE_SHOTS, "empty-1366")

    # A PDF through the file picker: its progress ends "done" and it joins the list.
    await page.locator("#know-file").set_input_files(str(PDF))
    item = page.locator(".know-item").first
    await expect(item).to_have_attribute("data-state", "done", timeout=WAIT)
    await expect(item.locator(".know-item__note")).to_have_text("Pronto")
    await expect(item.locator("progress")).to_have_attribute("value", "1")
    listed = await ok(await client.get("/api/v1/knowledge", headers=org.headers))
    [pdf] = listed["data"]
    row = page.locator(f"#doc-{pdf['id']}")
    await expect(row).to_contain_text("cobranca-pedido-48213.pdf")
    await expect(row.locator("td[data-label=Trechos]")).to_have_text(str(pdf["chunks"]))
    await expect(row.locator("td[data-label=Tamanho]")).to_have_text("1 KB")
    await expect(row.locator("td[data-label=Situação]")).to_have_text("Pronto")
    added_here = await row.locator("td[data-label='Enviado em']").inner_text()
    await expect(page.locator("#know-documents [data-empty]")).to_be_hidden()

    # Dropped files: a text file is taken, a spreadsheet is refused with the API's code.
    await page.evaluate(
        DROP_TEXT,
        [["faq.txt", "text/plain", FAQ], ["precos.xlsx", "application/vnd.ms-excel", "PK"]],
    )
    refused = page.locator(".know-item[data-state=error]")
    await expect(refused).to_contain_text("unsupported_document", timeout=WAIT)
    await expect(refused).to_contain_text("422")
    await expect(refused).to_contain_text("tipo de arquivo não aceito")
    await expect(page.locator("#know-documents tr[data-id]")).to_have_count(2, timeout=WAIT)
    await expect(page.locator("[data-count]")).to_have_text("2")
    await shot(page, KNOWLEDGE_SHOTS, "uploaded-1366")

    # Try a question: the snippets the AI would read, best first.
    await page.fill("#know-try input[name=question]", "Qual é a taxa de entrega?")
    await page.locator("#know-try").get_by_role("button", name="Ver trechos").click()
    first = page.locator(".know-snippet").first
    await expect(first).to_contain_text("R$ 8,00", timeout=WAIT)
    await expect(first).to_contain_text("faq.txt")
    await page.locator("#know-snippets").scroll_into_view_if_needed()
    await shot(page, KNOWLEDGE_SHOTS, "try-a-question-1366")
    await page.fill("#know-try input[name=question]", "Vocês vendem bicicletas?")
    await page.locator("#know-try").get_by_role("button", name="Ver trechos").click()
    await expect(page.locator(".know-snippets__none")).to_be_visible(timeout=WAIT)

    # The phone layout, then a delete confirmed in a dialog.
    phone_ctx, phone = await signed_in(
        browser, api.url, org.email, viewport=PHONE, path="/inbox/settings/knowledge"
    )
    await expect(phone.locator("#know-documents tr[data-id]")).to_have_count(2)
    # The row the script added shows the time as the server renders it (same zone).
    added = phone.locator(f"#doc-{pdf['id']} td[data-label='Enviado em']")
    await expect(added).to_have_text(added_here)
    await assert_no_sideways_scroll(phone)
    await shot(phone, KNOWLEDGE_SHOTS, "list-390")
    sheet = {"name": "tabela.xlsx", "mimeType": "application/vnd.ms-excel", "buffer": b"PK\x03\x04"}
    await phone.locator("#know-file").set_input_files(sheet)
    await expect(phone.locator(".know-item[data-state=error]")).to_contain_text(
        "unsupported_document", timeout=WAIT
    )
    await assert_no_sideways_scroll(phone)
    await shot(phone, KNOWLEDGE_SHOTS, "refused-390")
    await phone.fill("#know-try input[name=question]", "Qual é a taxa de entrega?")
    await phone.locator("#know-try").get_by_role("button", name="Ver trechos").click()
    await expect(phone.locator(".know-snippet").first).to_contain_text("R$ 8,00", timeout=WAIT)
    await assert_no_sideways_scroll(phone)
    await phone.locator("#know-snippets").scroll_into_view_if_needed()
    await shot(phone, KNOWLEDGE_SHOTS, "try-a-question-390")
    await phone.locator(f"#doc-{pdf['id']} [data-know-delete]").click()
    dialog = phone.locator("#know-delete-dialog")
    await expect(dialog.locator("[data-delete-name]")).to_have_text("cobranca-pedido-48213.pdf")
    await assert_no_sideways_scroll(phone)
    await shot(phone, KNOWLEDGE_SHOTS, "delete-390")
    await dialog.get_by_role("button", name="Excluir").click()
    await expect(phone.locator(f"#doc-{pdf['id']}")).to_have_count(0, timeout=WAIT)
    await expect(phone.locator("[data-count]")).to_have_text("1")
    gone = await client.get("/api/v1/knowledge", headers=org.headers)
    assert [d["title"] for d in (await ok(gone))["data"]] == ["faq.txt"]
    await shot(phone, KNOWLEDGE_SHOTS, "after-delete-390", full=True)
    assert page.errors == [] and phone.errors == []  # type: ignore[attr-defined]
    await ctx.close()
    await phone_ctx.close()
