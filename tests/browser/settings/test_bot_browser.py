"""The bot settings page in real headless Chromium against the real api (HTTP,
PostgreSQL, Redis): an administrator finds it in the settings index, builds a menu rule
in the editor (the menu, its options, a handoff option), reorders the rules with the
buttons and by dragging, switches one off, and the "testar uma mensagem" box shows which
rule fires and what it answers, walking into the menu; the same on a 390-px phone; an
agent gets the 403 page.

Screens at 1366x768 and 390 px: test-artifacts/settings-bot/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from apikit import Client, ok, user
from inbox_browser_kit import PHONE, signed_in
from playwright.async_api import Browser, Page, expect
from support.live import LiveServer
from support.orgs import Org

SHOTS = Path(__file__).parents[3] / "test-artifacts" / "settings-bot"
WAIT = 20_000  # ms; expect() returns as soon as the condition holds
PAGE = "/inbox/settings/bot"
API = "/api/v1/bot-rules"


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def names(client: Client, org: Org) -> list[str]:
    listed = await ok(await client.get(API, headers=org.headers))
    return [r["name"] for r in listed["data"]]


async def reply_rule(client: Client, org: Org, name: str, value: str, text: str) -> Any:
    body = {
        "name": name,
        "match": {"kind": "CONTAINS", "value": value},
        "actions": [{"type": "REPLY", "text": text}],
    }
    return await ok(await client.post(API, json=body, headers=org.headers), 201)


async def test_an_admin_builds_a_menu_reorders_and_tests_a_message(
    browser: Browser, api: LiveServer, client: Client, org: Org
) -> None:
    await reply_rule(client, org, "Horário", "horario", "Atendemos das 8h às 18h.")
    ctx, desk = await signed_in(browser, api.url, org.email, path="/inbox/settings")
    await desk.locator(".setcard[data-page=bot] h2 a").click()
    await expect(desk.get_by_role("heading", name="Robô e menus")).to_be_visible(timeout=WAIT)
    await expect(desk.locator("#rules .botrule")).to_have_count(1, timeout=WAIT)

    await desk.get_by_role("button", name="+ Nova regra").click()
    form = desk.locator("#rule-form")
    await form.get_by_label("Nome", exact=True).fill("Menu principal")
    await form.get_by_label("Quando a mensagem").select_option("ANY")
    action = form.locator("[data-action]").first
    await action.locator("[data-type]").select_option("MENU")
    await action.get_by_label("Pergunta do menu").fill("Olá {{primeiro_nome}}! Escolha:")
    first = action.locator("[data-option]").first
    await first.get_by_label("Opção", exact=True).fill("2ª via do boleto")
    await first.locator("[data-action] [data-f=text]").fill("Seu boleto: https://isp.example/b")
    await action.get_by_role("button", name="+ Adicionar opção").click()
    second = action.locator("[data-option]").nth(1)
    await expect(second.get_by_label("Tecla")).to_have_value("2")
    await second.get_by_label("Opção", exact=True).fill("Falar com atendente")
    await second.locator("[data-action] [data-type]").select_option("HANDOFF")
    await shot(desk, "editor-1366")
    await form.get_by_role("button", name="Salvar regra").click()
    await expect(form).to_be_hidden(timeout=WAIT)
    await expect(desk.locator("#rules .botrule")).to_have_count(2, timeout=WAIT)
    assert await names(client, org) == ["Horário", "Menu principal"]
    [saved] = [r for r in (await ok(await client.get(API, headers=org.headers)))["data"]
               if r["name"] == "Menu principal"]  # fmt: skip
    menu = saved["actions"][0]
    assert [(o["key"], o["label"]) for o in menu["options"]] == [
        ("1", "2ª via do boleto"),
        ("2", "Falar com atendente"),
    ]
    assert menu["options"][1]["actions"] == [{"type": "HANDOFF", "reason": "bot_handoff"}]

    # The menu first: with ↑, then back down and up again by dragging.
    await desk.get_by_role("button", name="Subir: Menu principal").click()
    await expect(desk.locator("#rules .botrule").first).to_contain_text(
        "Menu principal", timeout=WAIT
    )
    assert await names(client, org) == ["Menu principal", "Horário"]
    await desk.get_by_role("button", name="Descer: Menu principal").click()
    await expect(desk.locator("#rules .botrule").first).to_contain_text("Horário", timeout=WAIT)
    rows = desk.locator("#rules .botrule")
    await (
        rows.nth(1)
        .locator(".botrule__handle")
        .drag_to(rows.nth(0), target_position={"x": 5, "y": 2})
    )
    await expect(rows.first).to_contain_text("Menu principal", timeout=WAIT)
    # The list is busy until the new order is saved and read back.
    await expect(desk.locator("#rules")).not_to_have_attribute("aria-busy", "true", timeout=WAIT)
    assert await names(client, org) == ["Menu principal", "Horário"]

    # The test box: the menu answers "oi", then its option by key.
    test = desk.locator("#test-form")
    await test.get_by_label("Mensagem do cliente").fill("oi")
    await test.get_by_role("button", name="Testar").click()
    result = desk.locator("#test-result")
    await expect(result).to_contain_text("Responde: Menu principal", timeout=WAIT)
    await expect(result.locator(".botbubble")).to_have_text(
        "Olá ! Escolha:\n\n1 - 2ª via do boleto\n2 - Falar com atendente"
    )
    await expect(result).to_contain_text("Em um menu")
    await test.get_by_label("Mensagem do cliente").fill("1")
    await test.get_by_role("button", name="Testar").click()
    await expect(result.locator(".botbubble")).to_have_text(
        "Seu boleto: https://isp.example/b", timeout=WAIT
    )
    await shot(desk, "tested-1366")

    # Switched off, the menu no longer answers; the next rule does.
    await rows.first.get_by_role("button", name="Desativar").click()
    await expect(rows.first).to_have_class("botrule is-inactive", timeout=WAIT)
    await desk.get_by_role("button", name="Recomeçar").click()
    await test.get_by_label("Mensagem do cliente").fill("Qual o HORÁRIO?")
    await test.get_by_role("button", name="Testar").click()
    await expect(result).to_contain_text("Responde: Horário", timeout=WAIT)
    await expect(result.locator(".botbubble")).to_have_text("Atendemos das 8h às 18h.")
    assert desk.errors == []  # type: ignore[attr-defined]
    await ctx.close()


async def test_the_page_works_on_a_phone(
    browser: Browser, api: LiveServer, client: Client, org: Org
) -> None:
    await reply_rule(client, org, "Boleto", "boleto", "Segue o boleto.")
    await reply_rule(client, org, "Horário", "horario", "Das 8h às 18h.")
    ctx, phone = await signed_in(browser, api.url, org.email, viewport=PHONE, path=PAGE)
    await expect(phone.locator("#rules .botrule")).to_have_count(2, timeout=WAIT)
    await phone.get_by_role("button", name="Descer: Boleto").click()
    await expect(phone.locator("#rules .botrule").first).to_contain_text("Horário", timeout=WAIT)
    await phone.get_by_role("button", name="+ Nova regra").click()
    await expect(phone.locator("#rule-form")).to_be_visible()
    overflow = await phone.evaluate(
        "() => [document.documentElement, document.querySelector('main')]"
        ".map(el => el.scrollWidth - el.clientWidth)"
    )
    assert all(extra <= 1 for extra in overflow), overflow
    await phone.get_by_role("button", name="Cancelar").click()
    await phone.get_by_label("Mensagem do cliente").fill("meu boleto")
    await phone.get_by_role("button", name="Testar").click()
    await expect(phone.locator("#test-result .botbubble")).to_have_text(
        "Segue o boleto.", timeout=WAIT
    )
    await phone.locator("#test-result").scroll_into_view_if_needed()
    await shot(phone, "phone-390")
    assert phone.errors == []  # type: ignore[attr-defined]
    await ctx.close()


async def test_agents_get_the_403_page(
    browser: Browser, api: LiveServer, client: Client, org: Org
) -> None:
    await user(client, org, "AGENT", "agente@padaria.example")
    ctx, page = await signed_in(browser, api.url, "agente@padaria.example")
    response = await page.goto(PAGE)
    assert response is not None and response.status == 403
    await expect(page.get_by_role("heading")).to_contain_text("403")
    await ctx.close()
