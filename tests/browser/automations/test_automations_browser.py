"""The automations page (/inbox/automations): an administrator creates a group mirror
in the rules editor (group ids typed, affiliate tags, a secret that is never shown
back, a template), offers arrive in the source group through real Evolution payloads,
the mirror jobs post them, and the live feed shows original → as posted, where each
went, and the numbers; it holds at 390 px; an agent gets the 403 page.

Screens at 1366x768 and 390 px: test-artifacts/automations/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from apikit import Client, user
from arq.connections import ArqRedis
from inbox_browser_kit import PHONE, signed_in
from mirrorkit import (
    DEST_A,
    DEST_B,
    SOURCE,
    Pg,
    deliver_all,
    intake_all,
    offer_body,
    post_now,
    send_offer,
)
from playwright.async_api import Browser, Dialog, Page, expect
from support.live import LiveServer
from support.orgs import Org
from support.webhooks import Hook

from app.config import Settings
from app.mirrors.links import LinkService
from workers.context import WorkerContext

ROOT = Path(__file__).parents[3] / "test-artifacts" / "automations"
WAIT = 20_000
PAGE = "/inbox/automations"
JBL = "🎧 *Fone JBL Tune 520BT* por R$ 199,90\n👉 https://amzn.to/3xyzJBL"


async def shot(page: Page, name: str) -> None:
    ROOT.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ROOT / f"{name}.png"))


async def assert_no_sideways_scroll(page: Page) -> None:
    overflow = await page.evaluate(
        """() => [document.documentElement, document.querySelector('main')]
            .filter(Boolean).map(el => el.scrollWidth - el.clientWidth)"""
    )
    assert all(extra <= 1 for extra in overflow), overflow


async def test_an_admin_sets_up_a_mirror_and_watches_its_posts(
    browser: Browser,
    live: LiveServer,
    client: Client,
    settings: Settings,
    org: Org,
    hook: Hook,
    deps: WorkerContext,
    links: LinkService,
    redis: ArqRedis,
) -> None:
    ctx, desk = await signed_in(browser, live.url, org.email, path=PAGE)
    await expect(desk.locator("#auto-empty")).to_be_visible(timeout=WAIT)
    await expect(desk.get_by_role("link", name="Automações")).to_have_attribute(
        "aria-current", "page"
    )
    await shot(desk, "01-empty")

    await desk.get_by_role("button", name="+ Novo espelhamento").click()
    form = desk.locator("#mirror-form")
    await form.locator("input[name=name]").fill("Ofertas do Zé")
    await form.locator("textarea[name=sourceGroupIds]").fill(SOURCE)
    # The destinations are picked from the number's groups (GET …/groups).
    picker = form.locator("[data-picker=destinationGroupIds]")
    await picker.get_by_label("Ofertas VIP").check()
    await picker.get_by_label("Achadinhos").check()
    await expect(form.locator("textarea[name=destinationGroupIds]")).to_have_value(
        f"{DEST_A}\n{DEST_B}"
    )
    await form.locator("input[name=amazonTag]").fill("padaria-20")
    await form.locator("input[name=shopeeAppId]").fill("18360190851")
    await form.locator("input[name=shopeeSecret]").fill("segredo-da-shopee")
    await form.locator("input[name=minIntervalPerGroupSeconds]").fill("0")
    await form.locator("input[name=minIntervalSeconds]").fill("0")
    # A template without the slot is refused with the API's reason, in Portuguese.
    await form.locator("textarea[name=template]").fill("📢 Oferta do dia")
    await form.get_by_role("button", name="Salvar").click()
    await expect(desk.locator("#form-error")).to_contain_text("{{texto}}", timeout=WAIT)
    await form.locator("textarea[name=template]").fill("📢 Oferta do dia\n\n{{texto}}")
    await shot(desk, "02-editor")
    await form.get_by_role("button", name="Salvar").click()
    await expect(form).to_be_hidden(timeout=WAIT)
    mirror = desk.locator(".automirror")
    await expect(mirror).to_have_count(1)
    await expect(mirror).to_contain_text("1 origem → 2 destino")
    await expect(desk.locator("#feed")).to_contain_text("Nenhuma oferta recebida ainda.")

    # Offers arrive; the jobs take them in and post them.
    pg = Pg(settings)
    await send_offer(client, hook, offer_body(JBL))
    await send_offer(client, hook, offer_body(JBL.replace("👉", "➡️")))  # the same product
    now = datetime.now(UTC)
    assert await intake_all(deps, pg, now, links) == ["QUEUED", "DUPLICATE"]
    assert await post_now(deps, now) == 2
    await deliver_all(deps, redis, pg)

    await desk.reload()
    posted = desk.locator(".autopost[data-status=POSTED]")
    await expect(posted).to_have_count(1, timeout=WAIT)
    await expect(posted.locator(".autopost__text--out")).to_contain_text(
        "https://www.amazon.com.br/dp/B0C1JBL520?tag=padaria-20"
    )
    await expect(posted.locator(".autopost__text--out")).to_contain_text("📢 Oferta do dia")
    # Where it went, by the group's name the number lists.
    await expect(posted.locator(f"[data-dest='{DEST_A}']")).to_have_text("Ofertas VIP: postada")
    duplicate = desk.locator(".autopost[data-status=DUPLICATE]")
    await expect(duplicate.locator(".autopost__reason")).to_have_text(
        "Já postada nesses grupos dentro da janela de repetição."
    )
    stats = desk.locator("#stats")
    await expect(stats.locator("[data-count=received] [data-window=today]")).to_have_text("2")
    await expect(stats.locator("[data-count=posted] [data-window=month]")).to_have_text("1")
    await expect(stats.locator("[data-count=duplicate] [data-window=week]")).to_have_text("1")
    await expect(desk.locator(f"#per-group tr[data-group='{DEST_B}'] td").nth(1)).to_have_text("1")
    await shot(desk, "03-feed")

    # The feed filter, then the editor again: the secret is only said to be set.
    await desk.locator("#feed-status").select_option("DUPLICATE")
    await expect(desk.locator(".autopost")).to_have_count(1)
    await expect(desk.locator(".autopost[data-status=DUPLICATE]")).to_have_count(1)
    await desk.get_by_role("button", name="Editar regras").click()
    secret = form.locator("input[name=shopeeSecret]")
    await expect(secret).to_have_value("")
    await expect(secret).to_have_attribute(
        "placeholder", "configurado — deixe em branco para manter"
    )
    assert "segredo-da-shopee" not in await desk.content()
    await form.get_by_role("button", name="Cancelar").click()

    # 390 px: everything stacks, nothing scrolls sideways.
    phone_ctx, phone = await signed_in(browser, live.url, org.email, viewport=PHONE, path=PAGE)
    await expect(phone.locator(".autopost[data-status=POSTED]")).to_have_count(1, timeout=WAIT)
    await assert_no_sideways_scroll(phone)
    await phone.locator("#feed").scroll_into_view_if_needed()
    await shot(phone, "04-phone-feed")
    await phone.get_by_role("button", name="Editar regras").click()
    await expect(phone.locator("#mirror-form")).to_be_visible()
    await assert_no_sideways_scroll(phone)
    await shot(phone, "05-phone-editor")

    # Delete, confirmed.
    async def accept(dialog: Dialog) -> None:
        await dialog.accept()

    desk.on("dialog", accept)
    await desk.get_by_role("button", name="Excluir").click()
    await expect(desk.locator("#auto-empty")).to_be_visible(timeout=WAIT)
    assert desk.errors == [] and phone.errors == []  # type: ignore[attr-defined]
    await phone_ctx.close()
    await ctx.close()


async def test_an_agent_gets_the_403_page(
    browser: Browser, live: LiveServer, client: Client, org: Org
) -> None:
    await user(client, org, "AGENT", "agente@padaria.example")
    ctx, page = await signed_in(browser, live.url, "agente@padaria.example", path="/inbox")
    await expect(page.get_by_role("link", name="Automações")).to_have_count(0)
    response = await page.goto(PAGE)
    assert response is not None and response.status == 403
    await ctx.close()
