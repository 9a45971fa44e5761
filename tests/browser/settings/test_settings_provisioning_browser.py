"""An administrator adds a WAHA number from the browser: the platform creates the
session on the WAHA stand-in with our webhook (a real arq worker runs the provisioning
job and the health-check cron), the QR dialog shows WAHA's QR PNG, replaces it when
WAHA refreshes it, and turns "connected as +55 …" by itself when the phone scans — no
webhook involved, the health check sees it. A Meta number shows the webhook URL and
verify token to paste instead of a QR, a native one no QR button at all. Screens at
1366x768 and 390 px wide in test-artifacts/settings-provisioning/."""

from __future__ import annotations

import asyncio
import sys
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from apikit import Client, connection, ok
from arq import Worker, cron
from inbox_browser_kit import PHONE, signed_in
from playwright.async_api import Browser, Page, expect
from support.live import LiveServer
from support.orgs import Org

from app.config import Settings
from workers import provision
from workers.config import JobConfig
from workers.context import CONTEXT_KEY, build_context, context
from workers.settings import FUNCTIONS, worker_redis_settings

sys.path.insert(0, str(Path(__file__).parents[2] / "standins"))

from provider_management import MetaGraph, WahaSessions

ARTIFACTS = Path(__file__).parents[3] / "test-artifacts" / "settings-provisioning"
PAGE = "/inbox/settings/connections"
WAIT = 20_000  # ms
OWN_PHONE_SHOWN = "+55 11 95555-4444"


async def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


async def assert_no_sideways_scroll(page: Page) -> None:
    overflow = await page.evaluate(
        """() => [document.documentElement, document.querySelector('main'),
                  document.querySelector('dialog[open] form')]
            .filter(Boolean).map(el => el.scrollWidth - el.clientWidth)"""
    )
    assert all(extra <= 1 for extra in overflow), overflow


@pytest.fixture
def waha() -> Iterator[WahaSessions]:
    with WahaSessions() as server:
        yield server


@pytest.fixture
async def worker(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Worker]:
    """A real arq worker with the registry's jobs and the health-check cron every
    second (a pairing connection checked every second, so a QR refresh shows fast; a
    settled one every 3 s instead of 30)."""
    monkeypatch.setattr(provision, "PAIRING_EVERY", 1.0)
    monkeypatch.setattr(provision, "CHECK_EVERY", 3.0)

    async def startup(ctx: dict[str, Any]) -> None:
        ctx[CONTEXT_KEY] = build_context(settings, JobConfig())

    async def shutdown(ctx: dict[str, Any]) -> None:
        await context(ctx).aclose()

    assert settings.redis_url
    running = Worker(
        functions=FUNCTIONS,
        cron_jobs=[cron(provision.check_connections, second=set(range(60)), unique=True)],
        redis_settings=worker_redis_settings(settings.redis_url),
        poll_delay=0.05,
        handle_signals=False,
        on_startup=startup,
        on_shutdown=shutdown,
        log_results=False,
    )
    task = asyncio.create_task(running.async_run())
    try:
        yield running
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        # arq 0.28 closes its pool with redis' deprecated close().
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            await running.close()


async def test_an_admin_adds_a_waha_number_and_scans_the_qr_waha_serves(
    browser: Browser,
    api: LiveServer,
    worker: Worker,
    waha: WahaSessions,
    client: Client,
    org: Org,
) -> None:
    desk_ctx, desk = await signed_in(browser, api.url, org.email, path=PAGE)
    await desk.click("[data-conn=new]")
    dialog = desk.locator("#conn-new-dialog")
    await dialog.get_by_text("WAHA", exact=True).click()
    await dialog.locator("input[name=name]").fill("Loja WAHA")
    await dialog.get_by_label("URL do servidor").fill(waha.base_url)
    await dialog.get_by_label("Chave da API").fill(waha.api_key)
    await shot(desk, "new-waha-1366")
    await dialog.get_by_role("button", name="Criar").click()

    # The worker created the session on WAHA; the dialog shows the QR WAHA serves.
    qr = desk.locator("#conn-qr-dialog")
    image = qr.locator("img[data-qr=img]")
    await expect(image).to_be_visible(timeout=WAIT)
    first = await image.get_attribute("src")
    assert first == "data:image/png;base64," + waha.qr_base64()
    listed = await ok(await client.get("/api/v1/connections", headers=org.headers))
    [created] = [c for c in listed["data"] if c["name"] == "Loja WAHA"]
    cid = created["id"]
    hook = waha.sessions["default"]["config"]["webhooks"][0]
    assert hook["url"] == created["webhookUrl"]
    await shot(desk, "qr-1366")

    # WAHA refreshes its QR: the dialog replaces the image by itself.
    waha.refresh_qr()
    await desk.wait_for_function(
        "first => document.querySelector('#conn-qr-dialog img').src !== first", arg=first,
        timeout=WAIT,
    )  # fmt: skip
    assert await image.get_attribute("src") == "data:image/png;base64," + waha.qr_base64()

    # The same dialog on a phone.
    phone_ctx, phone = await signed_in(browser, api.url, org.email, viewport=PHONE, path=PAGE)
    await phone.locator(f"#conn-{cid} [data-conn=qr]").click()
    await expect(phone.locator("#conn-qr-dialog img[data-qr=img]")).to_be_visible(timeout=WAIT)
    await assert_no_sideways_scroll(phone)
    await shot(phone, "qr-390")

    # The phone scans: WAHA says WORKING (no webhook reaches us), the dialogs and the
    # list turn connected by themselves.
    waha.pair("5511955554444")
    for page in (desk, phone):
        done = page.locator("#conn-qr-dialog [data-qr=connected]")
        await expect(done).to_have_text(f"Conectado como {OWN_PHONE_SHOWN}", timeout=WAIT)
        await expect(page.locator("#conn-qr-dialog img[data-qr=img]")).to_be_hidden()
        row = page.locator(f"#conn-{cid}")
        await expect(row.locator("[data-field=status]")).to_have_text("Conectado", timeout=WAIT)
        await expect(row.locator("[data-field=phone]")).to_have_text(OWN_PHONE_SHOWN)
    await shot(desk, "connected-1366")
    await shot(phone, "connected-390")

    # WAHA goes away: the health check says so, with the reason, on the list.
    waha.stop()
    await desk.locator("#conn-qr-dialog").get_by_role("button", name="Fechar").click()
    row = desk.locator(f"#conn-{cid}")
    await expect(row.locator("[data-field=status]")).to_have_text("Desconectado", timeout=WAIT)
    await expect(row.locator("[data-field=reason]")).to_contain_text("WAHA")
    await shot(desk, "down-1366")
    await phone.locator("#conn-qr-dialog").get_by_role("button", name="Fechar").click()
    await expect(phone.locator(f"#conn-{cid} [data-field=reason]")).to_be_visible(timeout=WAIT)
    await assert_no_sideways_scroll(phone)
    await shot(phone, "down-390")
    assert not desk.errors and not phone.errors  # type: ignore[attr-defined]
    await desk_ctx.close()
    await phone_ctx.close()


async def test_meta_shows_its_webhook_and_a_native_number_no_qr_button(
    browser: Browser, api: LiveServer, worker: Worker, client: Client, org: Org
) -> None:
    with MetaGraph() as meta:
        created = await connection(
            client, org, name="Loja Meta", provider="META",
            config={**meta.config, "verifyToken": "meu-token-123"},
        )  # fmt: skip
        native = await connection(client, org, name="Loja Nativa")
        desk_ctx, desk = await signed_in(browser, api.url, org.email, path=PAGE)
        await expect(desk.locator(f"#conn-{native['id']} [data-conn=qr]")).to_have_count(0)
        button = desk.locator(f"#conn-{created['id']} [data-conn=qr]")
        await expect(button).to_have_text("Webhook")
        await button.click()
        dialog = desk.locator("#conn-qr-dialog")
        await expect(dialog.locator("[data-qr=webhook]")).to_have_value(created["webhookUrl"])
        await expect(dialog.locator("[data-qr=token]")).to_have_value(
            "o que você definiu em “Token de verificação”"
        )
        await expect(dialog.locator("[data-qr=connected]")).to_have_text(
            f"Conectado como {OWN_PHONE_SHOWN}", timeout=WAIT
        )  # the worker checked the token and the phone number id
        await expect(dialog.locator("[data-qr=webhook]")).to_be_visible()
        await shot(desk, "meta-1366")
        await desk_ctx.close()

        phone_ctx, phone = await signed_in(browser, api.url, org.email, viewport=PHONE, path=PAGE)
        await phone.locator(f"#conn-{created['id']} [data-conn=qr]").click()
        await expect(phone.locator("#conn-qr-dialog [data-qr=webhook]")).to_be_visible()
        await assert_no_sideways_scroll(phone)
        await shot(phone, "meta-390")
        await phone_ctx.close()
