"""The organization settings page in real headless Chromium against the real api (HTTP,
PostgreSQL, Redis): an administrator finds it in the settings index, changes the name,
the time zone, the holiday state and the opt-out text, saves, and a reload shows what
the API now holds; "restaurar padrão" goes back to the built-in text; a refusal is
explained beside the form; the same on a 390-px phone; supervisors and agents get the
403 page.

Screens at 1366x768 and 390 px: test-artifacts/settings-organization/."""

from __future__ import annotations

from pathlib import Path

import pytest
from apikit import Client, ok, user
from inbox_browser_kit import PHONE, signed_in
from playwright.async_api import Browser, Page, expect
from support.live import LiveServer
from support.orgs import Org

SHOTS = Path(__file__).parents[3] / "test-artifacts" / "settings-organization"
WAIT = 20_000  # ms; expect() returns as soon as the condition holds
PAGE = "/inbox/settings/organization"
API = "/api/v1/organization"


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def assert_no_sideways_scroll(page: Page) -> None:
    overflow = await page.evaluate(
        """() => [document.documentElement, document.querySelector('main'),
                  document.querySelector('#org-form')]
            .filter(Boolean).map(el => el.scrollWidth - el.clientWidth)"""
    )
    assert all(extra <= 1 for extra in overflow), overflow


async def test_an_admin_edits_saves_and_reloads_the_organization(
    browser: Browser, api: LiveServer, client: Client, org: Org
) -> None:
    ctx, desk = await signed_in(browser, api.url, org.email, path="/inbox/settings")
    await desk.locator(".setcard[data-page=organization] h2 a").click()
    await expect(desk.get_by_role("heading", name="Organização")).to_be_visible(timeout=WAIT)
    form = desk.locator("#org-form")
    name = form.get_by_label("Nome da empresa")
    zone = form.get_by_label("Fuso horário")
    state = form.get_by_label("Estado para feriados")
    text = form.get_by_label("Confirmação de descadastro das campanhas")
    # What the API holds: the defaults, and the built-in text as the box's hint.
    await expect(name).to_have_value("Padaria Centro")
    await expect(zone).to_have_value("America/Sao_Paulo")
    await expect(state).to_have_value("")
    await expect(text).to_have_value("")
    default = (await ok(await client.get(API, headers=org.headers)))["optOutMessageDefault"]
    await expect(text).to_have_attribute("placeholder", default)
    await expect(desk.locator("#org-opt-out-default")).to_have_text(default)
    await expect(desk.locator("#org-opt-out-state")).to_have_text("Em uso: o texto padrão.")
    # Brazil's zones come first, named by their states.
    first = zone.locator("optgroup").first
    await expect(first).to_have_attribute("label", "Brasil")
    await expect(first.locator("option").first).to_have_attribute("value", "America/Sao_Paulo")
    await expect(state.locator("option")).to_have_count(28)  # national only + 27 UFs
    await shot(desk, "defaults-1366")

    await name.fill("Padaria Centro Ltda")
    await zone.select_option("America/Manaus")
    await state.select_option("AM")
    await text.fill("Pronto, você saiu da nossa lista. Obrigado!")
    await expect(desk.locator("#org-opt-out-state")).to_have_text("Em uso: o texto desta empresa.")
    await expect(form.locator("[data-count]")).to_have_text("43 de 1000 caracteres")
    await form.get_by_role("button", name="Salvar").click()
    await expect(desk.locator("#toasts")).to_contain_text("salvas", timeout=WAIT)
    saved = await ok(await client.get(API, headers=org.headers))
    assert (saved["name"], saved["timezone"], saved["holidaySubdivision"]) == (
        "Padaria Centro Ltda",
        "America/Manaus",
        "AM",
    )
    assert saved["optOutMessage"] == "Pronto, você saiu da nossa lista. Obrigado!"
    await shot(desk, "saved-1366")

    await desk.reload()
    await expect(name).to_have_value("Padaria Centro Ltda", timeout=WAIT)
    await expect(zone).to_have_value("America/Manaus")
    await expect(state).to_have_value("AM")
    await expect(text).to_have_value("Pronto, você saiu da nossa lista. Obrigado!")
    # The built-in text follows the new name.
    await expect(desk.locator("#org-opt-out-default")).to_contain_text("Padaria Centro Ltda")

    # "Restaurar padrão" empties the box; saved, customers get the built-in text again.
    await form.get_by_role("button", name="Restaurar padrão").click()
    await expect(text).to_have_value("")
    await expect(desk.locator("#org-opt-out-state")).to_have_text("Em uso: o texto padrão.")
    await state.select_option("")
    await form.get_by_role("button", name="Salvar").click()
    await expect(desk.locator("#toasts")).to_contain_text("salvas", timeout=WAIT)
    back = await ok(await client.get(API, headers=org.headers))
    assert back["optOutMessage"] is None and back["holidaySubdivision"] is None
    await desk.reload()
    await expect(text).to_have_value("", timeout=WAIT)
    await expect(state).to_have_value("")
    await expect(form.get_by_role("button", name="Restaurar padrão")).to_be_disabled()

    # A refusal is the API's own, beside the form; nothing is saved.
    await name.fill("   ")
    await form.get_by_role("button", name="Salvar").click()
    error = form.locator("[data-error]")
    await expect(error).to_be_visible(timeout=WAIT)
    await expect(error).to_contain_text("422")
    await expect(error).to_contain_text("[name]")
    await shot(desk, "refused-1366")
    assert (await ok(await client.get(API, headers=org.headers)))["name"] == "Padaria Centro Ltda"

    # On a phone: the same form in one column, nothing sideways; a change sticks.
    phone_ctx, phone = await signed_in(browser, api.url, org.email, viewport=PHONE, path=PAGE)
    pform = phone.locator("#org-form")
    await expect(pform.get_by_label("Fuso horário")).to_have_value("America/Manaus", timeout=WAIT)
    await assert_no_sideways_scroll(phone)
    await shot(phone, "page-390")
    await pform.get_by_label("Fuso horário").select_option("America/Recife")
    await pform.get_by_label("Estado para feriados").select_option("PE")
    await pform.get_by_role("button", name="Salvar").click()
    await expect(phone.locator("#toasts")).to_contain_text("salvas", timeout=WAIT)
    await phone.reload()
    await expect(pform.get_by_label("Fuso horário")).to_have_value("America/Recife", timeout=WAIT)
    await expect(pform.get_by_label("Estado para feriados")).to_have_value("PE")
    await shot(phone, "saved-390")
    await assert_no_sideways_scroll(phone)

    assert desk.errors == [] and phone.errors == []  # type: ignore[attr-defined]
    await phone_ctx.close()
    await ctx.close()


@pytest.mark.parametrize("role", ["SUPERVISOR", "AGENT"])
async def test_only_administrators_open_the_page(
    browser: Browser, api: LiveServer, client: Client, org: Org, role: str
) -> None:
    email = f"{role.lower()}@padaria.example"
    await user(client, org, role, email)
    ctx, page = await signed_in(browser, api.url, email)
    response = await page.goto(PAGE)
    assert response is not None and response.status == 403
    await expect(page.get_by_role("heading")).to_contain_text("403")
    if role == "SUPERVISOR":
        await page.goto("/inbox/settings")
        await expect(page.locator(".setcard").first).to_be_visible(timeout=WAIT)
        assert await page.locator(".setcard[data-page=organization]").count() == 0
    await ctx.close()
