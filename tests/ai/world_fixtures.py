"""The fixtures of the AI tests' World, shared by tests/ai, tests/e2e and tests/chaos
(each conftest imports them): the native send-API and OpenAI stand-ins, and an
organization with a NATIVE connection pointed at them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from ai_harness import World
from standins.openai_server import OpenAIStandin
from standins.provider_apis import NativeStandIn
from support.orgs import Org
from support.webhooks import Client, Db, make_connection

from app.config import Settings
from app.db.engine import make_engine
from app.events import EVENTS


@pytest.fixture(scope="module")
def native_api() -> Iterator[NativeStandIn]:
    with NativeStandIn() as standin:
        yield standin


@pytest.fixture(scope="module")
def llm_api() -> Iterator[OpenAIStandin]:
    with OpenAIStandin() as standin:
        yield standin


@pytest.fixture
def crm_listening() -> bool:
    """Whether the World's organization has a CRM subscribed to every event: events get
    publish_event jobs (recorded in ``World.events`` by the harness's workers) only
    when a subscription wants them (app.outbox). tests/chaos turns it off: its real
    workers would POST the deliveries and leave their retries in the queue."""
    return True


@pytest.fixture
async def world(
    client: Client,
    org: Org,
    settings: Settings,
    native_api: NativeStandIn,
    llm_api: OpenAIStandin,
    crm_listening: bool,
) -> AsyncIterator[World]:
    native_api.reset()
    llm_api.reset()
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=5)
    hook = await make_connection(client, org, "native", native_api.config)
    if crm_listening:
        crm = {"url": "https://crm.example/balcao", "events": sorted(EVENTS)}
        created = await client.post("/api/v1/webhook-subscriptions", json=crm, headers=org.headers)
        assert created.status_code == 201, created.text
    try:
        yield World(
            client=client,
            org=org,
            settings=settings,
            engine=engine,
            native=native_api,
            llm=llm_api,
            hook=hook,
            db=Db(settings.database_url),
        )
    finally:
        native_api.reset()  # releases a request a failed test left held
        llm_api.reset()
        await engine.dispose()
