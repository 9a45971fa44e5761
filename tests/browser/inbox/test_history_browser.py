"""The session history in the conversation pane, in real Chromium: the opening by the
customer, the API's transfer to the department's queue and the agent taking it show as
queue-state chips among the messages (the take arrives live), and the tabulation dialog
offers only the tabulations the session's department may use; the dashboard's time in
each state. Captured at 1366x768 and 390 px."""

from __future__ import annotations

from apikit import department, ok, tabulation
from inbox_browser_kit import AGENT_EMAIL, PHONE, Shop, shot, signed_in
from playwright.async_api import Browser, expect

WAIT = 15_000  # ms: generous for a loaded 2-core machine; expect() returns as soon as true


async def test_the_timeline_shows_the_sessions_history_and_scoped_tabulations(
    browser: Browser, shop: Shop
) -> None:
    sales = await department(shop.client, shop.org, "Vendas")
    await tabulation(shop.client, shop.org, "Venda fechada", departmentId=sales["id"])
    await tabulation(shop.client, shop.org, "Segunda via", departmentId=shop.department_id)
    await shop.customer_says("Oi! Minha internet caiu")
    session_id = await shop.queue_for_humans()

    ctx, agent = await signed_in(browser, shop.one.url, AGENT_EMAIL, path=f"/inbox/s/{session_id}")
    events = agent.locator("#timeline .event")
    await expect(events).to_have_count(3, timeout=WAIT)
    opened, moved, queued = events.nth(0), events.nth(1), events.nth(2)
    await expect(opened.locator(".event__state")).to_have_text("automação")
    await expect(opened).to_contain_text("Aberto")
    await expect(opened).to_contain_text("pelo cliente")
    await expect(moved).to_have_attribute("data-kind", "ASSIGNMENT")
    await expect(moved).to_contain_text("setor Suporte")
    await expect(moved).to_contain_text("pela API")
    await expect(queued.locator(".event__state")).to_have_text("espera")
    await expect(queued).to_contain_text("Passou para Na fila")

    await agent.locator('[data-action="take"]').click()
    took = events.nth(3)
    await expect(took.locator(".event__state")).to_have_text("atendimento", timeout=WAIT)
    await expect(took).to_contain_text("atendente Ana Lima")
    await expect(took).to_contain_text("por Ana Lima")
    await shot(agent, "history-1366")

    await agent.locator('[data-action="tabulate"]').click()
    dialog = agent.locator("#tabulate-dialog")
    await expect(dialog).to_be_visible()
    offered = dialog.locator("label.check")
    await expect(offered).to_have_text(["Resolvido", "Segunda via"])
    await shot(agent, "history-tabulate-1366")
    await dialog.locator('button[value="cancel"]').click()

    # The dashboard times each queue state from the same history.
    await agent.goto("/inbox/dashboard")
    states = agent.locator("#chart-states")
    await expect(states.locator("[data-state]")).to_have_count(3)
    await expect(states).to_contain_text("espera")
    await states.scroll_into_view_if_needed()
    await shot(agent, "history-dashboard-1366")
    await ctx.close()

    phone_ctx, phone = await signed_in(
        browser, shop.one.url, AGENT_EMAIL, viewport=PHONE, path=f"/inbox/s/{session_id}"
    )
    await expect(phone.locator("#timeline .event")).to_have_count(4, timeout=WAIT)
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    await shot(phone, "history-390")
    await phone.goto("/inbox/dashboard")
    await phone.locator("#chart-states").scroll_into_view_if_needed()
    await shot(phone, "history-dashboard-390")
    assert not phone.errors  # type: ignore[attr-defined]
    await phone_ctx.close()


async def test_an_admin_ties_a_tabulation_to_an_outcome_in_settings(
    browser: Browser, shop: Shop
) -> None:
    ctx, page = await signed_in(
        browser, shop.one.url, shop.org.email, path="/inbox/settings/tabulations"
    )
    await page.click("text=+ Nova tabulação")
    dialog = page.locator("#tabulation-dialog")
    await dialog.locator("input[name=name]").fill("Transferida pela IA")
    await dialog.locator("input[name=autoTabulation]").check()
    await dialog.locator("select[name=autoTrigger]").select_option("AI_HANDOFF")
    await dialog.locator("button[type=submit]").click()
    row = page.locator("#tabulations tr", has_text="Transferida pela IA")
    await expect(row).to_contain_text("a IA transferir para humanos", timeout=WAIT)
    found = await ok(
        await shop.client.get("/api/v1/tabulations?limit=100", headers=shop.org.headers)
    )
    [tab] = [t for t in found["data"] if t["name"] == "Transferida pela IA"]
    assert (tab["autoTabulation"], tab["autoTrigger"]) == (True, "AI_HANDOFF")

    await row.locator("text=Editar").click()
    await expect(dialog.locator("select[name=autoTrigger]")).to_have_value("AI_HANDOFF")
    await shot(page, "history-tabulation-trigger-1366")
    await page.keyboard.press("Escape")
    await page.set_viewport_size(PHONE)
    await row.locator("text=Editar").click()
    await expect(dialog.locator("select[name=autoTrigger]")).to_have_value("AI_HANDOFF")
    await shot(page, "history-tabulation-trigger-390")
    assert not page.errors  # type: ignore[attr-defined]
    await ctx.close()
