"""Pure pieces of the WhatsApp-Web driver: phone digits from the DOM, ticks, limits."""

from __future__ import annotations

import time

import pytest

from providers.whatsapp_web.events import TickSeen, phone_from_wid, to_inbound_status
from providers.whatsapp_web.phone_digits import normalize_phone, phone_from_title, split_legacy_id
from providers.whatsapp_web.ratelimit import RateLimits, SendLimiter


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("+55 11 98765-4321", "5511987654321"),
        ("+55 11 8765-4321", "5511987654321"),  # ninth digit restored
        ("+55 11 3456-7890", "551134567890"),  # landline: no ninth digit
        ("+1 (415) 555-0100", "14155550100"),
        ("Maria Silva", None),
    ],
)
def test_phone_from_title(raw: str, digits: str | None) -> None:
    assert phone_from_title(raw) == digits


def test_ids_and_wids() -> None:
    assert split_legacy_id("true_5511987654321@c.us_3EB0AA") == (
        True,
        "5511987654321@c.us",
        "3EB0AA",
    )
    assert split_legacy_id("3EB0C767D26A3D1A5E5B") is None
    assert phone_from_wid("5511955554444:12@c.us") == "5511955554444"
    assert normalize_phone("12") is None


@pytest.mark.parametrize(
    ("label", "status"),
    [(" Lida ", "read"), (" Entregue ", "delivered"), ("msg-check", "sent"), (" Pendente ", None)],
)
def test_tick_labels(label: str, status: str | None) -> None:
    ack = to_inbound_status(TickSeen(id="X", label=label, title="+55 11 98765-4321"), "c")
    assert (ack.status if ack else None) == status


async def test_per_chat_limit_spaces_sends() -> None:
    limiter = SendLimiter(
        RateLimits(global_per_minute=6000, global_burst=10, chat_per_minute=1200, chat_burst=1)
    )
    start = time.monotonic()
    await limiter.acquire("a")
    await limiter.acquire("b")  # another chat: no wait
    assert time.monotonic() - start < 0.02
    await limiter.acquire("a")  # 20/s per chat → about 50 ms
    assert time.monotonic() - start >= 0.04
