"""A campaign's page follows its progress over the inbox's event stream, in real
headless Chromium against the real api (HTTP, PostgreSQL, Redis; no worker: the test
moves the recipients in the database and publishes the dispatcher's own notice,
``campaign.progress`` on the organization's channel, the way workers/campaigns.py does).

The counters, the funnel and the status change without a reload when the notice comes;
the campaigns list follows too; with the stream down the page falls back to a slow poll
(driven by Playwright's clock, so nothing waits for real time).

Screens at 1366x768 and 390 px: test-artifacts/campaigns/live-*.png."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
import sqlalchemy as sa
from apikit import Client, connection, ok
from inbox_browser_kit import PHONE, signed_in
from playwright.async_api import Browser, Page, Route, expect
from redis.asyncio import Redis
from support.live import LiveServer
from support.orgs import Org

from app import realtime
from app.asgi import create_app
from app.config import Settings
from app.db.engine import make_engine

SHOTS = Path(__file__).parents[3] / "test-artifacts" / "campaigns"
WAIT = 20_000
PACING = {"minDelaySeconds": 0, "maxDelaySeconds": 0, "pauseEvery": 0,
          "dailyCapPerConnection": None, "warmUp": False}  # fmt: skip


@pytest.fixture
async def live(settings: Settings) -> AsyncIterator[LiveServer]:
    async with LiveServer(create_app(settings)) as server:
        yield server


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def _running_campaign(client: Client, org: Org) -> str:
    conn = await connection(client, org, name="Loja Centro")
    made = await ok(
        await client.post("/api/v1/contact-lists", json={"name": "VIP"}, headers=org.headers), 201
    )
    people = [
        {"phoneNumber": f"551197000{i}111", "name": name}
        for i, name in enumerate(("Ana Souza", "Bruno Lima", "Carla Dias"))
    ]
    await ok(
        await client.post(
            f"/api/v1/contact-lists/{made['id']}/contacts",
            json={"contacts": people},
            headers=org.headers,
        )
    )
    body = {
        "name": "Dia das Mães",
        "messages": [{"text": "Oi {{primeiro_nome|cliente}}!"}],
        "contactListIds": [made["id"]],
        "connectionIds": [conn["id"]],
        "pacing": PACING,
    }
    campaign = await ok(await client.post("/api/v1/campaigns", json=body, headers=org.headers), 201)
    started = await ok(
        await client.post(f"/api/v1/campaigns/{campaign['id']}/start", headers=org.headers)
    )
    assert started["status"] == "RUNNING"  # no worker here: it stays so
    return str(campaign["id"])


async def _sql(settings: Settings, statement: str, **params: Any) -> None:
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(statement), params)
    finally:
        await engine.dispose()


async def _move(settings: Settings, campaign_id: str, name: str, status: str, **extra: str) -> None:
    """One recipient (by contact name) to ``status``, as delivery's trigger would."""
    sets = "".join(f", {column} = {value}" for column, value in extra.items())
    statement = (
        f"UPDATE campaign_recipient r SET status = :status, sent_at = now(){sets}"  # noqa: S608 - the test's own columns
        " FROM contact c WHERE c.id = r.contact_id"
        " AND r.campaign_id = :campaign AND c.name = :name"
    )
    await _sql(settings, statement, status=status, campaign=uuid.UUID(campaign_id), name=name)


async def _progress(settings: Settings, org: Org, campaign_id: str) -> None:
    """The dispatcher's notice (workers/campaigns.py ``_notify``)."""
    assert settings.redis_url
    redis = Redis.from_url(settings.redis_url)
    try:
        notice = realtime.Notice(event="campaign.progress", id=campaign_id)
        await redis.publish(realtime.channel(org.id), msgspec.json.encode(notice))
    finally:
        await redis.aclose()


async def _stat(page: Page, name: str, value: str) -> None:
    await expect(page.locator(f"[data-stat={name}]")).to_have_text(value, timeout=WAIT)


async def test_the_page_follows_the_campaign_without_reloading(
    browser: Browser, live: LiveServer, client: Client, settings: Settings, org: Org
) -> None:
    cid = await _running_campaign(client, org)
    ctx, desk = await signed_in(browser, live.url, org.email, path=f"/inbox/campaigns/{cid}")
    await expect(desk.locator("#camp-status")).to_have_text("Enviando", timeout=WAIT)
    await _stat(desk, "total", "3")
    await _stat(desk, "pending", "3")
    await _stat(desk, "sent", "0")
    await expect(desk.locator("#camp-live")).to_have_text(
        "Ao vivo: os números se atualizam sozinhos."
    )
    listing = await ctx.new_page()
    list_errors: list[str] = []
    listing.on("pageerror", lambda error: list_errors.append(str(error)))
    await listing.goto("/inbox/campaigns")
    await listing.wait_for_selector("#live[data-state=online]")
    row = listing.locator(f"#camp-{cid}")
    await expect(row).to_contain_text("0 de 3 enviadas", timeout=WAIT)

    # Two sends go out; the dispatcher's notice brings them to the page.
    await _move(settings, cid, "Ana Souza", "DELIVERED", delivered_at="now()")
    await _move(settings, cid, "Bruno Lima", "SENT")
    await _progress(settings, org, cid)
    await _stat(desk, "sent", "2")
    await _stat(desk, "delivered", "1")
    await _stat(desk, "pending", "1")
    await expect(desk.locator("#camp-funnel .funnel__row").first).to_contain_text("50%")
    await expect(row).to_contain_text("2 de 3 enviadas", timeout=WAIT)
    await shot(desk, "live-progress-1366")

    # The last one fails and the dispatcher finishes: status, funnel, failures, recipients.
    await _move(settings, cid, "Carla Dias", "FAILED", error="'número sem WhatsApp'")
    await _sql(
        settings,
        "UPDATE campaign SET status = 'COMPLETED', finished_at = now() WHERE id = :id",
        id=uuid.UUID(cid),
    )
    await _progress(settings, org, cid)
    await expect(desk.locator("#camp-status")).to_have_text("Concluída", timeout=WAIT)
    await _stat(desk, "failed", "1")
    await _stat(desk, "pending", "0")
    await expect(desk.locator("#camp-live")).to_be_hidden()
    await expect(desk.locator("#camp-failures")).to_contain_text("número sem WhatsApp")
    await expect(desk.locator("#camp-recipients")).to_contain_text("Falhou")
    await expect(row).to_contain_text("Concluída", timeout=WAIT)
    await shot(desk, "live-completed-1366")
    await shot(listing, "live-list-1366")
    assert desk.errors == [] and list_errors == []  # type: ignore[attr-defined]
    await ctx.close()


async def test_without_the_stream_the_page_polls_slowly(
    browser: Browser, live: LiveServer, client: Client, settings: Settings, org: Org
) -> None:
    cid = await _running_campaign(client, org)
    ctx, first = await signed_in(browser, live.url, org.email, viewport=PHONE)
    await first.close()
    phone = await ctx.new_page()
    errors: list[str] = []
    phone.on("pageerror", lambda error: errors.append(str(error)))

    async def refuse(route: Route) -> None:
        await route.abort()

    await phone.route("**/inbox/events", refuse)  # the stream is down
    await phone.clock.install()
    await phone.goto(f"/inbox/campaigns/{cid}")
    await expect(phone.locator("#live")).to_have_attribute("data-state", "offline", timeout=WAIT)
    await _stat(phone, "pending", "3")
    await expect(phone.locator("#camp-live")).to_contain_text("a cada 30 s")

    await _move(settings, cid, "Ana Souza", "SENT")
    await _progress(settings, org, cid)  # nobody hears it
    await phone.clock.run_for(10_000)
    await _stat(phone, "sent", "0")  # not polled yet: the poll is every 30 s
    await phone.clock.run_for(21_000)
    await _stat(phone, "sent", "1")
    await _stat(phone, "pending", "2")
    await shot(phone, "live-offline-390")
    overflow = await phone.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1
    assert errors == []
    await ctx.close()
