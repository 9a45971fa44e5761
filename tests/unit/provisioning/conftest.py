"""The providers' management stand-ins (tests/standins/provider_management.py), one
server each per module, reset before every test, and a real httpx client."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "standins"))

from provider_management import EvolutionInstances, MetaGraph, UazapiInstance, WahaSessions

WEBHOOK = (
    "https://balcao.example/api/v1/webhooks/{kind}/3f6c2a1e-0000-4000-8000-000000000001?token=tok-1"
)


def webhook_url(kind: str) -> str:
    return WEBHOOK.format(kind=kind)


@pytest.fixture(scope="module")
def waha_server() -> Iterator[WahaSessions]:
    with WahaSessions() as server:
        yield server


@pytest.fixture(scope="module")
def evolution_server() -> Iterator[EvolutionInstances]:
    with EvolutionInstances() as server:
        yield server


@pytest.fixture(scope="module")
def uazapi_server() -> Iterator[UazapiInstance]:
    with UazapiInstance() as server:
        yield server


@pytest.fixture(scope="module")
def meta_server() -> Iterator[MetaGraph]:
    with MetaGraph() as server:
        yield server


@pytest.fixture
def waha(waha_server: WahaSessions) -> WahaSessions:
    waha_server.reset()
    waha_server.session_status = "WORKING"
    return waha_server


@pytest.fixture
def evolution(evolution_server: EvolutionInstances) -> EvolutionInstances:
    evolution_server.reset()
    return evolution_server


@pytest.fixture
def uazapi(uazapi_server: UazapiInstance) -> UazapiInstance:
    uazapi_server.reset()
    return uazapi_server


@pytest.fixture
def meta(meta_server: MetaGraph) -> MetaGraph:
    meta_server.reset()
    return meta_server


@pytest.fixture
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client
