"""The team and tabulation settings pages in a real browser against the real stack: an
admin creates a department and an agent in it with a one-time password, and that agent
signs in and sees only their department's queue; an admin creates a coloured
tabulation; a supervisor sees the team but not connections, and what the API refuses
them is shown; the settings pages are captured at desktop and phone sizes."""

from __future__ import annotations

import re
from pathlib import Path

from apikit import ok, user
from inbox_browser_kit import DESKTOP, PHONE, Shop, signed_in
from playwright.async_api import Browser, Page, expect

WAIT = 15_000  # ms: generous for a loaded 2-core machine; expect() returns as soon as true
ARTIFACTS = Path(__file__).parents[3] / "test-artifacts" / "settings"


async def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def _no_sideways_scroll(page: Page, width: int) -> None:
    """Neither the page nor the settings pane scrolls sideways."""
    page_width = await page.evaluate("document.documentElement.scrollWidth")
    pane = await page.evaluate(
        "(() => { const m = document.querySelector('main');"
        " return [m.scrollWidth, m.clientWidth]; })()"
    )
    assert page_width <= width and pane[0] <= pane[1], (page.url, page_width, pane)


async def test_an_admin_creates_a_department_and_an_agent_who_sees_only_its_queue(
    browser: Browser, shop: Shop
) -> None:
    context, page = await signed_in(browser, shop.one.url, shop.org.email)
    await page.click("nav.topnav >> text=Configurações")
    await expect(page).to_have_url(re.compile("/inbox/settings$"))
    await page.click(".setcard[data-page=team] h2 a")
    await expect(page.locator("h1")).to_have_text("Equipe")

    await page.click("text=+ Novo departamento")
    dialog = page.locator("#department-dialog")
    await expect(dialog.locator("h3")).to_have_text("Novo departamento")
    await dialog.locator("input[name=name]").fill("Financeiro")
    await dialog.locator("textarea[name=description]").fill("Boletos e notas")
    await dialog.locator("input[name=roundRobin]").uncheck()
    await dialog.locator("button[type=submit]").click()
    department = page.locator("#departments tr", has_text="Financeiro")
    await expect(department).to_contain_text("Boletos e notas", timeout=WAIT)

    # Keyboard only: the new user dialog, its fields and its submit.
    await page.locator("text=+ Novo usuário").focus()
    await page.keyboard.press("Enter")
    dialog = page.locator("#user-dialog")
    await expect(dialog.locator("input[name=name]")).to_be_focused()
    await page.keyboard.type("Carla Souza")
    await dialog.locator("input[name=email]").fill("carla@padaria.example")
    await dialog.locator("select[name=role]").select_option("AGENT")
    await dialog.locator("label.check", has_text="Financeiro").locator("input").check()
    await expect(dialog.locator("[data-only=new]")).to_be_visible()
    await dialog.locator("button[type=submit]").click()
    shown = page.locator("#password-dialog")
    await expect(shown).to_be_visible(timeout=WAIT)
    await expect(shown).to_contain_text("carla@padaria.example")
    password = (await page.locator("#one-time-password").text_content()) or ""
    assert re.fullmatch(r"[A-Za-z2-9]{14}", password), password
    await page.keyboard.press("Escape")  # closing it shows the new user in the list
    carla = page.locator("#users tr", has_text="Carla Souza")
    await expect(carla).to_contain_text("Financeiro", timeout=WAIT)
    await expect(carla).to_contain_text("Atendente")
    await expect(page.locator("#one-time-password")).to_have_text("")  # shown once only
    await expect(department.locator("td[data-label=Membros]")).to_have_text("1")

    # One customer waits in Suporte, another in Financeiro.
    await shop.customer_says("Quero trocar um produto", phone="5511911112222", name="Rui Suporte")
    await shop.queue_for_humans("5511911112222")
    await shop.customer_says("Meu boleto venceu", phone="5511933334444", name="Lia Finanças")
    their = await _open_session(shop, "5511933334444")
    finance = await _department_id(shop, "Financeiro")
    body = {"departmentId": finance, "autoAssign": False}
    await ok(await shop.client.post(f"{their}/assign", json=body, headers=shop.org.headers))
    body = {"status": "QUEUED"}
    await ok(await shop.client.patch(f"{their}/status", json=body, headers=shop.org.headers))

    agent_ctx, agent = await signed_in(browser, shop.two.url, "carla@padaria.example", password)
    await expect(agent.locator(".qrow")).to_have_count(1, timeout=WAIT)
    await expect(agent.locator(".qrow")).to_contain_text("Lia Finanças")
    assert "Rui Suporte" not in await agent.locator("#queue-list").inner_text()
    assert await agent.locator("nav.topnav a[href='/inbox/settings']").count() == 0
    await agent.goto("/inbox/settings/team")
    await expect(agent.locator("h1")).to_have_text("403 · Acesso negado")

    # Deactivating her signs her out of the next page load.
    await carla.locator("[data-set-active=false]").click()
    await expect(page.locator("#users tr", has_text="Carla Souza")).to_contain_text(
        "Inativo", timeout=WAIT
    )
    await agent.goto("/inbox")
    await expect(agent).to_have_url(re.compile("/inbox/login"))
    assert page.errors == [] and agent.errors == []  # type: ignore[attr-defined]
    await agent_ctx.close()
    await context.close()


async def _open_session(shop: Shop, phone: str) -> str:
    headers = shop.org.headers
    person = await ok(await shop.client.get(f"/api/v1/contacts/by-phone/{phone}", headers=headers))
    found = await ok(
        await shop.client.get(f"/api/v1/sessions?contactId={person['id']}", headers=headers)
    )
    [session] = [s for s in found["data"] if s["status"] != "CLOSED"]
    return f"/api/v1/sessions/{session['id']}"


async def _department_id(shop: Shop, name: str) -> str:
    found = await ok(await shop.client.get("/api/v1/departments", headers=shop.org.headers))
    [department] = [d for d in found["data"] if d["name"] == name]
    return str(department["id"])


async def test_an_admin_creates_a_coloured_tabulation_and_sees_it_listed(
    browser: Browser, shop: Shop
) -> None:
    context, page = await signed_in(
        browser, shop.one.url, shop.org.email, path="/inbox/settings/tabulations"
    )
    await page.click("text=+ Nova tabulação")
    dialog = page.locator("#tabulation-dialog")
    await dialog.locator("input[name=name]").fill("Venda fechada")
    await dialog.locator("input[type=color]").fill("#c026d3")
    await dialog.locator("textarea[name=description]").fill("O cliente comprou")
    await dialog.locator("select[name=departmentId]").select_option(label="Suporte")
    await dialog.locator("input[name=autoTabulation]").check()
    await dialog.locator("button[type=submit]").click()
    row = page.locator("#tabulations tr", has_text="Venda fechada")
    await expect(row).to_contain_text("O cliente comprou", timeout=WAIT)
    await expect(row).to_contain_text("Suporte")
    await expect(row.locator(".tag")).to_have_attribute("style", "--tag: #c026d3")

    # Edit: the dialog opens filled in; the scope goes back to every department.
    await row.locator("text=Editar").click()
    await expect(dialog.locator("input[type=color]")).to_have_value("#c026d3")
    await dialog.locator("select[name=departmentId]").select_option(value="")
    await dialog.locator("button[type=submit]").click()
    await expect(row).to_contain_text("Todos os departamentos", timeout=WAIT)

    # A duplicate name is refused by the API, and the dialog says why.
    await page.click("text=+ Nova tabulação")
    await dialog.locator("input[name=name]").fill("Resolvido")
    await dialog.locator("button[type=submit]").click()
    await expect(dialog.locator("[data-error]")).to_contain_text("(409)", timeout=WAIT)
    await page.keyboard.press("Escape")

    await row.locator("text=Excluir").click()
    await page.locator("#confirm-dialog button[type=submit]").click()
    await expect(page.locator("#tabulations tr", has_text="Venda fechada")).to_have_count(
        0, timeout=WAIT
    )
    assert page.errors == []  # type: ignore[attr-defined]
    await context.close()


async def test_a_supervisor_sees_the_team_but_not_connections(browser: Browser, shop: Shop) -> None:
    await user(shop.client, shop.org, "SUPERVISOR", "sofia@padaria.example", [shop.department_id])
    context, page = await signed_in(
        browser, shop.one.url, "sofia@padaria.example", path="/inbox/settings"
    )
    cards = page.locator(".setcard")
    await expect(cards).to_have_count(4)  # team, tabulations, quick replies, bot
    assert await page.locator("a[href='/inbox/settings/connections']").count() == 0
    response = await page.goto("/inbox/settings/connections")
    assert response is not None and response.status == 403
    await page.goto("/inbox/settings/team")
    await expect(page.locator(".setnote")).to_be_visible()
    await expect(page.locator("#users tr", has_text="ana@padaria.example")).to_be_visible()
    # Creating an administrator is the API's to refuse; the dialog shows its reason.
    await page.click("text=+ Novo usuário")
    dialog = page.locator("#user-dialog")
    await dialog.locator("input[name=email]").fill("chefe@padaria.example")
    await dialog.locator("select[name=role]").select_option("ADMIN")
    await dialog.locator("button[type=submit]").click()
    error = dialog.locator("[data-error]")
    await expect(error).to_contain_text("Você não tem permissão para isso.", timeout=WAIT)
    await expect(error).to_contain_text("(403): Only an administrator can do this.")
    await _shot(page, "team-supervisor-refused-1366")
    assert page.errors == []  # type: ignore[attr-defined]
    await context.close()


async def test_the_settings_pages_at_desktop_and_phone_sizes(browser: Browser, shop: Shop) -> None:
    body = {"shortcut": "oi", "content": "Olá, {contact.firstName}! Em que posso ajudar?"}
    created = await shop.client.post("/api/v1/quick-replies", json=body, headers=shop.org.headers)
    await ok(created, 201)
    pages = (("index", "/inbox/settings"), ("team", "/inbox/settings/team"),
             ("tabulations", "/inbox/settings/tabulations"),
             ("quick-replies", "/inbox/settings/quick-replies"))  # fmt: skip
    for size, viewport in (("1366", DESKTOP), ("390", PHONE)):
        context, page = await signed_in(browser, shop.one.url, shop.org.email, viewport=viewport)
        for name, path in pages:
            await page.goto(path)
            await expect(page.locator("main h1").first).to_be_visible()
            await _shot(page, f"{name}-{size}")
            await _no_sideways_scroll(page, viewport["width"])
        await page.goto("/inbox/settings/team")
        await page.click("text=+ Novo usuário")
        await _shot(page, f"team-new-user-{size}")
        await context.close()
