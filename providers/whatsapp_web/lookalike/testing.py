"""Test support for the WhatsApp-Web session: fast timings, a callback recorder that
tests await on, and control-API shortcuts. Used by tests/browser/wweb and demos."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from providers.base import ConnectionState, InboundMessage, InboundStatus
from providers.whatsapp_web.driver import SessionCallbacks, SessionTimings, WhatsAppWebSession
from providers.whatsapp_web.lookalike.state import LookalikeConfig
from providers.whatsapp_web.ratelimit import RateLimits
from providers.whatsapp_web.sender import SendTimings

FAST_LOOKALIKE = LookalikeConfig(
    qr_first_interval_s=1.0,
    qr_interval_s=0.5,
    qr_max_refs=3,
    loading_ms=50,
    media_delay_ms=60,
    sent_ack_ms=30,
)

# Real keyboard typing, just faster than a person.
FAST_TIMINGS = SessionTimings(
    send=SendTimings(
        typing_delay_ms=(1.0, 4.0),
        link_preview_s=(0.05, 0.1),
        link_preview_wait_s=2.0,
        pause_before_send_s=(0.0, 0.02),
        open_chat_timeout_s=10.0,
        bubble_timeout_s=5.0,
        resend_check_s=1.5,
    ),
    ready_timeout_s=15.0,
    health_interval_s=60.0,
    backoff_initial_s=0.2,
)
NO_LIMITS = RateLimits(
    global_per_minute=6000, global_burst=100, chat_per_minute=6000, chat_burst=100
)
WAIT_S = 15.0


class Recorder:
    """Collects what the session reports; tests await conditions on it."""

    def __init__(self) -> None:
        self.qrs: list[str] = []
        self.statuses: list[tuple[ConnectionState, str | None, str | None]] = []
        self.messages: list[InboundMessage] = []
        self.acks: list[InboundStatus] = []
        self._changed = asyncio.Condition()

    async def _note(self, items: list[Any], item: Any) -> None:
        items.append(item)
        async with self._changed:
            self._changed.notify_all()

    @property
    def callbacks(self) -> SessionCallbacks:
        async def on_status(state: ConnectionState, phone: str | None, reason: str | None) -> None:
            await self._note(self.statuses, (state, phone, reason))

        return SessionCallbacks(
            on_qr=lambda png: self._note(self.qrs, png),
            on_status=on_status,
            on_message=lambda message: self._note(self.messages, message),
            on_ack=lambda status: self._note(self.acks, status),
        )

    async def wait_until(self, predicate: Callable[[], bool], within_s: float = WAIT_S) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), within_s)

    def states(self) -> list[ConnectionState]:
        return [state for state, _, _ in self.statuses]


SessionFactory = Callable[..., Awaitable[tuple[WhatsAppWebSession, Recorder]]]


async def scan_and_connect(
    control: httpx.AsyncClient, session: WhatsAppWebSession, recorder: Recorder
) -> None:
    await recorder.wait_until(lambda: bool(recorder.qrs))
    (await control.post("/_control/scan")).raise_for_status()
    await recorder.wait_until(lambda: session.state == "connected")


async def customer_says(control: httpx.AsyncClient, **body: Any) -> str:
    response = await control.post("/_control/customer-message", json=body)
    response.raise_for_status()
    message_id: str = response.json()["id"]
    return message_id
