"""Campaign sessions in the queue, in real headless Chromium against two api replicas:
a campaign opens a session for each recipient (ACTIVE, started by the business, reason
'campaign', its one outgoing message — as workers/campaigns_store.py writes them); the
agents' tabs do not list it nor count it until the customer writes in it, then it
appears by itself, like any conversation. The public API still lists it.

Screens: test-artifacts/inbox/queue-campaign-*.png."""

from __future__ import annotations

import uuid

from apikit import ok
from inbox_browser_kit import PHONE, Shop, shot, signed_in
from playwright.async_api import Browser, expect

from app.config import Settings
from app.db import models as m
from app.db.engine import make_engine, make_sessionmaker
from app.db.enums import Author, Direction, MessageStatus, MessageType, SessionStatus, StartedBy

WAIT = 20_000
CAMPAIGN_PHONE = "5511933334444"


async def _campaign_session(shop: Shop, settings: Settings, phone: str, name: str) -> str:
    """A recipient's session as the dispatcher opens it, with the campaign's message."""
    headers = shop.org.headers
    person = await ok(
        await shop.client.post(
            "/api/v1/contacts", json={"phoneNumber": phone, "name": name}, headers=headers
        ),
        201,
    )
    connections = await ok(await shop.client.get("/api/v1/connections", headers=headers))
    [conn] = connections["data"]
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as db:
            session = m.Session(
                organization_id=uuid.UUID(shop.org.id),
                contact_id=uuid.UUID(person["id"]),
                connection_id=uuid.UUID(conn["id"]),
                status=SessionStatus.ACTIVE,
                started_by=StartedBy.BUSINESS,
                status_reason="campaign",
            )
            db.add(session)
            await db.flush()
            db.add(
                m.Message(
                    organization_id=session.organization_id,
                    session_id=session.id,
                    contact_id=session.contact_id,
                    connection_id=session.connection_id,
                    direction=Direction.OUT,
                    author=Author.BUSINESS,
                    type=MessageType.TEXT,
                    content={"text": "Oi Rita! Só hoje: 30% de desconto no pão de queijo."},
                    status=MessageStatus.DELIVERED,
                )
            )
            await db.commit()
            return str(session.id)
    finally:
        await engine.dispose()


async def test_a_campaign_session_waits_for_the_customer(
    browser: Browser, shop: Shop, settings: Settings
) -> None:
    campaign_sid = await _campaign_session(shop, settings, CAMPAIGN_PHONE, "Rita Campos")
    await shop.customer_says("Bom dia, vocês abrem sábado?", phone="5511922221111", name="Caio")

    ctx, page = await signed_in(browser, shop.one.url, shop.org.email)
    await page.click("label.tab:has(input[value=ACTIVE])")
    rows = page.locator("#queue-list .qrow")
    await expect(rows).to_have_count(1, timeout=WAIT)
    await expect(rows.first).to_contain_text("Caio")
    await expect(page.locator("[data-count=ACTIVE]")).to_have_text("1", timeout=WAIT)
    assert await page.locator(f"#q-{campaign_sid}").count() == 0
    await page.click("label.tab:has(input[value=ALL])")
    await expect(rows).to_have_count(1, timeout=WAIT)
    assert await page.locator(f"#q-{campaign_sid}").count() == 0
    await page.click("label.tab:has(input[value=ACTIVE])")
    await expect(rows).to_have_count(1, timeout=WAIT)
    await shot(page, "queue-campaign-unanswered-1366")

    # The public API's contract is unchanged: the session is there for CRMs.
    listed = await ok(
        await shop.client.get("/api/v1/sessions?status=ACTIVE", headers=shop.org.headers)
    )
    assert campaign_sid in {s["id"] for s in listed["data"]}

    # The customer answers the campaign: the conversation joins the tab by itself.
    await shop.customer_says("Quero! Até que horas?", phone=CAMPAIGN_PHONE, name="Rita Campos")
    row = page.locator(f"#q-{campaign_sid}")
    await expect(row).to_be_visible(timeout=WAIT)
    await expect(row).to_contain_text("Rita Campos")
    await expect(row).to_contain_text("Quero! Até que horas?")
    await expect(rows).to_have_count(2)
    await expect(page.locator("[data-count=ACTIVE]")).to_have_text("2", timeout=WAIT)
    await shot(page, "queue-campaign-answered-1366")

    # A page opened afterwards lists it too (not only the live insert), on a phone also.
    phone_ctx, phone = await signed_in(browser, shop.two.url, shop.org.email, viewport=PHONE)
    await phone.click("label.tab:has(input[value=ACTIVE])")
    await expect(phone.locator(f"#q-{campaign_sid}")).to_be_visible(timeout=WAIT)
    await expect(phone.locator("#queue-list .qrow")).to_have_count(2)
    await shot(phone, "queue-campaign-answered-390")
    assert page.errors == [] and phone.errors == []  # type: ignore[attr-defined]
    await phone_ctx.close()
    await ctx.close()
