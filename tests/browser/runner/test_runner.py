"""The runner end to end: a connection created through the API gets a QR, connects when
the phone scans, stores what customers write through ingest, sends like the delivery
job asks, survives its own restart and a reload mid-send, and logs out on delete."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool
from wweb_runner_support import StartRunner, Web, eventually

from app.config import Settings
from providers import get_provider
from providers.base import OutboundMessage, ProviderKind, SendError
from providers.whatsapp_web.lookalike import LookalikeServer
from providers.whatsapp_web.lookalike.testing import customer_says

MARIANA = "5511987654321"
OWN_PHONE = "5511955554444"
MakeWeb = Callable[[], Awaitable[Web]]
pytestmark = pytest.mark.usefixtures("redis_env")


async def _connected(web: Web, control: httpx.AsyncClient) -> dict[str, Any]:
    qr = await eventually(lambda: _qr(web))
    assert qr.startswith("data:image/png;base64,")
    return await _scan(web, control)


async def _scan(web: Web, control: httpx.AsyncClient) -> dict[str, Any]:
    """Scan until connected. The look-alike pairs the pages that showed a QR when the
    scan came; a page whose event stream connected only after that (its first request
    lost the race under load) misses it and must be scanned again at its next QR."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while loop.time() < deadline:
        # 409: no page shows a QR right now (a missed page registers at its next one).
        if (await control.post("/_control/scan")).status_code == 200:
            with contextlib.suppress(AssertionError):
                state: dict[str, Any] = await eventually(lambda: web.status_is("CONNECTED"), 3)
                return state
        await asyncio.sleep(0.1)
    raise AssertionError("the connection never reached CONNECTED")


async def _qr(web: Web) -> str | None:
    body = await web.get("/qr")
    return body["qrCode"] if body["status"] == "QR_PENDING" else None


async def _send(web: Web, message_id: str, text: str) -> str:
    """What the delivery job does: the registry's provider, the connection's config."""
    provider = get_provider(ProviderKind.WHATSAPP_WEB)
    message = OutboundMessage(message_id=message_id, to=MARIANA, text=text)
    async with httpx.AsyncClient() as client:  # the worker's; the runner is reached by Redis
        result = await provider.send(message, {}, client=client)
    assert result.provider_message_id
    return result.provider_message_id


async def _queued_functions(settings: Settings) -> list[str]:
    assert settings.redis_url
    arq = ArqRedis(connection_pool=ConnectionPool.from_url(settings.redis_url))
    try:
        return [job.function for job in await arq.queued_jobs()]
    finally:
        await arq.aclose(close_connection_pool=True)


async def test_qr_scan_inbound_burst_and_send(
    make_web: MakeWeb,
    start_runner: StartRunner,
    control: httpx.AsyncClient,
    lookalike: LookalikeServer,
    settings: Settings,
) -> None:
    await start_runner()
    web = await make_web()  # the runner hears "start" over Redis

    qr = await eventually(lambda: _qr(web))
    assert base64.b64decode(qr.split(",", 1)[1])[:4] == b"\x89PNG"
    state = await _scan(web, control)
    assert state["isAuthenticated"] and state["phoneNumber"] == OWN_PHONE
    assert (await web.get("/qr"))["qrCode"] is None

    texts = ["Oi, bom dia", "vocês têm pão de queijo?", "e café?"]
    ids = [
        await customer_says(control, **{"from": MARIANA, "name": "Mariana", "text": t})
        for t in texts
    ]
    rows = await eventually(lambda: _when(web.messages(), lambda r: len(r) == 3))
    assert [r["provider_message_id"] for r in rows] == ids
    assert [json.loads(r["content"])["text"] for r in rows] == texts
    assert {(r["direction"], r["author"]) for r in rows} == {("IN", "CUSTOMER")}
    assert len({r["session_id"] for r in rows}) == 1
    queued = await eventually(lambda: _queued_functions(settings))
    assert "merge_burst" in queued

    reply_id = await web.reply_row(rows[-1], "Temos sim! Pão de queijo e café fresquinhos.")
    provider_id = await _send(web, reply_id, "Temos sim! Pão de queijo e café fresquinhos.")
    sent = (await control.get("/_control/sent")).json()
    assert [(s["id"], s["to"], s["text"]) for s in sent] == [
        (provider_id, MARIANA, "Temos sim! Pão de queijo e café fresquinhos.")
    ]
    assert sent[0]["keydowns"] > 0 and not sent[0]["pasted"]
    # Our own bubble is the AI message, not a new "typed on the phone" one.
    rows = await web.messages()
    ours = [r for r in rows if r["provider_message_id"] == provider_id]
    assert [(str(r["id"]), r["author"]) for r in ours] == [(reply_id, "AI")]
    assert ours[0]["status"] in ("SENT", "DELIVERED", "READ")
    assert len(rows) == 4

    stats = await web.get("/stats")
    assert stats["today"]["messagesIn"] == 3
    assert stats["today"]["messagesOutByAuthor"]["AI"] == 1
    assert stats["month"]["sessionsOpened"] == 1


async def _when(rows_coro: Awaitable[list], ok: Callable[[list], bool]) -> list | None:  # type: ignore[type-arg]
    rows = await rows_coro
    return rows if ok(rows) else None


async def test_restart_needs_no_scan_repeats_nothing_and_keeps_queued_sends(
    make_web: MakeWeb, start_runner: StartRunner, control: httpx.AsyncClient
) -> None:
    first = await start_runner()
    web = await make_web()
    await _connected(web, control)
    await customer_says(control, **{"from": MARIANA, "name": "Mariana", "text": "um"})
    rows = await eventually(lambda: _when(web.messages(), lambda r: len(r) == 1))
    await first.stop()
    assert (await web.get("/status"))["status"] == "DISCONNECTED"

    # A send asked for while no runner runs waits in the stream.
    reply_id = await web.reply_row(rows[0], "Bom dia, Mariana!")
    sending = asyncio.ensure_future(_send(web, reply_id, "Bom dia, Mariana!"))
    await start_runner()
    await eventually(lambda: web.status_is("CONNECTED"))
    provider_id = await asyncio.wait_for(sending, 30)
    assert (await web.get("/qr"))["qrCode"] is None

    await customer_says(control, **{"from": MARIANA, "name": "Mariana", "text": "dois"})
    rows = await eventually(lambda: _when(web.messages(), lambda r: len(r) == 3))
    assert [json.loads(r["content"])["text"] for r in rows] == ["um", "Bom dia, Mariana!", "dois"]
    assert rows[1]["provider_message_id"] == provider_id
    sent = (await control.get("/_control/sent")).json()
    assert [s["id"] for s in sent] == [provider_id]


async def test_send_during_a_reload_is_retried_once_and_repeats_are_deduped(
    make_web: MakeWeb, start_runner: StartRunner, control: httpx.AsyncClient
) -> None:
    await start_runner()
    web = await make_web()
    await _connected(web, control)
    await customer_says(control, **{"from": MARIANA, "name": "Mariana", "text": "cadê meu pedido?"})
    rows = await eventually(lambda: _when(web.messages(), lambda r: len(r) == 1))

    text = "Seu pedido 4512 saiu para entrega e chega em trinta minutos."
    reply_id = await web.reply_row(rows[0], text)
    sending = asyncio.ensure_future(_send(web, reply_id, text))
    assert (await control.get("/_control/wait-composing")).json() == {"composing": True}
    (await control.post("/_control/reload-all")).raise_for_status()
    provider_id = await asyncio.wait_for(sending, 30)

    # The delivery job retrying the same message gets the same bubble, typed once.
    assert await _send(web, reply_id, text) == provider_id
    sent = (await control.get("/_control/sent")).json()
    assert [(s["id"], s["text"]) for s in sent] == [(provider_id, text)]


async def test_unknown_message_is_refused_for_good(
    make_web: MakeWeb, start_runner: StartRunner
) -> None:
    await start_runner()
    with pytest.raises(SendError) as refused:
        await _send(await make_web(), str(uuid.uuid4()), "olá")
    assert not refused.value.transient


async def test_delete_logs_out_and_removes_the_profile(
    make_web: MakeWeb,
    start_runner: StartRunner,
    control: httpx.AsyncClient,
    lookalike: LookalikeServer,
) -> None:
    await start_runner()
    web = await make_web()
    await _connected(web, control)
    assert await asyncio.to_thread(web.profile.exists)

    response = await web.client.delete(f"/api/v1/connections/{web.id}", headers=web.org.headers)
    assert response.status_code == 204

    async def gone() -> bool:
        return not await asyncio.to_thread(web.profile.exists) and not lookalike.state.tokens

    await eventually(gone)


async def test_a_browser_that_cannot_start_is_failed_with_a_reason(
    make_web: MakeWeb, start_runner: StartRunner
) -> None:
    await start_runner(chromium_path="/nonexistent/chromium")
    web = await make_web()
    await eventually(lambda: web.status_is("FAILED"))
    assert (await web.get())["statusReason"].startswith("browser_launch_failed")


async def test_redis_emptied_under_a_running_runner_loses_no_send(
    make_web: MakeWeb, start_runner: StartRunner, control: httpx.AsyncClient, settings: Settings
) -> None:
    """Redis restarted without persistence takes the command stream and the runner's
    group with it; the runner makes its group again and reads what was pushed since."""
    await start_runner()
    web = await make_web()
    await _connected(web, control)
    await customer_says(control, **{"from": MARIANA, "name": "Mariana", "text": "oi"})
    rows = await eventually(lambda: _when(web.messages(), lambda r: len(r) == 1))

    assert settings.redis_url
    redis = ArqRedis(connection_pool=ConnectionPool.from_url(settings.redis_url))
    try:
        await redis.flushall()
    finally:
        await redis.aclose(close_connection_pool=True)
    reply_id = await web.reply_row(rows[0], "Oi, Mariana! Em que posso ajudar?")
    provider_id = await asyncio.wait_for(
        _send(web, reply_id, "Oi, Mariana! Em que posso ajudar?"), 30
    )
    sent = (await control.get("/_control/sent")).json()
    assert [(s["id"], s["text"]) for s in sent] == [
        (provider_id, "Oi, Mariana! Em que posso ajudar?")
    ]
