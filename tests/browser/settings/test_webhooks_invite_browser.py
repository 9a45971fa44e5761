"""Two settings flows in real headless Chromium against the real stack (the api over
HTTP, PostgreSQL, Redis, a real arq worker for outbound webhooks):

- an administrator subscribes a CRM stand-in to webhooks, sees the secret once, reads a
  failed delivery's code and bodies in the log, and replays it to delivered;
- an administrator invites an agent by link, the agent opens it, chooses a password, is
  signed in and sees only their department's queue; the spent link says so.

Screens at 1366x768 and 390 px: test-artifacts/settings-webhooks/, settings-invite/."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from apikit import Client, department, message, ok, world
from inbox_browser_kit import DESKTOP, PHONE, signed_in
from playwright.async_api import Browser, Page, expect
from support.crm import CrmReceiver, drain_webhooks
from support.live import LiveServer
from support.orgs import Org
from support.webhooks import make_connection

from app.asgi import create_app
from app.config import Settings

ROOT = Path(__file__).parents[3] / "test-artifacts"
WAIT = 20_000  # ms; expect() returns as soon as the condition holds
HOOKS = "/inbox/settings/webhooks"
NATIVE_SECRET = "segredo-nativo-0123456789"


@pytest.fixture
async def live(settings: Settings) -> AsyncIterator[LiveServer]:
    async with LiveServer(create_app(settings)) as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[CrmReceiver]:
    with CrmReceiver() as started:
        yield started


async def shot(page: Page, folder: str, name: str) -> None:
    (ROOT / folder).mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ROOT / folder / f"{name}.png"))


async def assert_no_sideways_scroll(page: Page) -> None:
    overflow = await page.evaluate(
        """() => [document.documentElement, document.querySelector('main'),
                  document.querySelector('dialog[open] form')]
            .filter(Boolean).map(el => el.scrollWidth - el.clientWidth)"""
    )
    assert all(extra <= 1 for extra in overflow), overflow


async def test_an_admin_subscribes_a_crm_and_replays_a_failed_delivery(
    browser: Browser,
    live: LiveServer,
    client: Client,
    settings: Settings,
    org: Org,
    receiver: CrmReceiver,
) -> None:
    desk_ctx, desk = await signed_in(browser, live.url, org.email, path=HOOKS)
    await expect(desk.locator("#subs-empty")).to_be_visible()

    await desk.get_by_role("button", name="+ Nova assinatura").click()
    dialog = desk.locator("#sub-dialog")
    await expect(dialog.locator("input[name=url]")).to_be_focused()
    await desk.keyboard.type(receiver.url)
    await expect(dialog.locator("input[value='message.created']")).to_be_checked()
    await dialog.get_by_text("Conversa encerrada").click()
    await shot(desk, "settings-webhooks", "new-1366")
    await dialog.get_by_role("button", name="Criar").click()

    shown = desk.locator("#secret-dialog")
    await expect(shown).to_be_visible(timeout=WAIT)
    secret = (await desk.locator("#hook-secret").text_content()) or ""
    assert re.fullmatch(r"whsec_[A-Za-z0-9_-]{40,}", secret), secret
    await shot(desk, "settings-webhooks", "secret-once-1366")
    await desk.keyboard.press("Escape")  # closing it shows the list; the secret is gone
    row = desk.locator("#subscriptions tbody tr").first
    await expect(row).to_contain_text(receiver.url, timeout=WAIT)
    await expect(row).to_contain_text("session.closed")
    assert secret not in await desk.content()
    listed = await ok(await client.get("/api/v1/webhook-subscriptions", headers=org.headers))
    [sub] = listed["data"]
    assert sub["events"] == ["message.created", "session.closed"]

    # The CRM is down: the delivery fails, its code and both bodies are in the log.
    receiver.secret, receiver.status = secret, 500
    w = await world(client, settings, org)
    await message(client, org, w.session_id, "Seu pedido saiu para entrega")
    await drain_webhooks(settings)
    assert [c["signed"] for c in receiver.calls] == [True]
    await desk.reload()
    await expect(row).to_contain_text("com falha: 1")
    await shot(desk, "settings-webhooks", "list-1366")
    await row.get_by_role("link", name="Entregas").click()
    item = desk.locator(".hookrow").first
    await expect(item).to_have_attribute("data-status", "FAILED")
    await expect(item.locator("[data-field=code]")).to_have_text("500")
    await item.locator("summary").click()
    await expect(item.locator("[data-field=request]")).to_contain_text(
        "Seu pedido saiu para entrega"
    )
    await expect(item.locator("[data-field=response]")).to_contain_text('"crm": "down"')
    await shot(desk, "settings-webhooks", "log-failed-1366")

    # Back up: replay, and the row follows the new attempt to "delivered".
    receiver.status = 200
    async with desk.expect_response(lambda r: r.url.endswith("/replay")) as replayed:
        await item.get_by_role("button", name="Reenviar").click()
    assert (await replayed.value).status == 202
    await drain_webhooks(settings)
    await expect(item.locator("[data-field=replay]")).to_have_text(
        "Reenviada: Entregue (200)", timeout=WAIT
    )
    await expect(item).to_have_attribute("data-status", "DELIVERED")
    await expect(item.locator("[data-field=response]")).to_contain_text('"crm": "ok"')
    await shot(desk, "settings-webhooks", "log-replayed-1366")
    assert receiver.calls[-1]["signed"] and len(receiver.calls) == 2

    # The same pages on a phone.
    phone_ctx, phone = await signed_in(browser, live.url, org.email, viewport=PHONE, path=HOOKS)
    await expect(phone.locator("#subscriptions tbody tr")).to_have_count(1)
    await assert_no_sideways_scroll(phone)
    await shot(phone, "settings-webhooks", "list-390")
    await phone.get_by_role("button", name="Editar").click()
    edit = phone.locator("#sub-dialog")
    await expect(edit.locator("h3")).to_have_text("Editar assinatura")
    await edit.get_by_text("Contato alterado").click()
    await assert_no_sideways_scroll(phone)
    await shot(phone, "settings-webhooks", "edit-390")
    await edit.get_by_role("button", name="Salvar").click()
    await expect(phone.locator("#subscriptions")).to_contain_text("contact.updated", timeout=WAIT)
    await phone.get_by_role("link", name="Entregas").click()
    await phone.locator(".hookrow summary").first.click()
    await assert_no_sideways_scroll(phone)
    await shot(phone, "settings-webhooks", "log-390")

    # Delete, confirmed.
    await desk.goto(HOOKS)
    await desk.get_by_role("button", name="Excluir").click()
    await desk.locator("#delete-dialog").get_by_role("button", name="Excluir").click()
    await expect(desk.locator("#subs-empty")).to_be_visible(timeout=WAIT)
    assert desk.errors == [] and phone.errors == []  # type: ignore[attr-defined]
    await phone_ctx.close()
    await desk_ctx.close()


async def _customer_says(client: Client, hook_url: str, phone: str, name: str, text: str) -> None:
    event = {"event": "message", "messageId": f"wa-{phone}-{time.monotonic_ns()}",
             "from": phone, "name": name, "timestamp": int(time.time()), "fromMe": False,
             "type": "text", "text": text}  # fmt: skip
    body = json.dumps(event).encode()
    signature = hmac.new(NATIVE_SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = await client.post(
        hook_url,
        content=body,
        headers={"content-type": "application/json", "x-balcao-signature": f"sha256={signature}"},
    )
    assert response.status_code == 200, response.text


async def _queue_in(client: Client, org: Org, phone: str, department_id: str) -> None:
    """The customer's open session, waiting in the department's queue."""
    person = await ok(await client.get(f"/api/v1/contacts/by-phone/{phone}", headers=org.headers))
    found = await ok(
        await client.get(f"/api/v1/sessions?contactId={person['id']}", headers=org.headers)
    )
    [session] = [s for s in found["data"] if s["status"] != "CLOSED"]
    path = f"/api/v1/sessions/{session['id']}"
    body = {"departmentId": department_id, "autoAssign": False}
    await ok(await client.post(f"{path}/assign", json=body, headers=org.headers))
    await ok(await client.patch(f"{path}/status", json={"status": "QUEUED"}, headers=org.headers))


async def test_an_invited_agent_signs_in_and_sees_only_their_department(
    browser: Browser, live: LiveServer, client: Client, org: Org
) -> None:
    support = await department(client, org, "Suporte")
    finance = await department(client, org, "Financeiro")
    config = {"sendUrl": "http://127.0.0.1:9/send", "secret": NATIVE_SECRET}
    hook = await make_connection(client, org, "native", config, aiEnabled=False)
    await _customer_says(client, hook.url, "5511911112222", "Rui Suporte", "Quero trocar")
    await _queue_in(client, org, "5511911112222", support["id"])
    await _customer_says(client, hook.url, "5511933334444", "Lia Finanças", "Meu boleto venceu")
    await _queue_in(client, org, "5511933334444", finance["id"])

    admin_ctx, admin = await signed_in(browser, live.url, org.email, path="/inbox/settings/team")
    await admin.get_by_role("button", name="+ Novo usuário").click()
    dialog = admin.locator("#user-dialog")
    await dialog.locator("input[name=name]").fill("Carla Souza")
    await dialog.locator("input[name=email]").fill("carla@padaria.example")
    await dialog.locator("select[name=role]").select_option("AGENT")
    await dialog.locator("label.check", has_text="Financeiro").locator("input").check()
    await dialog.get_by_label("Link de convite").check()
    await dialog.locator("button[type=submit]").click()
    shown = admin.locator("#invite-dialog")
    await expect(shown).to_be_visible(timeout=WAIT)
    await expect(shown).to_contain_text("carla@padaria.example")
    link = (await admin.locator("#invite-url").text_content()) or ""
    assert link.startswith(f"{live.url}/inbox/invite/"), link
    await shot(admin, "settings-invite", "team-invite-link-1366")
    await admin.keyboard.press("Escape")
    carla = admin.locator("#users tr", has_text="Carla Souza")
    await expect(carla).to_contain_text("Financeiro", timeout=WAIT)
    await expect(admin.locator("#invite-url")).to_have_text("")  # shown once only

    # Carla, on her phone, opens the link: she is greeted, chooses a password, is in.
    agent_ctx = await browser.new_context(viewport=PHONE, locale="pt-BR", base_url=live.url)
    agent = await agent_ctx.new_page()
    errors: list[str] = []
    agent.on("pageerror", lambda error: errors.append(str(error)))
    path = urlsplit(link).path
    await agent.goto(path)
    await expect(agent.locator("h1")).to_have_text("Boas-vindas ao Balcão")
    await expect(agent.locator("main")).to_contain_text("Carla Souza")
    await expect(agent.locator("input[name=email]")).to_have_value("carla@padaria.example")
    await assert_no_sideways_scroll(agent)
    await shot(agent, "settings-invite", "choose-password-390")
    await agent.fill("input[name=password]", "carla-senha-forte")
    await agent.fill("input[name=confirm]", "carla-senha-outra")
    await agent.click("button[type=submit]")
    await expect(agent.locator(".alert")).to_have_text("As duas senhas não são iguais.")
    await agent.fill("input[name=password]", "carla-senha-forte")
    await agent.fill("input[name=confirm]", "carla-senha-forte")
    await agent.click("button[type=submit]")
    await expect(agent).to_have_url(f"{live.url}/inbox", timeout=WAIT)
    await agent.wait_for_selector("#live[data-state=online]", timeout=WAIT)
    await expect(agent.locator(".qrow")).to_have_count(1, timeout=WAIT)
    await expect(agent.locator(".qrow")).to_contain_text("Lia Finanças")
    assert "Rui Suporte" not in await agent.locator("#queue-list").inner_text()
    await shot(agent, "settings-invite", "signed-in-queue-390")

    # The link is spent; on a desktop it says so, and the password she chose works.
    spent_ctx = await browser.new_context(viewport=DESKTOP, locale="pt-BR", base_url=live.url)
    spent = await spent_ctx.new_page()
    response = await spent.goto(path)
    assert response is not None and response.status == 410
    await expect(spent.locator("[data-invite=used]")).to_contain_text("já foi usado")
    await shot(spent, "settings-invite", "used-link-1366")
    await spent.goto("/inbox/login")
    await spent.fill("input[name=email]", "carla@padaria.example")
    await spent.fill("input[name=password]", "carla-senha-forte")
    await spent.click("button[type=submit]")
    await expect(spent).to_have_url(f"{live.url}/inbox", timeout=WAIT)

    # A new link from the team page (on a phone) replaces any earlier one.
    phone_ctx, phone = await signed_in(
        browser, live.url, org.email, viewport=PHONE, path="/inbox/settings/team"
    )
    row = phone.locator("#users tr", has_text="Carla Souza")
    await row.get_by_role("button", name="Link de convite").click()
    await expect(phone.locator("#invite-dialog")).to_be_visible(timeout=WAIT)
    await assert_no_sideways_scroll(phone)
    await shot(phone, "settings-invite", "team-invite-link-390")
    assert admin.errors == [] and phone.errors == [] and errors == []  # type: ignore[attr-defined]
    for context in (spent_ctx, agent_ctx, phone_ctx, admin_ctx):
        await context.close()
