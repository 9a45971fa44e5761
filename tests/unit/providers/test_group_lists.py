"""Each provider's group list against its stand-in, in the provider's own answer shape
(Evolution fetchAllGroups, WAHA per engine, UAZapi group/list, a native groupsUrl),
and the contract around listing groups."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "standins"))

from provider_apis import (
    EvolutionStandIn,
    NativeStandIn,
    StandInGroup,
    UazapiStandIn,
    WahaStandIn,
)

from providers import _groups, contract, get_provider, registered
from providers.base import (
    Capabilities,
    GroupInfo,
    GroupLister,
    SendError,
    group_lister_of,
    group_reporter_of,
)

EXPECTED = [
    GroupInfo(id="120363025746281234@g.us", name="Ofertas Centro 🛒", participants=9),
    GroupInfo(id="120363041122334455@g.us", name="Clientes VIP", participants=3),
]


def lister(kind: str) -> GroupLister:
    found = group_lister_of(get_provider(kind))
    assert found is not None
    return found


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as http_client:
        yield http_client


async def test_evolution_lists_fetch_all_groups_without_members(
    client: httpx.AsyncClient,
) -> None:
    async with EvolutionStandIn() as evo:
        groups = await lister("EVOLUTION").list_groups(evo.config, client=client)
        request = evo.last
    assert groups == EXPECTED
    assert request.method == "GET"
    assert request.path == "/group/fetchAllGroups/loja-centro"
    assert request.query == {"getParticipants": "false"}
    assert request.headers["apikey"] == evo.api_key
    assert "participants" not in request.reply[0]  # the count came from `size`


@pytest.mark.parametrize("engine", ["WEBJS", "NOWEB", "GOWS"])
async def test_waha_lists_groups_in_each_engines_shape(
    client: httpx.AsyncClient, engine: Any
) -> None:
    async with WahaStandIn(engine=engine) as waha:
        groups = await lister("WAHA").list_groups(waha.config, client=client)
        request = waha.last
    assert groups == EXPECTED
    assert (request.method, request.path) == ("GET", "/api/default/groups")
    assert request.headers["x-api-key"] == waha.api_key


async def test_uazapi_lists_group_list_with_members_counted(client: httpx.AsyncClient) -> None:
    async with UazapiStandIn() as uaz:
        groups = await lister("UAZAPI").list_groups(uaz.config, client=client)
        request = uaz.last
    assert groups == EXPECTED
    assert (request.method, request.path) == ("GET", "/group/list")
    assert request.query == {"noparticipants": "false"}
    assert request.headers["token"] == uaz.token


async def test_native_lists_its_groups_url_signed(client: httpx.AsyncClient) -> None:
    async with NativeStandIn() as native:
        config = {**native.config, "groupsUrl": native.groups_url}
        groups = await lister("NATIVE").list_groups(config, client=client)
        assert native.signature_ok(native.last)
        # Without groupsUrl the integration lists nothing, and nothing is called.
        before = len(native.requests)
        assert await lister("NATIVE").list_groups(native.config, client=client) == []
        assert len(native.requests) == before
    assert groups == EXPECTED


async def test_an_empty_number_lists_no_groups(client: httpx.AsyncClient) -> None:
    async with UazapiStandIn() as uaz:
        uaz.groups = []
        assert await lister("UAZAPI").list_groups(uaz.config, client=client) == []


async def test_refused_credentials_are_permanent_and_outages_transient(
    client: httpx.AsyncClient,
) -> None:
    async with EvolutionStandIn() as evo:
        evolution = lister("EVOLUTION")
        with pytest.raises(SendError) as refused:
            await evolution.list_groups({**evo.config, "apiKey": "wrong"}, client=client)
        evo.fail_next("server_error")
        with pytest.raises(SendError) as down:
            await evolution.list_groups(evo.config, client=client)
    assert refused.value.status == 401 and not refused.value.transient
    assert down.value.status == 500 and down.value.transient


async def test_waha_session_not_working_is_transient(client: httpx.AsyncClient) -> None:
    async with WahaStandIn(session_status="SCAN_QR_CODE") as waha:
        with pytest.raises(SendError) as caught:
            await lister("WAHA").list_groups(waha.config, client=client)
    assert caught.value.transient


async def test_a_group_without_a_name_is_listed_under_its_id(client: httpx.AsyncClient) -> None:
    async with EvolutionStandIn() as evo:
        evo.groups = [
            StandInGroup("120363000000000001@g.us", "  ", ["5511987654321@s.whatsapp.net"])
        ]
        groups = await lister("EVOLUTION").list_groups(evo.config, client=client)
    assert groups == [
        GroupInfo(id="120363000000000001@g.us", name="120363000000000001@g.us", participants=1)
    ]


def test_entries_that_are_not_groups_are_skipped() -> None:
    items = [
        {"id": "5511987654321@s.whatsapp.net", "subject": "a person"},
        {"id": "120363000000000002@g.us", "subject": "Grupo"},
        {"id": "120363000000000002@g.us", "subject": "Grupo again"},
        "garbage",
        {"JID": 7},
    ]
    assert _groups.read_groups(items) == [GroupInfo(id="120363000000000002@g.us", name="Grupo")]


def test_group_listing_is_where_groups_are() -> None:
    listers = {k for k, p in registered().items() if group_lister_of(p) is not None}
    reporters = {k for k, p in registered().items() if group_reporter_of(p) is not None}
    assert listers == {"EVOLUTION", "WAHA", "UAZAPI", "NATIVE"}
    assert reporters == {"WHATSAPP_WEB"}  # the runner reads the page (tests/browser)
    assert not get_provider("META").capabilities.groups


class _ListsWithoutGroups:
    """A provider that lists groups but says it has none: refused."""

    capabilities = Capabilities()

    async def list_groups(self, config: Any, *, client: Any) -> list[GroupInfo]:
        return []


class _ListsSync:
    capabilities = Capabilities(groups=True)

    def list_groups(self, config: Any, *, client: Any) -> list[GroupInfo]:
        return []


def test_the_checker_refuses_a_wrong_group_lister() -> None:
    assert any(
        "capabilities.groups is False" in p for p in contract.problems(_ListsWithoutGroups())
    )
    assert any("list_groups() must be async" in p for p in contract.problems(_ListsSync()))
