"""An administrator opens an Evolution number's settings, sees its "Grupos" card (the
groups stored for it, read through the public API), presses "Atualizar" and watches
the list follow what the provider lists once the sync job ran — the real job, against
the Evolution stand-in. A Meta number has no such card. Screens in
test-artifacts/settings-groups/ (1366x768 and 390 px wide)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from apikit import Client, connection
from arq import create_pool
from arq.connections import RedisSettings
from inbox_browser_kit import signed_in
from playwright.async_api import Browser, Page, expect
from support.live import LiveServer
from support.orgs import Org

from app.config import Settings
from app.db.engine import make_engine
from app.groups.store import STORE_GROUPS, store_params
from providers.base import GroupInfo
from workers.config import load_job_config
from workers.context import CONTEXT_KEY, build_context
from workers.groups import sync_connection_groups

sys.path.insert(0, str(Path(__file__).parents[2] / "standins"))

from provider_apis import EvolutionStandIn

ARTIFACTS = Path(__file__).parents[3] / "test-artifacts" / "settings-groups"
WAIT = 20_000
PHONE = {"width": 390, "height": 844}


async def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
async def worker_ctx(settings: Settings) -> AsyncIterator[dict[str, Any]]:
    assert settings.redis_url
    redis = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    deps = build_context(settings, load_job_config())
    try:
        yield {CONTEXT_KEY: deps, "redis": redis, "job_try": 1}
    finally:
        await deps.aclose()
        await redis.aclose()


async def _store(settings: Settings, org: Org, connection_id: str, *groups: GroupInfo) -> None:
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql(STORE_GROUPS, store_params(org.id, connection_id, groups))
    finally:
        await engine.dispose()


async def test_the_groups_card_lists_and_refreshes_a_numbers_groups(
    browser: Browser,
    api: LiveServer,
    client: Client,
    org: Org,
    settings: Settings,
    worker_ctx: dict[str, Any],
) -> None:
    async with EvolutionStandIn() as evo:
        created = await connection(
            client, org, name="Loja Evolution", provider="EVOLUTION", config=evo.config
        )
        cid = str(created["id"])
        await _store(
            settings, org, cid, GroupInfo(id="120363000000000009@g.us", name="Grupo antigo")
        )
        context, page = await signed_in(
            browser, api.url, org.email, path=f"/inbox/settings/connections/{cid}"
        )
        card = page.locator("#conn-groups")
        await expect(card.get_by_role("heading", name="Grupos")).to_be_visible()
        rows = card.locator(".conn-group")
        await expect(rows).to_have_count(1, timeout=WAIT)
        await expect(rows.first).to_contain_text("Grupo antigo")
        await expect(rows.first).to_contain_text("0 participantes")

        await card.get_by_role("button", name="Atualizar").click()
        await expect(card.locator("[data-groups=status]")).to_have_text("Atualizando a lista…")
        # The worker's job, as the outbox would run it: the provider lists two groups.
        assert await sync_connection_groups(worker_ctx, cid) == "2 groups"
        await expect(rows).to_have_count(2, timeout=WAIT)
        await expect(rows.nth(0)).to_contain_text("Clientes VIP")
        await expect(rows.nth(0)).to_contain_text("3 participantes")
        await expect(rows.nth(1)).to_contain_text("Ofertas Centro 🛒")
        await expect(rows.nth(1)).to_contain_text("9 participantes")
        await expect(rows.nth(1)).to_contain_text("120363025746281234@g.us")
        await expect(card.locator("[data-groups=status]")).to_be_hidden(timeout=WAIT)
        await expect(card.get_by_role("button", name="Atualizar")).to_be_enabled()
        await card.scroll_into_view_if_needed()
        await shot(page, "groups-1366")
        assert page.errors == []  # type: ignore[attr-defined]
        await context.close()

        phone_ctx, phone = await signed_in(
            browser,
            api.url,
            org.email,
            viewport=PHONE,
            path=f"/inbox/settings/connections/{cid}",
        )
        await expect(phone.locator("#conn-groups .conn-group")).to_have_count(2, timeout=WAIT)
        overflow = await phone.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1
        await phone.locator("#conn-groups").scroll_into_view_if_needed()
        await shot(phone, "groups-390")
        await phone_ctx.close()


async def test_a_meta_number_has_no_groups_card(
    browser: Browser, api: LiveServer, client: Client, org: Org
) -> None:
    meta = await connection(client, org, name="Loja Meta", provider="META")
    context, page = await signed_in(
        browser, api.url, org.email, path=f"/inbox/settings/connections/{meta['id']}"
    )
    await expect(page.locator("#conn-stats")).to_be_visible()
    await expect(page.locator("#conn-groups")).to_have_count(0)
    await context.close()
