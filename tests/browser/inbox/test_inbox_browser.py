"""The inbox in a real browser against the real stack: an agent takes a queued
conversation, replies, blocks the AI, tabulates and closes it, while a second browser on
another api replica sees it happen live; focus and drafts survive live updates; the
keyboard drives it; the main screens are captured at desktop and phone sizes."""

from __future__ import annotations

import re

from inbox_browser_kit import AGENT_EMAIL, DESKTOP, PHONE, Shop, shot, signed_in
from playwright.async_api import Browser, expect

WAIT = 15_000  # ms: generous for a loaded 2-core machine; expect() returns as soon as true


async def test_an_agent_works_a_queued_conversation_while_a_colleague_watches(
    browser: Browser, shop: Shop
) -> None:
    await shop.customer_says("Oi! Meu pedido 48213 não chegou")
    await shop.customer_says("Podem ver pra mim?")
    session_id = await shop.queue_for_humans()

    agent_ctx, agent = await signed_in(browser, shop.one.url, AGENT_EMAIL)
    admin_ctx, admin = await signed_in(
        browser, shop.two.url, shop.org.email, viewport=PHONE, path=f"/inbox/s/{session_id}"
    )
    row = agent.locator(f"#q-{session_id}")
    await expect(row).to_contain_text("Mariana Souza", timeout=WAIT)
    await expect(row.locator(".wait")).to_contain_text("aguardando há")
    await expect(row.locator(".unread")).to_have_text("2")
    await shot(agent, "queue-1366")

    await row.click()
    await expect(agent.locator("#pane h2")).to_have_text("Mariana Souza")
    await expect(agent).to_have_url(re.compile(f"/inbox/s/{session_id}"))
    await expect(agent.locator(".msg--customer")).to_have_count(2)
    await agent.locator("#composer-text").fill("Olá, Mariana! Vou verificar agora mesmo.")
    await agent.keyboard.press("Enter")
    reply = agent.locator(".msg--agent").last
    await expect(reply).to_contain_text("Vou verificar agora mesmo", timeout=WAIT)
    await expect(reply).to_contain_text("Atendente · Ana Lima")
    await expect(agent.locator("#composer-text")).to_have_value("")
    # Answering a queued conversation takes it.
    await expect(agent.locator("#conv-agent")).to_have_text("Ana Lima", timeout=WAIT)
    await expect(agent.locator("#conv-status")).to_have_text("Ativa")
    # The worker delivers it to the provider: the tick turns to "sent" by itself.
    await expect(reply.locator(".tick")).to_have_attribute(
        "title", re.compile("^Enviada"), timeout=WAIT
    )
    assert [r.json["text"] for r in shop.native.requests] == [
        "Olá, Mariana! Vou verificar agora mesmo."
    ]

    # The colleague on the other replica (a phone) saw the reply arrive without reloading.
    await expect(admin.locator(".msg--agent")).to_contain_text("Vou verificar", timeout=WAIT)
    await shot(admin, "conversation-390")

    # The agent's reply silenced the AI for the connection's TTL; lift it, then block
    # it for longer (live refreshes of the header keep the open menu open).
    await expect(agent.locator("[data-countdown]")).to_have_text(re.compile(r"^59:\d\d$"))
    await agent.click("[data-action=unblock-ai]")
    await expect(agent.locator("[data-countdown]")).to_have_count(0, timeout=WAIT)
    await agent.click("#block-menu summary")
    await agent.click("[data-action=block-ai][data-minutes='240']")
    countdown = agent.locator("[data-countdown]")
    await expect(countdown).to_have_text(re.compile(r"^3:59:\d\d$"), timeout=WAIT)

    await agent.click("[data-action=tabulate]")
    await agent.check(f"#tabulate-dialog input[value='{shop.tabulation_id}']")
    await agent.click("#tabulate-dialog button[value=ok]")
    await expect(agent.locator("#conv-head .tag")).to_have_text("Resolvido", timeout=WAIT)
    await shot(agent, "conversation-1366")

    await agent.keyboard.press("c")
    await agent.fill("#close-dialog input[name=endReason]", "pedido localizado")
    await agent.click("#close-dialog button[value=ok]")
    await expect(agent.locator("#composer-closed")).to_be_visible(timeout=WAIT)
    await expect(agent.locator("#conv-status")).to_have_text("Encerrada")
    await expect(admin.locator("#conv-status")).to_have_text("Encerrada", timeout=WAIT)
    session = await shop.client.get(f"/api/v1/sessions/{session_id}", headers=shop.org.headers)
    body = session.json()
    assert (body["status"], body["endReason"]) == ("CLOSED", "pedido localizado")
    assert [t["name"] for t in body["tabulations"]] == ["Resolvido"]
    assert body["aiBlockedUntil"] is not None
    assert agent.errors == [] and admin.errors == []  # type: ignore[attr-defined]
    await agent_ctx.close()
    await admin_ctx.close()


async def test_closing_without_the_required_tabulation_explains_why(
    browser: Browser, shop: Shop
) -> None:
    await shop.customer_says("Quero cancelar")
    session_id = await shop.queue_for_humans()
    context, page = await signed_in(
        browser, shop.one.url, AGENT_EMAIL, path=f"/inbox/s/{session_id}"
    )
    await page.click("[data-action=close]")
    await page.click("#close-dialog button[value=ok]")
    error = page.locator("#close-dialog [data-error]")
    await expect(error).to_have_text(
        "Este departamento exige uma tabulação para encerrar.", timeout=WAIT
    )
    await page.check(f"#close-dialog input[value='{shop.tabulation_id}']")
    await page.click("#close-dialog button[value=ok]")
    await expect(page.locator("#composer-closed")).to_be_visible(timeout=WAIT)
    await context.close()


async def test_focus_and_a_draft_survive_live_updates(browser: Browser, shop: Shop) -> None:
    await shop.customer_says("Bom dia")
    session_id = await shop.queue_for_humans()
    context, page = await signed_in(
        browser, shop.one.url, AGENT_EMAIL, path=f"/inbox/s/{session_id}"
    )
    composer = page.locator("#composer-text")
    await composer.click()
    await page.keyboard.type("Estou escrevendo")
    await shop.customer_says("Alguém aí?")
    await shop.customer_says("Preciso de ajuda")
    await expect(page.locator(".msg--customer")).to_have_count(3, timeout=WAIT)
    await expect(page.locator(f"#q-{session_id} .unread")).to_have_text("3", timeout=WAIT)
    assert await page.evaluate("document.activeElement.id") == "composer-text"
    await expect(composer).to_have_value("Estou escrevendo")
    await page.keyboard.type(" uma resposta")
    await expect(composer).to_have_value("Estou escrevendo uma resposta")
    await context.close()


async def test_a_new_conversation_appears_in_the_queue_without_reloading(
    browser: Browser, shop: Shop
) -> None:
    context, page = await signed_in(browser, shop.one.url, shop.org.email)
    await page.click("label.tab:has(input[value=ACTIVE])")
    await expect(page.locator("#queue-empty")).to_be_visible(timeout=WAIT)
    await shop.customer_says("Vocês entregam em Niterói?", phone="5521998765432", name="João Pedro")
    await expect(page.locator(".qrow")).to_contain_text("João Pedro", timeout=WAIT)
    await expect(page.locator("[data-count=ACTIVE]")).to_have_text("1", timeout=WAIT)
    await context.close()


async def test_the_keyboard_drives_the_inbox(browser: Browser, shop: Shop) -> None:
    for phone, name in (("5511911110001", "Primeiro"), ("5511911110002", "Segundo")):
        await shop.customer_says("oi", phone=phone, name=name)
        await shop.queue_for_humans(phone)
    await shop.client.post(
        "/api/v1/quick-replies",
        json={
            "shortcut": "saudacao",
            "content": "Olá, {contact.firstName}! Sou {agent.firstName}.",
        },
        headers=shop.org.headers,
    )
    context, page = await signed_in(browser, shop.one.url, AGENT_EMAIL)
    await page.keyboard.press("j")
    await expect(page.locator("#pane h2")).to_have_text("Primeiro", timeout=WAIT)
    await page.keyboard.press("j")
    await expect(page.locator("#pane h2")).to_have_text("Segundo", timeout=WAIT)
    await page.keyboard.press("k")
    await expect(page.locator("#pane h2")).to_have_text("Primeiro", timeout=WAIT)
    await page.keyboard.press("r")
    assert await page.evaluate("document.activeElement.id") == "composer-text"
    await page.keyboard.type("/sau")
    await expect(page.locator("#quick li[data-index='0']")).to_contain_text(
        "/saudacao", timeout=WAIT
    )
    await page.keyboard.press("Enter")
    await expect(page.locator("#composer-text")).to_have_value("Olá, Primeiro! Sou Ana.")
    await expect(page.locator("#quick")).to_be_hidden()
    await page.keyboard.press("Escape")
    await page.keyboard.press("n")
    await expect(page.locator("#composer")).to_have_attribute("data-mode", "note")
    await page.locator("#composer-text").fill("Cliente antigo, tratar com carinho")
    await page.keyboard.press("Enter")
    await expect(page.locator(".note")).to_contain_text("Cliente antigo", timeout=WAIT)
    assert shop.native.requests == []  # a note never reaches the customer
    await expect(page.locator("#quick")).to_be_hidden()
    await page.keyboard.press("Escape")
    await page.keyboard.press("?")
    await expect(page.locator("#help-dialog")).to_be_visible()
    await context.close()


async def test_the_main_screens_at_desktop_and_phone_sizes(browser: Browser, shop: Shop) -> None:
    await shop.customer_says("Oi, qual o horário de vocês?")
    session_id = await shop.queue_for_humans()
    for size, viewport in (("1366", DESKTOP), ("390", PHONE)):
        context, page = await signed_in(browser, shop.one.url, shop.org.email, viewport=viewport)
        await expect(page.locator(".qrow")).to_have_count(1, timeout=WAIT)
        await shot(page, f"queue-admin-{size}")
        await page.click(f"#q-{session_id}")
        await expect(page.locator("#pane")).to_be_visible(timeout=WAIT)
        if size == "390":
            await expect(page.locator("#queue")).to_be_hidden()
            await page.click("[data-action=toggle-contact]")
            await expect(page.locator("#contact-panel")).to_be_visible()
            await shot(page, "contact-390")
            await page.click("#contact-panel [data-action=toggle-contact]")
        await shot(page, f"conversation-admin-{size}")
        await page.goto("/inbox/dashboard")
        await expect(page.locator("#chart-volume .bars")).to_be_visible()
        await shot(page, f"dashboard-{size}")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"horizontal scroll at {size}px"
        await context.close()
