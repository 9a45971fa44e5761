"""Stand-ins of the providers' send APIs, one server each for the whole session, reset
before every test, and real httpx clients to reach them."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "standins"))

from provider_apis import (
    EvolutionStandIn,
    MetaStandIn,
    NativeStandIn,
    UazapiStandIn,
    WahaStandIn,
)

from providers import http
from providers.uazapi import sender as uazapi_sender
from providers.waha import sender as waha_sender


@pytest.fixture(scope="session")
async def evolution_api() -> AsyncIterator[EvolutionStandIn]:
    async with EvolutionStandIn() as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
async def waha_api() -> AsyncIterator[WahaStandIn]:
    async with WahaStandIn() as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
async def uazapi_api() -> AsyncIterator[UazapiStandIn]:
    async with UazapiStandIn() as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
async def meta_api() -> AsyncIterator[MetaStandIn]:
    async with MetaStandIn() as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
async def native_api() -> AsyncIterator[NativeStandIn]:
    async with NativeStandIn() as stand_in:
        yield stand_in


@pytest.fixture(autouse=True)
def _fresh_state(
    evolution_api: EvolutionStandIn,
    waha_api: WahaStandIn,
    uazapi_api: UazapiStandIn,
    meta_api: MetaStandIn,
    native_api: NativeStandIn,
) -> None:
    for stand_in in (evolution_api, waha_api, uazapi_api, meta_api, native_api):
        stand_in.reset()
    waha_api.engine = "WEBJS"
    waha_api.session_status = "WORKING"
    waha_api.plus_only_media = False
    waha_sender.KNOWN_CHATS.clear()
    uazapi_sender.KNOWN_CHATS.clear()


@pytest.fixture(scope="session")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as http_client:
        yield http_client


@pytest.fixture(scope="session")
async def impatient_client() -> AsyncIterator[httpx.AsyncClient]:
    """Gives up after 0.3 s, for scripted timeouts."""
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.3)) as http_client:
        yield http_client


@pytest.fixture(scope="session", autouse=True)
async def _close_shared_client() -> AsyncIterator[None]:
    yield
    await http.aclose_shared_client()
