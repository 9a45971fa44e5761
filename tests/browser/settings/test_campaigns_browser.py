"""The campaigns page in real headless Chromium against the real api (HTTP, PostgreSQL,
Redis; no worker: a started campaign stays RUNNING with its recipients pending):

an administrator builds a campaign with two variants through the step form, sees the
WhatsApp-like preview, saves the draft, starts it, watches it on its page, pauses it
and cancels it (confirmed); the pages hold at 390 px; an agent gets the 403 page.

Screens at 1366x768 and 390 px: test-artifacts/campaigns/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from apikit import Client, connection, ok, user
from inbox_browser_kit import DESKTOP, PHONE, signed_in
from playwright.async_api import Browser, Page, expect
from support.live import LiveServer
from support.orgs import Org

from app.asgi import create_app
from app.config import Settings

ROOT = Path(__file__).parents[3] / "test-artifacts" / "campaigns"
WAIT = 20_000
PAGE = "/inbox/campaigns"


@pytest.fixture
async def live(settings: Settings) -> AsyncIterator[LiveServer]:
    async with LiveServer(create_app(settings)) as server:
        yield server


async def shot(page: Page, name: str) -> None:
    ROOT.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ROOT / f"{name}.png"), full_page=True)


async def assert_no_sideways_scroll(page: Page) -> None:
    overflow = await page.evaluate(
        """() => [document.documentElement, document.querySelector('main')]
            .filter(Boolean).map(el => el.scrollWidth - el.clientWidth)"""
    )
    assert all(extra <= 1 for extra in overflow), overflow


async def _list_with_contacts(client: Client, org: Org) -> dict[str, str]:
    made = await ok(
        await client.post(
            "/api/v1/contact-lists", json={"name": "Clientes VIP"}, headers=org.headers
        ),
        201,
    )
    people = [
        {"phoneNumber": "5511970001111", "name": "Ana Souza"},
        {"phoneNumber": "5511970002222", "name": "Bruno Lima"},
    ]
    added = await client.post(
        f"/api/v1/contact-lists/{made['id']}/contacts",
        json={"contacts": people},
        headers=org.headers,
    )
    assert added.status_code in (200, 201), added.text
    return made  # type: ignore[no-any-return]


async def test_an_admin_creates_starts_and_pauses_a_campaign(
    browser: Browser, live: LiveServer, client: Client, org: Org
) -> None:
    await connection(client, org, name="Loja Centro")
    await _list_with_contacts(client, org)

    ctx, desk = await signed_in(browser, live.url, org.email, path=PAGE)
    await expect(desk.locator("#camp-empty")).to_be_visible(timeout=WAIT)
    await desk.get_by_role("link", name="+ Nova campanha").click()

    # Audience: name, the list, the (only) number already chosen as primary.
    await desk.locator("input[name=name]").fill("Black Friday")
    await desk.locator("#camp-lists").get_by_text("Clientes VIP").click()
    await expect(desk.locator("#camp-numbers")).to_contain_text("principal")
    await desk.get_by_role("button", name="Avançar").click()

    # Copy: two variants, the preview bubble follows the one being typed.
    first = desk.get_by_label("Variação 1")
    await first.fill("Olá {{primeiro_nome|cliente}}, {oferta|promoção} só hoje!")
    bubble = desk.locator("#camp-preview .bubble__text").last
    await expect(bubble).to_have_text("Olá Maria, oferta só hoje!")
    await desk.get_by_role("button", name="+ Variação").click()
    await desk.get_by_label("Variação 2").fill("{{saudacao}}! Descontos de até 50%, {{nome}}.")
    await expect(bubble).to_contain_text("Descontos de até 50%, Maria Silva.")
    await shot(desk, "form-copy-1366")

    for _ in range(3):  # schedule, pacing (the contract's defaults), review
        await desk.get_by_role("button", name="Avançar").click()
    await expect(desk.locator("#camp-review")).to_contain_text("Clientes VIP")
    await desk.get_by_role("button", name="Salvar rascunho").click()
    await expect(desk.locator("#toasts")).to_contain_text("Rascunho salvo", timeout=WAIT)
    listed = await ok(await client.get("/api/v1/campaigns", headers=org.headers))
    [draft] = listed["data"]
    assert draft["status"] == "DRAFT" and len(draft["messages"]) == 2
    assert (
        draft["pacing"]["minDelaySeconds"] == 25 and draft["pacing"]["dailyCapPerConnection"] == 500
    )
    assert draft["schedule"]["timezone"] == "America/Sao_Paulo"

    # Save and start: the campaign's page, sending, with its recipients pending.
    await desk.get_by_role("button", name="Salvar e iniciar").click()
    await expect(desk.locator("#camp-status")).to_have_text("Enviando", timeout=WAIT)
    await expect(desk.locator("[data-stat=total]")).to_have_text("2")
    await expect(desk.locator("[data-stat=pending]")).to_have_text("2")
    await expect(desk.locator("#camp-recipients tbody tr")).to_have_count(2)
    await expect(desk.locator("#camp-live")).to_be_visible()
    await shot(desk, "detail-running-1366")

    await desk.get_by_role("button", name="Pausar").click()
    await expect(desk.locator("#camp-status")).to_have_text("Pausada", timeout=WAIT)
    await expect(desk.get_by_role("button", name="Retomar")).to_be_visible()
    await shot(desk, "detail-paused-1366")

    await desk.goto(PAGE)
    row = desk.locator("#campaigns tbody tr").first
    await expect(row).to_contain_text("Pausada", timeout=WAIT)
    await expect(row).to_contain_text("0 de 2 enviadas")
    await shot(desk, "list-1366")

    # The same pages on a phone.
    phone_ctx, phone = await signed_in(browser, live.url, org.email, viewport=PHONE, path=PAGE)
    await expect(phone.locator("#campaigns tbody tr").first).to_contain_text(
        "Pausada", timeout=WAIT
    )
    await shot(phone, "list-390")
    await assert_no_sideways_scroll(phone)
    await phone.get_by_role("link", name="Black Friday").click()
    await expect(phone.locator("#camp-status")).to_have_text("Pausada", timeout=WAIT)
    await shot(phone, "detail-390")
    await assert_no_sideways_scroll(phone)
    await phone.get_by_role("link", name="Editar").click()
    await expect(phone.get_by_label("Variação 2")).to_be_attached(timeout=WAIT)
    await phone.get_by_role("button", name="2. Mensagem").click()
    await expect(phone.locator("#camp-preview .bubble__text").last).not_to_be_empty()
    await shot(phone, "form-copy-390")
    await assert_no_sideways_scroll(phone)
    await phone.get_by_role("button", name="3. Agenda").click()
    await phone.get_by_role("button", name="+ Janela").click()
    await shot(phone, "form-schedule-390")
    await assert_no_sideways_scroll(phone)

    # Cancel, confirmed; it cannot be started again.
    await desk.get_by_role("link", name="Black Friday").click()
    await desk.get_by_role("button", name="Cancelar campanha").click()
    await desk.locator("#cancel-dialog").get_by_role("button", name="Cancelar campanha").click()
    await expect(desk.locator("#camp-status")).to_have_text("Cancelada", timeout=WAIT)
    again = await client.post(f"/api/v1/campaigns/{draft['id']}/start", headers=org.headers)
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"

    assert desk.errors == [] and phone.errors == []  # type: ignore[attr-defined]
    await phone_ctx.close()
    await ctx.close()


async def test_an_agent_gets_the_403_page(
    browser: Browser, live: LiveServer, client: Client, org: Org
) -> None:
    await user(client, org, "AGENT", "agente@padaria.example")
    ctx, page = await signed_in(browser, live.url, "agente@padaria.example", viewport=DESKTOP)
    assert await page.locator("a[href='/inbox/campaigns']").count() == 0
    response = await page.goto(PAGE)
    assert response is not None and response.status == 403
    await expect(page.get_by_role("heading")).to_contain_text("403")
    await ctx.close()
