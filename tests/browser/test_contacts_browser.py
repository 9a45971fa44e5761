"""The contacts page in real headless Chromium against the real stack (the api over
HTTP, PostgreSQL, Redis, the real arq import job):

- an administrator creates a list, is refused a file that is no spreadsheet, previews
  Excel's semicolon CSV in Windows-1252 (encoding, delimiter, the detected mapping),
  imports it, follows the progress to the report (counters and an error line in
  Portuguese), opts a contact out, removes one, renames and deletes the list; the same
  on a phone, with nothing scrolling sideways;
- an agent opening the page gets the 403 page.

Screens at 1366x768 and 390 px: test-artifacts/contacts/."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

sys.path.insert(0, str(Path(__file__).parent / "inbox"))
sys.path.insert(0, str(Path(__file__).parents[1] / "integration" / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "workers"))

from apikit import Client, contact, ok, user
from inbox_browser_kit import DESKTOP, PHONE, signed_in
from support.live import LiveServer
from support.orgs import Org
from worker_harness import Workers

from app.asgi import create_app
from app.config import Settings

ROOT = Path(__file__).parents[2] / "test-artifacts" / "contacts"
CP1252 = Path(__file__).parents[1] / "fixtures" / "contacts" / "contatos-excel-cp1252.csv"
WAIT = 20_000  # ms; expect() returns as soon as the condition holds


@pytest.fixture
async def live(settings: Settings) -> AsyncIterator[LiveServer]:
    async with LiveServer(create_app(settings)) as server:
        yield server


async def shot(page: Page, name: str, at: str | None = None) -> None:
    """The viewport as a person sees it, scrolled to ``at`` first when given (the page
    scrolls inside its main area, so a full-page capture would cut it)."""
    ROOT.mkdir(parents=True, exist_ok=True)
    if at is not None:
        await page.locator(at).scroll_into_view_if_needed()
    await page.screenshot(path=str(ROOT / f"{name}.png"))


async def assert_no_sideways_scroll(page: Page) -> None:
    overflow = await page.evaluate(
        """() => [document.documentElement, document.querySelector('main'),
                  document.querySelector('dialog[open] form')]
            .filter(Boolean).map(el => el.scrollWidth - el.clientWidth)"""
    )
    assert all(extra <= 1 for extra in overflow), overflow


async def import_file(page: Page, settings: Settings) -> None:
    """Confirm the previewed import and let the real job run while the page polls."""
    async with page.expect_response(lambda r: r.url.endswith("/imports")) as accepted:
        await page.get_by_role("button", name="Importar", exact=True).click()
    assert (await accepted.value).status == 202
    await expect(page.locator("#progress")).to_be_visible()
    await Workers(settings).run()
    await expect(page.locator("#progress")).to_have_attribute("data-status", "DONE", timeout=WAIT)
    await expect(page.locator("#report")).to_be_visible()


async def preview(page: Page) -> None:
    await page.locator("input[type=file]").set_input_files(str(CP1252))
    await page.get_by_role("button", name="Pré-visualizar").click()
    await expect(page.locator("#preview")).to_be_visible(timeout=WAIT)


async def test_an_admin_imports_a_list_and_follows_it_to_the_report(
    browser: Browser, live: LiveServer, client: Client, settings: Settings, org: Org
) -> None:
    # One contact already known (updated), one opted out before (not added).
    await contact(client, org, phoneNumber="5511987654321", name="Já Era Cliente")
    zé = await contact(client, org, phoneNumber="5531987654321")
    await ok(await client.post(f"/api/v1/contacts/{zé['id']}/opt-out", headers=org.headers))

    ctx, page = await signed_in(browser, live.url, org.email)
    await page.get_by_role("link", name="Contatos").click()
    await expect(page.locator("#lists-empty")).to_be_visible()
    await page.get_by_role("button", name="+ Nova lista").click()
    dialog = page.locator("#list-dialog")
    await expect(dialog.locator("input[name=name]")).to_be_focused()
    await page.keyboard.type("Clientes da Padaria")
    await dialog.locator("textarea").fill("Quem comprou em 2026")
    await shot(page, "new-list-1366")
    await dialog.get_by_role("button", name="Criar").click()
    await expect(page.get_by_role("heading", name="Clientes da Padaria")).to_be_visible(
        timeout=WAIT
    )
    await expect(page.locator("#members-empty")).to_be_visible()

    # Not a spreadsheet: the API's 422 code, in Portuguese, beside the form.
    await page.locator("input[type=file]").set_input_files(
        files=[
            {
                "name": "foto.png",
                "mimeType": "image/png",
                "buffer": b"\x89PNG\r\n\x1a\n" + bytes(64),
            }
        ]
    )
    await page.get_by_role("button", name="Pré-visualizar").click()
    refused = page.locator("form[data-ct-form=preview] [data-error]")
    await expect(refused).to_have_text("O arquivo não é uma planilha (CSV, XLSX ou XLS).")

    await preview(page)
    await expect(refused).to_be_hidden()
    detected = page.locator("#preview [data-field=detected]")
    await expect(detected).to_contain_text("cp1252")
    await expect(detected).to_contain_text("separador ;")
    mapping = page.locator("#mapping")
    await expect(mapping.locator("select[data-header=Telefone]")).to_have_value("phoneNumber")
    await expect(mapping.locator("select[data-header=Nome]")).to_have_value("name")
    await expect(mapping.locator("select[data-header=E-mail]")).to_have_value("email")
    await expect(mapping.locator("select[data-header=Cidade]")).to_have_value("field:cidade")
    rows = page.locator("#preview-rows")
    await expect(rows.locator("thead")).to_contain_text("Telefone")
    await expect(rows.locator("tbody")).to_contain_text("João da Conceição")  # cp1252 read right
    await expect(rows.locator("tbody")).to_contain_text("Niterói")
    await shot(page, "preview-1366", "#preview-rows")

    # Without a phone column the page says so before asking the API.
    await mapping.locator("select[data-header=Telefone]").select_option("ignore")
    await page.get_by_role("button", name="Importar", exact=True).click()
    await expect(page.locator("#preview [data-error]")).to_contain_text("coluna de telefone")
    await mapping.locator("select[data-header=Telefone]").select_option("phoneNumber")

    await import_file(page, settings)
    report = page.locator("#report")
    expected = {"created": 1, "updated": 1, "duplicates": 1, "invalid": 2, "optedOut": 1}
    for key, value in expected.items():
        await expect(report.locator(f"[data-count={key}] b")).to_have_text(str(value))
    await expect(page.locator("#progress [data-field=status]")).to_have_text("Concluída")
    bad = page.locator("#import-errors tbody tr", has_text="12345")
    await expect(bad).to_contain_text("telefone inválido")
    await expect(bad.locator("td").first).to_have_text("6")
    await expect(bad).to_contain_text("Telefone")
    await expect(page.locator("#import-errors tr[data-code=missing_phone]")).to_contain_text(
        "sem telefone"
    )
    await shot(page, "report-1366", "#import-errors")

    await report.get_by_role("link", name="Ver os contatos").click()
    members = page.locator("#members tbody tr")
    await expect(members).to_have_count(2)
    joao = members.filter(has_text="+55 11 98765-4321")  # known before: updated
    await expect(joao).to_contain_text("cidade: São Paulo")
    await expect(page.locator("#members-title")).to_contain_text("(2)")

    # Opt one out, and back in, through the contacts API.
    await joao.get_by_role("button", name="Descadastrar").click()
    await expect(joao.locator("[data-field=optout]")).to_contain_text("Descadastrado")
    await expect(joao.locator("[data-field=optout]")).to_contain_text("pela equipe")
    await expect(joao.get_by_role("button", name="Recadastrar")).to_be_visible()
    await shot(page, "list-1366")
    await page.reload()
    await expect(joao.locator(".pill--off")).to_have_text("Descadastrado")
    await joao.get_by_role("button", name="Recadastrar").click()
    await expect(joao.locator(".pill--on")).to_have_text("Recebe campanhas")
    await joao.get_by_role("button", name="Descadastrar").click()
    await expect(joao.locator(".pill--off")).to_be_visible()

    # Search, then remove a contact from the list with the confirm dialog.
    await page.get_by_role("searchbox").fill("maria")
    await page.get_by_role("button", name="Buscar").click()
    await expect(members).to_have_count(1)
    await expect(members.first).to_contain_text("Maria Antônia")
    await members.first.get_by_role("button", name="Remover da lista").click()
    confirm = page.locator("#confirm-dialog")
    await expect(confirm.locator("h3")).to_contain_text("Maria Antônia")
    await confirm.get_by_role("button", name="Remover").click()
    await expect(page.locator("#members-empty")).to_be_visible(timeout=WAIT)

    # Rename the list; the index shows the new name and its count.
    await page.goto("/inbox/contacts")
    row = page.locator("#lists tbody tr").first
    await expect(row).to_contain_text("Clientes da Padaria")
    await expect(row.locator("[data-field=count]")).to_have_text("1 contato")
    await row.get_by_role("button", name="Renomear").click()
    await dialog.locator("input[name=name]").fill("Padaria VIP")
    await dialog.get_by_role("button", name="Salvar").click()
    await expect(row).to_contain_text("Padaria VIP", timeout=WAIT)
    await shot(page, "lists-1366")

    # The same on a phone: nothing scrolls sideways, the import reads the same file.
    phone_ctx, phone = await signed_in(browser, live.url, org.email, viewport=PHONE)
    await phone.goto("/inbox/contacts")
    await assert_no_sideways_scroll(phone)
    await shot(phone, "lists-390")
    await phone.locator("#lists tbody tr").first.get_by_role("link", name="Abrir").click()
    await expect(phone.locator("#members tbody tr")).to_have_count(1)
    await assert_no_sideways_scroll(phone)
    await shot(phone, "list-390")
    await preview(phone)
    await assert_no_sideways_scroll(phone)
    await shot(phone, "preview-390", "#mapping")
    await shot(phone, "preview-rows-390", "#preview [type=submit]")
    await import_file(phone, settings)
    # Again: Maria (removed) comes back as an update; João is opted out now, like Zé.
    await expect(phone.locator("#report [data-count=updated] b")).to_have_text("1")
    await expect(phone.locator("#report [data-count=optedOut] b")).to_have_text("2")
    await assert_no_sideways_scroll(phone)
    await shot(phone, "report-390", "#report .ctcounts")
    await shot(phone, "report-errors-390", "#report .btn--primary")

    # Delete the list with its confirm; the contacts stay.
    await phone.goto("/inbox/contacts")
    await phone.locator("#lists tbody tr").first.get_by_role("button", name="Excluir").click()
    confirm = phone.locator("#confirm-dialog")
    await expect(confirm.locator("h3")).to_have_text("Excluir a lista Padaria VIP?")
    await assert_no_sideways_scroll(phone)
    await shot(phone, "delete-390")
    await confirm.get_by_role("button", name="Excluir").click()
    await expect(phone.locator("#lists-empty")).to_be_visible(timeout=WAIT)
    kept = await ok(await client.get("/api/v1/contacts?search=Maria", headers=org.headers))
    assert kept["pagination"]["total_data"] >= 1

    assert page.errors == [] and phone.errors == []  # type: ignore[attr-defined]
    await phone_ctx.close()
    await ctx.close()


async def test_an_agent_gets_the_403_page(
    browser: Browser, live: LiveServer, client: Client, org: Org
) -> None:
    await user(client, org, "AGENT", "ana@padaria.example")
    ctx, page = await signed_in(browser, live.url, "ana@padaria.example", viewport=DESKTOP)
    await expect(page.get_by_role("link", name="Contatos")).to_have_count(0)
    response = await page.goto("/inbox/contacts")
    assert response is not None and response.status == 403
    await expect(page.get_by_role("heading", name="403 · Acesso negado")).to_be_visible()
    await shot(page, "agent-403-1366")
    await ctx.close()
    await asyncio.sleep(0)
