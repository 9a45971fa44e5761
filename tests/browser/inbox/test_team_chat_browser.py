"""Team chat in real Chromium against the real stack: an agent (desktop, one api replica)
and a supervisor (a phone, the other replica) write to each other in their department's
channel and see it live, the header's unread badge moves and clears, a direct channel
is opened from the people list, and the agent shares the conversation she is working
into it — the supervisor follows the link. Nothing reaches the provider."""

from __future__ import annotations

import re

from apikit import ok, user
from inbox_browser_kit import AGENT_EMAIL, PHONE, Shop, shot, signed_in
from playwright.async_api import Browser, expect

WAIT = 15_000  # ms: generous for a loaded 2-core machine; expect() returns as soon as true
SUPERVISOR_EMAIL = "carla@padaria.example"


async def test_an_agent_and_a_supervisor_chat_live_and_share_a_conversation(
    browser: Browser, shop: Shop
) -> None:
    await shop.customer_says("Oi! Meu boleto veio com valor errado")
    session_id = await shop.queue_for_humans()
    carla, _ = await user(
        shop.client, shop.org, "SUPERVISOR", SUPERVISOR_EMAIL, [shop.department_id]
    )
    await ok(
        await shop.client.patch(
            f"/api/v1/users/{carla}", json={"name": "Carla Dias"}, headers=shop.org.headers
        )
    )
    requests_before = len(shop.native.requests)

    agent_ctx, agent = await signed_in(browser, shop.one.url, AGENT_EMAIL, path="/inbox/team")
    boss_ctx, boss = await signed_in(browser, shop.two.url, SUPERVISOR_EMAIL, viewport=PHONE)
    await expect(agent.locator("#tchat[data-ready=true]")).to_have_count(1, timeout=WAIT)
    boss_badge = boss.locator("#topnav-toggle [data-team-unread]")
    await expect(boss_badge).to_be_hidden()

    # The agent writes in Suporte; the supervisor's badge counts it without a reload.
    await agent.locator(".tchan", has_text="Suporte").click()
    await expect(agent.locator("#tchat-thread-title")).to_have_text("Suporte")
    await expect(agent.locator("#tchat-older")).to_be_hidden()
    await agent.locator("#tchat-text").fill("Carla, pode me ajudar com um boleto errado?")
    await agent.keyboard.press("Enter")
    mine = agent.locator(".tmsg.is-mine")
    await expect(mine).to_contain_text("boleto errado", timeout=WAIT)
    await expect(agent.locator("#tchat-text")).to_have_value("")
    await expect(boss_badge).to_have_text("1", timeout=WAIT)
    await expect(boss_badge).to_be_visible()
    await shot(agent, "team-chat-1366")

    # On the phone: the list, then the thread (two screens); reading clears the badge.
    await boss.locator("#topnav-toggle").click()
    await boss.locator("#nav-team").click()
    await expect(boss.locator("#tchat[data-ready=true]")).to_have_count(1, timeout=WAIT)
    suporte = boss.locator(".tchan", has_text="Suporte")
    await expect(suporte.locator(".tcount")).to_have_text("1")
    await expect(boss.locator("#tchat-thread")).to_be_hidden()
    await shot(boss, "team-chat-list-390")
    await suporte.click()
    await expect(boss.locator("#tchat-thread")).to_be_visible()
    await expect(boss.locator(".tchat__list")).to_be_hidden()
    await expect(boss.locator(".tmsg")).to_contain_text("boleto errado")
    await expect(boss.locator("#topnav-toggle [data-team-unread]")).to_be_hidden(timeout=WAIT)

    # Her answer reaches the agent's open thread live; the agent had it open: no badge.
    await boss.locator("#tchat-text").fill("Claro! Me mande a conversa.")
    await boss.locator("#tchat-send").click()
    theirs = agent.locator(".tmsg:not(.is-mine)")
    await expect(theirs).to_contain_text("Me mande a conversa", timeout=WAIT)
    await expect(theirs.locator(".tmsg__who")).to_have_text("Carla Dias")
    await shot(boss, "team-chat-thread-390")
    await expect(agent.locator("#nav-team [data-team-unread]")).to_be_hidden(timeout=WAIT)

    # A direct channel from the people list (one per pair).
    await boss.locator("#tchat-back").click()
    await expect(boss.locator(".tchat__list")).to_be_visible()
    await boss.locator("#tchat-people").select_option(label="Ana Lima (agente)")
    await expect(boss.locator("#tchat-thread-title")).to_have_text("Ana Lima", timeout=WAIT)
    await expect(boss).to_have_url(re.compile(r"/inbox/team\?channel="))
    await expect(agent.locator("#tchat-directs .tchan", has_text="Carla Dias")).to_have_count(
        0
    )  # nothing said yet: the other side hears of it with the first message

    # The agent shares the conversation she works into that channel, from the pane.
    await agent.goto(f"/inbox/s/{session_id}")
    await expect(agent.locator("#pane h2")).to_have_text("Mariana Souza", timeout=WAIT)
    await agent.locator("[data-team-share]").click()
    dialog = agent.locator("#team-share-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog.locator("select option")).to_have_count(2, timeout=WAIT)
    await dialog.locator("select").select_option(label="Carla Dias")
    await dialog.locator("textarea").fill("Esta é a cliente do boleto")
    await shot(agent, "team-share-1366")
    await dialog.locator("button[type=submit]").click()
    await expect(dialog).to_be_hidden(timeout=WAIT)
    await expect(agent.locator("#toasts")).to_contain_text("compartilhada", timeout=WAIT)

    card = boss.locator(".tmsg .tshare")
    await expect(card).to_contain_text("Mariana Souza", timeout=WAIT)
    await expect(boss.locator(".tmsg").last).to_contain_text("Esta é a cliente do boleto")
    await expect(agent.locator("#topnav-toggle [data-team-unread]")).to_be_hidden()
    # She has the channel open: it is read as it arrives, and the badge stays clear.
    await expect(boss.locator("#topnav-toggle [data-team-unread]")).to_be_hidden(timeout=WAIT)
    await shot(boss, "team-chat-shared-390")
    await card.locator("a").click()
    await expect(boss).to_have_url(re.compile(f"/inbox/s/{session_id}"), timeout=WAIT)
    await expect(boss.locator("#pane h2")).to_have_text("Mariana Souza", timeout=WAIT)

    # Team chat is never sent to WhatsApp.
    assert len(shop.native.requests) == requests_before
    assert agent.errors == [] and boss.errors == []  # type: ignore[attr-defined]
    await agent_ctx.close()
    await boss_ctx.close()


async def test_the_team_page_at_phone_width_first_screen_is_the_list(
    browser: Browser, shop: Shop
) -> None:
    ctx, page = await signed_in(
        browser, shop.one.url, AGENT_EMAIL, viewport=PHONE, path="/inbox/team"
    )
    await expect(page.locator("#tchat[data-ready=true]")).to_have_count(1, timeout=WAIT)
    await expect(page.locator(".tchan", has_text="Suporte")).to_be_visible()
    await expect(page.locator("#tchat-thread")).to_be_hidden()
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    assert page.errors == []  # type: ignore[attr-defined]
    await ctx.close()
