"""An administrator adds a WhatsApp-Web number from the browser: picks the provider,
fills in exactly its fields, watches the QR dialog refresh its image, scans it with the
look-alike's phone, and sees the dialog (and the list, live) turn "connected" by itself;
finds the first customer's message in the inbox; then edits the number's AI settings,
reads its stats and deletes it. Screens are captured at 1366x768 and 390 px wide
(test-artifacts/settings-connections/)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from apikit import Client, connection, ok
from inbox_browser_kit import PHONE, signed_in
from playwright.async_api import Browser, Page, expect
from support.live import LiveServer
from support.orgs import Org

from providers.whatsapp_web.lookalike import LookalikeServer
from providers.whatsapp_web.lookalike.testing import customer_says

ARTIFACTS = Path(__file__).parents[3] / "test-artifacts" / "settings-connections"
PAGE = "/inbox/settings/connections"
WAIT = 20_000  # ms; expect() returns as soon as the condition holds
OWN_PHONE_SHOWN = "+55 11 95555-4444"  # the look-alike's own number, formatted


async def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


async def assert_no_sideways_scroll(page: Page) -> None:
    """Neither the document nor the page's scrolling main (nor an open dialog) is wider
    than its box."""
    overflow = await page.evaluate(
        """() => [document.documentElement, document.querySelector('main'),
                  document.querySelector('dialog[open] form')]
            .filter(Boolean).map(el => el.scrollWidth - el.clientWidth)"""
    )
    assert all(extra <= 1 for extra in overflow), overflow


async def scan_until_connected(
    control: httpx.AsyncClient, client: Client, org: Org, cid: str
) -> None:
    """The look-alike pairs the pages showing a QR when the scan comes; one that
    missed it (its stream connected late under load) is paired at its next QR."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while loop.time() < deadline:
        if (await control.post("/_control/scan")).status_code == 200:
            for _ in range(30):
                state = await ok(
                    await client.get(f"/api/v1/connections/{cid}/status", headers=org.headers)
                )
                if state["status"] == "CONNECTED":
                    return
                await asyncio.sleep(0.1)
        await asyncio.sleep(0.2)
    raise AssertionError("the connection never reached CONNECTED")


async def test_an_admin_adds_a_whatsapp_web_number_and_scans_its_qr(
    browser: Browser, platform: LiveServer, lookalike: LookalikeServer, client: Client, org: Org
) -> None:
    await connection(client, org, name="Loja Nativa", aiEnabled=False)
    desk_ctx, desk = await signed_in(browser, platform.url, org.email, path=PAGE)
    await expect(desk.locator(".conn-row")).to_have_count(1)
    await expect(desk.locator(".conn-row [data-field=today]")).to_contain_text("0 recebidas")
    await shot(desk, "list-1366")

    # New number: the provider first, then exactly its fields.
    await desk.click("[data-conn=new]")
    dialog = desk.locator("#conn-new-dialog")
    await dialog.get_by_text("WhatsApp Web", exact=True).click()
    await expect(dialog.locator("input[data-key]")).to_have_count(1)
    await dialog.locator("input[name=name]").fill("Loja Centro")
    await dialog.get_by_label("Endereço do WhatsApp Web").fill(lookalike.base_url)
    await shot(desk, "new-number-1366")
    await dialog.get_by_role("button", name="Criar").click()

    # The QR dialog opens by itself on the new number and refreshes its image.
    qr = desk.locator("#conn-qr-dialog")
    image = qr.locator("img[data-qr=img]")
    await expect(image).to_be_visible(timeout=WAIT)
    first = await image.get_attribute("src")
    assert first and first.startswith("data:image/png;base64,")
    await shot(desk, "qr-1366")
    await desk.wait_for_function(
        "first => document.querySelector('#conn-qr-dialog img').src !== first", arg=first,
        timeout=WAIT,
    )  # fmt: skip
    listed = await ok(await client.get("/api/v1/connections", headers=org.headers))
    [cid] = [c["id"] for c in listed["data"] if c["name"] == "Loja Centro"]
    created = await ok(await client.get(f"/api/v1/connections/{cid}", headers=org.headers))
    assert created["provider"] == "WHATSAPP_WEB"
    assert created["config"] == {"webUrl": lookalike.base_url}

    # The same screens on a phone, while the QR waits.
    phone_ctx, phone = await signed_in(browser, platform.url, org.email, viewport=PHONE, path=PAGE)
    await expect(phone.locator(".conn-row")).to_have_count(2)
    await assert_no_sideways_scroll(phone)
    await shot(phone, "list-390")
    await phone.click("[data-conn=new]")
    phone_new = phone.locator("#conn-new-dialog")
    await phone_new.get_by_text("WAHA", exact=True).click()
    # WAHA's own fields: its API key is a secret (a password input).
    await expect(phone_new.locator("input[data-key]")).to_have_count(4)
    await expect(phone_new.locator("input[data-key=apiKey]")).to_have_attribute("type", "password")
    await assert_no_sideways_scroll(phone)
    await shot(phone, "new-number-390")
    await phone_new.get_by_role("button", name="Cancelar").click()
    await phone.locator(f"#conn-{cid} [data-conn=qr]").click()
    await expect(phone.locator("#conn-qr-dialog img[data-qr=img]")).to_be_visible(timeout=WAIT)
    await assert_no_sideways_scroll(phone)
    await shot(phone, "qr-390")

    # Scanning on the phone: both dialogs and the list turn "connected" by themselves.
    async with httpx.AsyncClient(base_url=lookalike.base_url, timeout=30) as control:
        await scan_until_connected(control, client, org, cid)
        # A customer writes: the number's stats count it (shown in the charts below).
        await customer_says(control, **{"from": "5511987654321", "name": "Mariana", "text": "Oi"})
    for page in (desk, phone):
        done = page.locator("#conn-qr-dialog [data-qr=connected]")
        await expect(done).to_have_text(f"Conectado como {OWN_PHONE_SHOWN}", timeout=WAIT)
        await expect(page.locator("#conn-qr-dialog img[data-qr=img]")).to_be_hidden()
        row = page.locator(f"#conn-{cid}")
        await expect(row.locator("[data-field=status]")).to_have_text("Conectado", timeout=WAIT)
        await expect(row.locator("[data-field=phone]")).to_have_text(OWN_PHONE_SHOWN)
    await shot(desk, "connected-1366")
    await shot(phone, "connected-390")

    # One number's page: AI settings saved through the API, stats as charts.
    await desk.locator("#conn-qr-dialog").get_by_role("button", name="Fechar").click()
    stats_path = f"/api/v1/connections/{cid}/stats"
    for _ in range(100):
        stats = await ok(await client.get(stats_path, headers=org.headers))
        if stats["today"]["messagesIn"]:
            break
        await asyncio.sleep(0.1)
    assert stats["today"]["messagesIn"] == 1

    # The customer's message is in the inbox: listed under its session's status, and
    # opened, it reads as the customer wrote it.
    sessions = await ok(
        await client.get("/api/v1/sessions", params={"connectionId": cid}, headers=org.headers)
    )
    [chat] = sessions["data"]
    inbox_ctx, inbox = await signed_in(
        browser, platform.url, org.email, path=f"/inbox?status={chat['status']}"
    )
    queued = inbox.locator(f"#q-{chat['id']}")
    await expect(queued).to_contain_text("Mariana", timeout=WAIT)
    await queued.click()
    customer = inbox.locator(".msg--customer")
    await expect(customer).to_have_count(1, timeout=WAIT)
    await expect(customer).to_contain_text("Oi")
    await shot(inbox, "first-message-1366")
    assert inbox.errors == []  # type: ignore[attr-defined]
    await inbox_ctx.close()

    await desk.locator(f"#conn-{cid}").get_by_role("link", name="Configurar").click()
    await expect(desk.locator("#conn-stats figure")).to_have_count(3, timeout=WAIT)
    today = desk.locator("#conn-stats figure[data-window=today] .conn-chart__row").first
    await expect(today).to_contain_text("Recebidas1")
    await desk.fill("input[name=aiBlockTtlMinutes]", "30")
    await desk.fill("textarea[name=systemPrompt]", "Somos a Padaria Centro.")
    await desk.locator("[data-conn-form=ai]").get_by_role("button", name="Salvar").click()
    await expect(desk.locator("#toasts")).to_contain_text("Salvo.", timeout=WAIT)
    saved = await ok(await client.get(f"/api/v1/connections/{cid}", headers=org.headers))
    assert (saved["aiBlockTtlMinutes"], saved["systemPrompt"]) == (30, "Somos a Padaria Centro.")
    await shot(desk, "number-1366")
    await phone.goto(f"{PAGE}/{cid}")
    await expect(phone.locator("#conn-stats figure")).to_have_count(3, timeout=WAIT)
    await assert_no_sideways_scroll(phone)
    await shot(phone, "number-390")
    await phone.locator("#conn-stats").scroll_into_view_if_needed()
    await shot(phone, "number-stats-390")
    await desk.locator("#conn-stats").scroll_into_view_if_needed()
    await shot(desk, "number-stats-1366")

    # Delete, confirmed in a dialog.
    await desk.locator(".conn-row [data-conn=delete]").click()
    await desk.locator("#conn-delete-dialog").get_by_role("button", name="Excluir").click()
    await expect(desk).to_have_url(f"{platform.url}{PAGE}", timeout=WAIT)
    await expect(desk.locator(".conn-row")).to_have_count(1)
    gone = await client.get(f"/api/v1/connections/{cid}", headers=org.headers)
    assert gone.status_code == 404
    assert desk.errors == [] and phone.errors == []  # type: ignore[attr-defined]
    await desk_ctx.close()
    await phone_ctx.close()


async def test_a_set_secret_shows_as_set_and_is_kept_unless_typed(
    browser: Browser, platform: LiveServer, client: Client, org: Org
) -> None:
    config = {"baseUrl": "https://waha.example", "apiKey": "chave-super-secreta-123"}
    waha = await connection(client, org, name="Loja WAHA", provider="WAHA", config=config)
    path = f"{PAGE}/{waha['id']}"
    ctx, page = await signed_in(browser, platform.url, org.email, viewport=PHONE, path=path)
    secret = page.locator("input[data-key=apiKey]")
    await expect(secret).to_have_attribute("placeholder", "definido — digite para trocar")
    await expect(secret).to_have_value("")
    await expect(page.locator("input[data-key=baseUrl]")).to_have_value("https://waha.example")
    assert "chave-super-secreta-123" not in await page.content()
    form = page.locator("[data-conn-form=config]")
    await page.locator("input[data-key=session]").fill("loja")
    await form.get_by_role("button", name="Salvar").click()
    await expect(page.locator("#toasts")).to_contain_text("Salvo.", timeout=WAIT)
    saved = await ok(await client.get(f"/api/v1/connections/{waha['id']}", headers=org.headers))
    assert saved["config"] == {"baseUrl": "https://waha.example", "session": "loja"}
    assert saved["configuredSecrets"] == ["apiKey"]
    await form.scroll_into_view_if_needed()
    await assert_no_sideways_scroll(page)
    await shot(page, "provider-settings-390")
    assert page.errors == []  # type: ignore[attr-defined]
    await ctx.close()
