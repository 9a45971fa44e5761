"""First run in a real browser: a fresh database (no organization), the api over HTTP,
headless Chromium. Opening /inbox leads to the setup form; a refused field is shown;
the filled form creates the organization, signs its administrator in and lands on the
checklist; the setup page is never offered again. Screenshots at 1366x768 and 390 px in
test-artifacts/first-run/."""

from __future__ import annotations

import re
from pathlib import Path

from inbox_browser_kit import DESKTOP, PHONE
from playwright.async_api import Browser, BrowserContext, Page, expect
from support.live import LiveServer
from support.webhooks import Db

from app.asgi import create_app
from app.config import Settings

WAIT = 15_000  # ms: generous for a loaded 2-core machine; expect() returns as soon as true
ARTIFACTS = Path(__file__).parents[3] / "test-artifacts" / "first-run"


async def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def _no_sideways_scroll(page: Page, width: int) -> None:
    page_width = await page.evaluate("document.documentElement.scrollWidth")
    main = await page.evaluate(
        "(() => { const m = document.querySelector('main');"
        " return [m.scrollWidth, m.clientWidth]; })()"
    )
    assert page_width <= width and main[0] <= main[1], (page.url, page_width, main)


async def _open(
    browser: Browser, url: str, viewport: dict[str, int]
) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(viewport=viewport, locale="pt-BR", base_url=url)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors  # type: ignore[attr-defined]
    return context, page


async def test_a_fresh_install_is_set_up_from_the_browser_and_lands_on_the_checklist(
    browser: Browser, settings: Settings
) -> None:
    assert settings.database_url
    db = Db(settings.database_url)
    async with LiveServer(create_app(settings)) as api:
        phone_context, phone = await _open(browser, api.url, PHONE)
        await phone.goto("/inbox")
        await expect(phone).to_have_url(re.compile("/inbox/setup$"))
        await expect(phone.locator("h1")).to_have_text("Bem-vindo ao Balcão")
        await _no_sideways_scroll(phone, PHONE["width"])
        await _shot(phone, "setup-390")
        await phone.click("[data-lang=en]")
        await expect(phone.locator("h1")).to_have_text("Welcome to Balcão")
        await _shot(phone, "setup-390-en")
        await phone.click("[data-lang=pt-BR]")
        await expect(phone.locator("h1")).to_have_text("Bem-vindo ao Balcão")

        context, page = await _open(browser, api.url, DESKTOP)
        await page.goto("/inbox")
        await expect(page).to_have_url(re.compile("/inbox/setup$"))
        await _shot(page, "setup-1366")
        form = page.locator("#setup-form")
        await form.locator("input[name=organizationName]").fill("Padaria Centro")
        await form.locator("input[name=adminName]").fill("Maria Souza")
        await form.locator("input[name=adminEmail]").fill("maria@padaria.example")
        await form.locator("input[name=adminPassword]").fill("curta")
        await form.locator("button[type=submit]").click()
        error = page.locator("#setup-error")
        await expect(error).to_have_text("A senha precisa ter pelo menos 8 caracteres.")
        await expect(form.locator("input[name=adminPassword]")).to_have_attribute(
            "aria-invalid", "true"
        )
        await _shot(page, "setup-refused-1366")
        assert await db.val("SELECT count(*) FROM organization") == 0

        await form.locator("input[name=adminPassword]").fill("senha-forte-123")
        await page.keyboard.press("Enter")
        await expect(page).to_have_url(re.compile("/inbox$"), timeout=WAIT)
        checklist = page.locator("#checklist")
        await expect(checklist).to_be_visible()
        await expect(checklist.locator("h2")).to_have_text(
            "Vamos colocar o seu WhatsApp para atender"
        )
        await expect(checklist.locator(".checklist__step")).to_have_count(4)
        await expect(page.locator("#live")).to_have_attribute("data-state", "online", timeout=WAIT)
        await expect(page.locator(".me__name")).to_have_text("Maria Souza")
        await _no_sideways_scroll(page, DESKTOP["width"])
        await _shot(page, "checklist-1366")
        assert await db.val("SELECT name FROM organization") == "Padaria Centro"

        # Never again: the phone's setup page now goes to sign-in; signed in there, the
        # same checklist, phone-sized, in English too.
        await phone.goto("/inbox/setup")
        await expect(phone).to_have_url(re.compile("/inbox/login$"))
        await phone.fill("input[name=email]", "maria@padaria.example")
        await phone.fill("input[name=password]", "senha-forte-123")
        await phone.click("button[type=submit]")
        await expect(phone.locator("#checklist")).to_be_visible(timeout=WAIT)
        await expect(phone.locator("#checklist [data-step=team] a")).to_be_visible()
        await _no_sideways_scroll(phone, PHONE["width"])
        await _shot(phone, "checklist-390")
        # (the language menu is hidden on a phone: the cookie it sets, then a reload)
        await phone_context.add_cookies([{"name": "balcao_lang", "value": "en", "url": api.url}])
        await phone.reload()
        await expect(phone.locator("#checklist h2")).to_have_text(
            "Let's get your WhatsApp answering", timeout=WAIT
        )
        await _shot(phone, "checklist-390-en")

        # The first step leads to the numbers page.
        await checklist.locator("[data-step=connection] a").click()
        await expect(page).to_have_url(re.compile("/inbox/settings/connections$"))

        # A number (through the API, as the settings page does) that then connects: the
        # first two steps are ticked and the AI step is the next one.
        # The URL changes when the navigation commits, before the page's scripts ran.
        await page.wait_for_function("() => window.Balcao && window.Balcao.api")
        await page.evaluate(
            "Balcao.api.post('/api/v1/connections', {name: 'Loja', provider: 'NATIVE'})"
        )
        await db.fetch("UPDATE connection SET status = 'CONNECTED'")
        await page.goto("/inbox")
        for step, done in (("connection", "true"), ("scan", "true"), ("ai", "false")):
            await expect(checklist.locator(f"[data-step={step}]")).to_have_attribute(
                "data-done", done
            )
        await expect(checklist.locator("[aria-current=step]")).to_have_attribute("data-step", "ai")
        await expect(checklist.locator(".checklist__count")).to_have_text("2 de 4 concluídos")
        await _shot(page, "checklist-progress-1366")

        # On a phone the checklist takes the queue's screen only while there is no
        # number: now the queue is there (a customer's first message would show in it).
        await phone.reload()
        await expect(phone.locator("#queue")).to_be_visible()
        await expect(phone.locator("#checklist")).to_be_hidden()
        await _no_sideways_scroll(phone, PHONE["width"])

        assert page.errors == [] and phone.errors == []  # type: ignore[attr-defined]
        await context.close()
        await phone_context.close()
