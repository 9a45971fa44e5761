"""The business-hours page in real headless Chromium against the real api (HTTP,
PostgreSQL, Redis): an administrator finds it in the settings index, builds a week
(two ranges on Monday, a night past midnight on Friday), turns holidays on for São
Paulo and sees the year's list, adds a special date, writes the notice with
{{proxima_abertura}}, saves, and a reload shows what the API holds; the "agora" line
follows the hours (a closed week: closed with no opening ahead; no hours: always
open); the scope switch edits a department's own hours and gives them back; the same
page on a 390-px phone; supervisors and agents get the 403 page.

The status line is asserted only where it does not depend on the real clock.
Screens at 1366x768 and 390 px: test-artifacts/settings-hours/."""

from __future__ import annotations

from pathlib import Path

import pytest
from apikit import Client, ok, user
from inbox_browser_kit import PHONE, signed_in
from playwright.async_api import Browser, Locator, Page, expect
from support.live import LiveServer
from support.orgs import Org

SHOTS = Path(__file__).parents[3] / "test-artifacts" / "settings-hours"
WAIT = 20_000  # ms; expect() returns as soon as the condition holds
PAGE = "/inbox/settings/hours"
API = "/api/v1/business-hours"


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def assert_no_sideways_scroll(page: Page) -> None:
    overflow = await page.evaluate(
        """() => [document.documentElement, document.querySelector('main'),
                  document.querySelector('#hours-form')]
            .filter(Boolean).map(el => el.scrollWidth - el.clientWidth)"""
    )
    assert all(extra <= 1 for extra in overflow), overflow


def day(page: Page, code: str) -> Locator:
    return page.locator(f".hday[data-day={code}]")


async def add_range(page: Page, code: str, start: str, end: str) -> Locator:
    row = day(page, code)
    await row.get_by_role("button", name="+ faixa").click()
    added = row.locator(".hrange").last
    await added.get_by_label("De").fill(start)
    await added.get_by_label("Até").fill(end)
    return added


async def save(page: Page) -> None:
    await page.locator("#hours-form").get_by_role("button", name="Salvar").click()
    await expect(page.locator("#toasts")).to_contain_text("Horário salvo.", timeout=WAIT)


async def test_an_admin_builds_the_week_saves_and_reloads(
    browser: Browser, api: LiveServer, client: Client, org: Org
) -> None:
    ctx, desk = await signed_in(browser, api.url, org.email, path="/inbox/settings")
    await desk.locator(".setcard[data-page=hours] h2 a").click()
    await expect(desk.get_by_role("heading", name="Horário de atendimento")).to_be_visible(
        timeout=WAIT
    )
    status = desk.locator("#hours-status")
    await expect(status).to_have_text("Agora: aberto (sem horário definido)", timeout=WAIT)
    await expect(desk.locator("#hours-origin")).to_contain_text("sempre aberto")
    await expect(day(desk, "MON").locator("[data-closed]")).to_be_visible()

    await add_range(desk, "MON", "08:00", "12:00")
    await add_range(desk, "MON", "13:00", "18:00")
    night = await add_range(desk, "FRI", "22:00", "02:00")
    await expect(night.locator("[data-night]")).to_have_text("até o dia seguinte")
    await expect(day(desk, "MON").locator("[data-closed]")).to_be_hidden()

    form = desk.locator("#hours-form")
    await form.get_by_label("Fechar nos feriados").check()
    await form.get_by_label("Estado").select_option("SP")
    preview = desk.locator("#hours-preview")
    await expect(preview).to_contain_text("Tiradentes", timeout=WAIT)
    await expect(preview).to_contain_text("Revolução Constitucionalista")

    await form.get_by_role("button", name="+ data especial").click()
    special = desk.locator(".hoverride").last
    await special.get_by_label("Data").fill("2026-12-24")
    await special.get_by_label("Descrição").fill("Véspera de Natal")
    await special.get_by_label("Fechado o dia todo").uncheck()
    await expect(special.locator(".hrange")).to_have_count(1)
    message = form.get_by_label("Mensagem fora do horário")
    await message.fill("Estamos fechados. Voltamos {{proxima_abertura}}.")
    await expect(desk.locator("#hours-message-help")).to_contain_text("{{proxima_abertura}}")
    await shot(desk, "edited-1366")
    await save(desk)

    saved = await ok(await client.get(API, headers=org.headers))
    assert saved["weekly"] == {
        "MON": [["08:00", "12:00"], ["13:00", "18:00"]],
        "FRI": [["22:00", "02:00"]],
    }
    assert saved["holidays"] == {"country": "BR", "subdivision": "SP", "closed": True}
    assert saved["overrides"] == [
        {
            "date": "2026-12-24",
            "yearly": False,
            "closed": False,
            "ranges": [["08:00", "12:00"]],
            "label": "Véspera de Natal",
        }
    ]
    assert saved["outOfHoursMessage"] == "Estamos fechados. Voltamos {{proxima_abertura}}."
    await expect(desk.locator("#hours-origin")).to_have_text("Horário próprio deste item.")
    await expect(status).to_contain_text("Agora:")

    await desk.reload()
    await expect(day(desk, "MON").locator(".hrange")).to_have_count(2, timeout=WAIT)
    await expect(day(desk, "MON").locator(".hrange").nth(1).get_by_label("De")).to_have_value(
        "13:00"
    )
    await expect(day(desk, "FRI").locator("[data-night]")).to_be_visible()
    await expect(form.get_by_label("Estado")).to_have_value("SP")
    await expect(desk.locator(".hoverride").get_by_label("Descrição")).to_have_value(
        "Véspera de Natal"
    )
    await expect(message).to_have_value("Estamos fechados. Voltamos {{proxima_abertura}}.")
    await shot(desk, "saved-1366")

    # A week with no ranges and no dates: closed, whenever this runs, no opening ahead.
    for code in ("MON", "MON", "FRI"):
        await day(desk, code).get_by_role("button", name="Remover faixa").first.click()
    await desk.locator(".hoverride").get_by_role("button", name="Remover data").click()
    await expect(desk.locator("#hours-overrides-none")).to_be_visible()
    await save(desk)
    await expect(status).to_have_text("Agora: fechado · sem abertura prevista", timeout=WAIT)
    await expect(status).to_have_attribute("data-state", "closed")
    await shot(desk, "closed-1366")
    # No hours at all: always open again.
    await form.get_by_role("button", name="Remover horário (sempre aberto)").click()
    await expect(status).to_have_text("Agora: aberto (sem horário definido)", timeout=WAIT)
    assert (await ok(await client.get(API, headers=org.headers)))["configured"] is False

    # A refusal is the API's, beside the form: overlapping ranges on one day.
    await add_range(desk, "TUE", "08:00", "12:00")
    await add_range(desk, "TUE", "11:00", "14:00")
    await form.get_by_role("button", name="Salvar").click()
    error = form.locator("[data-error]")
    await expect(error).to_contain_text("overlapping_ranges", timeout=WAIT)
    await expect(error).to_contain_text("[weekly.TUE]")
    assert desk.errors == []  # type: ignore[attr-defined]
    await ctx.close()


async def test_the_scope_switch_edits_a_department_s_own_hours(
    browser: Browser, api: LiveServer, client: Client, org: Org
) -> None:
    org_week = {"weekly": {"MON": [["08:00", "18:00"]]}}
    await ok(await client.put(API, json=org_week, headers=org.headers))
    made = await ok(
        await client.post("/api/v1/departments", json={"name": "Plantão"}, headers=org.headers),
        201,
    )
    ctx, desk = await signed_in(browser, api.url, org.email, path=PAGE)
    await expect(day(desk, "MON").locator(".hrange")).to_have_count(1, timeout=WAIT)
    form = desk.locator("#hours-form")
    await form.get_by_label("Setor", exact=True).check()
    await expect(desk.locator("#hours-origin")).to_contain_text(
        "Sem horário próprio: vale o da organização", timeout=WAIT
    )
    await expect(day(desk, "MON").locator(".hrange")).to_have_count(1)
    await add_range(desk, "SUN", "09:00", "13:00")
    await save(desk)
    own = await ok(
        await client.get(f"/api/v1/departments/{made['id']}/business-hours", headers=org.headers)
    )
    assert own["configured"] is True
    assert own["weekly"] == {"MON": [["08:00", "18:00"]], "SUN": [["09:00", "13:00"]]}
    assert (await ok(await client.get(API, headers=org.headers)))["weekly"] == org_week["weekly"]

    await desk.reload()  # the address keeps the scope
    await expect(day(desk, "SUN").locator(".hrange")).to_have_count(1, timeout=WAIT)
    await expect(form.get_by_label("Setor", exact=True)).to_be_checked()
    await form.get_by_role("button", name="Usar o horário da organização").click()
    await expect(desk.locator("#hours-origin")).to_contain_text(
        "vale o da organização", timeout=WAIT
    )
    await expect(day(desk, "SUN").locator(".hrange")).to_have_count(0)

    # The number scope: it has none of its own either.
    await form.get_by_label("Número", exact=True).check()
    await expect(form.locator("[data-pick=connection]")).to_be_visible()
    await ctx.close()

    phone_ctx, phone = await signed_in(browser, api.url, org.email, viewport=PHONE, path=PAGE)
    await expect(day(phone, "MON").locator(".hrange")).to_have_count(1, timeout=WAIT)
    await add_range(phone, "SAT", "22:00", "02:00")
    await expect(phone.locator("#hours-preview li").first).to_be_visible(timeout=WAIT)
    await assert_no_sideways_scroll(phone)
    await shot(phone, "page-390")
    await save(phone)
    await phone.reload()
    await expect(day(phone, "SAT").locator("[data-night]")).to_be_visible(timeout=WAIT)
    await assert_no_sideways_scroll(phone)
    await shot(phone, "saved-390")
    assert desk.errors == [] and phone.errors == []  # type: ignore[attr-defined]
    await phone_ctx.close()


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
    await ctx.close()
