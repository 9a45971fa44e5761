"""The top bar's sections on every page of the shared shell, in real headless Chromium:
at 390 px a menu button names the current section and opens all of them, each fully
visible and tappable (the last one too), without widening the page; at 1366x768 the
sections stay in the bar and the button is not there.

Screens: test-artifacts/inbox/nav-*.png."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from inbox_browser_kit import DESKTOP, PHONE, shot, signed_in
from playwright.async_api import Browser, Page, expect
from support.live import LiveServer
from support.orgs import Org

from app.asgi import create_app
from app.config import Settings
from app.inbox.settings_shell import PAGES

WAIT = 20_000
SECTIONS = ["Atendimentos", "Painel", "Equipe", "Contatos", "Campanhas", "Configurações"]
# Every page an administrator reaches that is drawn in the shell (app.html), with the
# section its button names.
SHELL_PAGES = [
    ("/inbox", "Atendimentos"),
    ("/inbox/dashboard", "Painel"),
    ("/inbox/team", "Equipe"),
    ("/inbox/contacts", "Contatos"),
    ("/inbox/campaigns", "Campanhas"),
    ("/inbox/campaigns/new", "Campanhas"),
    ("/inbox/settings", "Configurações"),
    *[(page.path, "Configurações") for page in PAGES],
]


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[LiveServer]:
    async with LiveServer(create_app(settings)) as server:
        yield server


async def _sideways(page: Page) -> list[int]:
    return list(
        await page.evaluate(
            """() => [document.documentElement, document.querySelector('.topbar')]
                .filter(Boolean).map(el => el.scrollWidth - el.clientWidth)"""
        )
    )


async def _inside_viewport(page: Page, name: str) -> None:
    link = page.locator("#topnav").get_by_role("link", name=name, exact=True)
    await expect(link).to_be_visible()
    box = await link.bounding_box()
    assert box is not None
    width = PHONE["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (name, box)
    assert box["height"] >= 40, (name, box)  # a finger's target
    # Nothing covers it: the point a tap lands on belongs to the link.
    hit = await page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.closest('a')?.textContent.trim()",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert hit == name, (name, hit)


async def test_every_section_is_reachable_on_a_phone(
    browser: Browser, api: LiveServer, org: Org
) -> None:
    ctx, phone = await signed_in(browser, api.url, org.email, viewport=PHONE)
    toggle = phone.locator("#topnav-toggle")
    for path, current in SHELL_PAGES:
        await phone.goto(path)
        await expect(toggle).to_be_visible(timeout=WAIT)
        await expect(toggle).to_contain_text(current)
        await expect(toggle).to_have_attribute("aria-expanded", "false")
        await expect(phone.locator("#topnav")).to_be_hidden()
        assert all(extra <= 1 for extra in await _sideways(phone)), path

        await toggle.click()
        await expect(toggle).to_have_attribute("aria-expanded", "true")
        for name in SECTIONS:
            await _inside_viewport(phone, name)
        current_link = phone.locator("#topnav a[aria-current=page]")
        await expect(current_link).to_have_text(current)
        assert all(extra <= 1 for extra in await _sideways(phone)), path
        if path in ("/inbox", "/inbox/settings/organization"):
            await shot(phone, f"nav-open-390-{path.strip('/').replace('/', '-')}")
        await phone.keyboard.press("Escape")
        await expect(phone.locator("#topnav")).to_be_hidden()
        await expect(toggle).to_be_focused()

    # The last section is one tap away from the first page, and a tap outside closes it.
    await phone.goto("/inbox")
    await toggle.click()
    await phone.locator("main, .inbox").first.click(position={"x": 200, "y": 600})
    await expect(phone.locator("#topnav")).to_be_hidden()
    await toggle.click()
    await phone.locator("#topnav").get_by_role("link", name="Configurações").click()
    await expect(phone).to_have_url(f"{api.url}/inbox/settings", timeout=WAIT)
    await expect(toggle).to_contain_text("Configurações")
    await shot(phone, "nav-closed-390-settings")
    assert phone.errors == []  # type: ignore[attr-defined]
    await ctx.close()


async def test_the_desktop_bar_keeps_its_sections(
    browser: Browser, api: LiveServer, org: Org
) -> None:
    ctx, desk = await signed_in(browser, api.url, org.email, viewport=DESKTOP)
    for path, current in SHELL_PAGES:
        await desk.goto(path)
        await expect(desk.locator("#topnav")).to_be_visible(timeout=WAIT)
        await expect(desk.locator("#topnav-toggle")).to_be_hidden()
        for name in SECTIONS:
            link = desk.locator("#topnav").get_by_role("link", name=name, exact=True)
            await expect(link).to_be_visible()
            box = await link.bounding_box()
            assert box is not None and box["y"] < 52, (path, name, box)  # in the bar
        await expect(desk.locator("#topnav a[aria-current=page]")).to_have_text(current)
        assert all(extra <= 1 for extra in await _sideways(desk)), path
    await desk.goto("/inbox/settings/organization")
    await shot(desk, "nav-1366-settings")
    assert desk.errors == []  # type: ignore[attr-defined]
    await ctx.close()
