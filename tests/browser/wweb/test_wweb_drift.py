"""The selector fallbacks against older / stripped builds: legacy "false_<jid>_<id>"
data-ids, no data-testid anywhere, data-icon ticks; and recovery after the browser dies."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import pytest

from providers.base import OutboundMessage
from providers.whatsapp_web.driver import WhatsAppWebSession
from providers.whatsapp_web.lookalike import LookalikeConfig, LookalikeServer
from providers.whatsapp_web.lookalike.testing import FAST_LOOKALIKE, Recorder, customer_says

MARIANA = "5511987654321"


@pytest.fixture(scope="module")
async def lookalike() -> AsyncIterator[LookalikeServer]:
    drifted = LookalikeConfig(
        **{
            **{f: getattr(FAST_LOOKALIKE, f) for f in FAST_LOOKALIKE.__struct_fields__},
            "legacy_ids": True,
            "strip_testids": True,
            "legacy_ticks": True,
        }
    )
    async with LookalikeServer(drifted) as server:
        yield server


async def test_legacy_ids_and_stripped_testids(
    connected: tuple[WhatsAppWebSession, Recorder], control: httpx.AsyncClient
) -> None:
    session, recorder = connected
    # An 8-digit Brazilian mobile as old accounts still report it: the 9 is restored.
    text_id = await customer_says(control, **{"from": "551187654321", "text": "oi"})
    doc = {"kind": "document", "mimetype": "application/pdf", "filename": "a.pdf"}
    doc["base64"] = base64.b64encode(b"%PDF-1.4").decode()
    doc_id = await customer_says(control, **{"from": "551187654321", "media": doc})
    await recorder.wait_until(lambda: len(recorder.messages) == 2)
    text, document = recorder.messages
    assert text_id.startswith("false_551187654321@c.us_")
    assert (text.message_id, text.text, text.chat_id) == (text_id, "oi", "551187654321@c.us")
    assert text.contact.phone == "5511987654321" and not text.from_me
    assert document.message_id == doc_id and document.type == "document"
    assert document.media is not None and document.media.filename == "a.pdf"

    provider_id = await session.send(OutboundMessage(message_id="1", to=MARIANA, text="Olá"))
    # Same person: the open chat's JID keeps the 8-digit form, so the send lands there
    # (the real site resolves the ninth digit the same way) instead of a new chat.
    assert provider_id.startswith("true_551187654321@c.us_")
    (
        await control.post("/_control/ack", json={"id": provider_id, "status": "delivered"})
    ).raise_for_status()
    await recorder.wait_until(lambda: any(a.status == "delivered" for a in recorder.acks))
    assert all(m.message_id != provider_id for m in recorder.messages)


async def test_browser_loss_relaunches_with_the_same_profile_and_keeps_sends(
    connected: tuple[WhatsAppWebSession, Recorder], control: httpx.AsyncClient
) -> None:
    session, recorder = connected
    context = session._context
    assert context is not None
    await context.close()  # what a crashed or killed browser looks like from Playwright
    provider_id = await session.send(OutboundMessage(message_id="2", to=MARIANA, text="Voltei"))

    assert ("disconnected", None, "browser_lost") in recorder.statuses
    assert recorder.statuses[-1][0] == "connected"
    assert len(recorder.qrs) == 1  # the relaunched profile was still linked
    sent = (await control.get("/_control/sent")).json()
    assert [(s["id"], s["text"]) for s in sent] == [(provider_id, "Voltei")]
