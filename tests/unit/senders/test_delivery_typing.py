"""Delivery's "typing…" pause through each provider's ``send_presence``, against the send
API stand-ins: the indicator is asked for as the provider understands it, the pause lasts
about the typing time whether or not the call holds it (Evolution does), a provider that
types like a person itself (WhatsApp Web) gets no pause, and a failed indicator only
costs the indicator."""

from __future__ import annotations

import time
from types import SimpleNamespace

import httpx
import pytest
from provider_apis import EvolutionStandIn, MetaStandIn, NativeStandIn, WahaStandIn

from providers import get_provider
from providers.base import OutboundMessage
from workers.config import JobConfig
from workers.deliver import _show_typing

TO = "5511987654321"
TEXT = "x" * 30  # 30 characters at 10 ms each: a 300 ms pause
PAUSE = 0.3
CONFIG = JobConfig(typing_ms_per_char=10, typing_min_ms=100, typing_max_ms=1000)


async def _typing(
    kind: str, config: dict[str, str], client: httpx.AsyncClient, reply_to: str | None = None
) -> float:
    deps = SimpleNamespace(config=CONFIG, http=client)
    message = OutboundMessage(message_id="m-1", to=TO, text=TEXT)
    started = time.monotonic()
    await _show_typing(deps, get_provider(kind), message, config, reply_to)  # type: ignore[arg-type]
    return time.monotonic() - started


async def test_evolution_holds_the_call_and_the_pause_is_not_doubled(
    evolution_api: EvolutionStandIn, client: httpx.AsyncClient
) -> None:
    took = await _typing("evolution", evolution_api.config, client)

    [presence] = evolution_api.requests
    assert presence.path == "/chat/sendPresence/loja-centro"
    assert presence.json == {"number": TO, "presence": "composing", "delay": 300}
    assert PAUSE <= took < 2 * PAUSE


async def test_meta_types_against_the_customers_last_message(
    meta_api: MetaStandIn, client: httpx.AsyncClient
) -> None:
    took = await _typing("meta", meta_api.config, client, reply_to="wamid.IN-1")

    [presence] = meta_api.requests
    assert presence.json == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.IN-1",
        "typing_indicator": {"type": "text"},
    }
    assert took >= PAUSE


async def test_meta_without_a_received_message_only_pauses(
    meta_api: MetaStandIn, client: httpx.AsyncClient
) -> None:
    assert await _typing("meta", meta_api.config, client) >= PAUSE
    assert meta_api.requests == []


async def test_waha_starts_typing_in_the_resolved_chat(
    waha_api: WahaStandIn, client: httpx.AsyncClient
) -> None:
    took = await _typing("waha", waha_api.config, client)

    assert [r.path for r in waha_api.requests] == ["/api/contacts/check-exists", "/api/startTyping"]
    assert waha_api.last.json["chatId"].endswith("@c.us")
    assert took >= PAUSE


async def test_native_has_no_indicator_but_keeps_the_pause(
    native_api: NativeStandIn, client: httpx.AsyncClient
) -> None:
    assert await _typing("native", native_api.config, client) >= PAUSE
    assert native_api.requests == []


async def test_whatsapp_web_types_by_itself_so_delivery_adds_no_pause(
    client: httpx.AsyncClient,
) -> None:
    assert get_provider("whatsapp-web").capabilities.paces_itself
    assert await _typing("whatsapp-web", {}, client) < PAUSE / 3


@pytest.mark.parametrize("failure", ["server_error", "rate_limited"])
async def test_a_failed_indicator_still_pauses_and_never_raises(
    evolution_api: EvolutionStandIn, client: httpx.AsyncClient, failure: str
) -> None:
    evolution_api.fail_next(failure)  # type: ignore[arg-type]
    assert await _typing("evolution", evolution_api.config, client) >= PAUSE
    assert [r.status for r in evolution_api.requests] in ([500], [429])
