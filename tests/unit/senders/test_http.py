"""The shared send helpers: Retry-After parsing, status classification, the lazy client."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from providers import http
from providers.base import OutboundMessage, SendError
from providers.native import sender as native_sender


def response(status: int, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=httpx.Request("POST", "http://x"))


@pytest.mark.parametrize(
    ("status", "transient"),
    [(400, False), (401, False), (404, False), (408, True), (429, True), (500, True), (503, True)],
)
def test_status_classification(status: int, transient: bool) -> None:
    error = http.status_error(response(status), "detail")

    assert error.transient is transient
    assert error.status == status
    assert isinstance(error, http.RateLimited) == (status == 429)


def test_retry_after_in_seconds_and_as_a_date() -> None:
    assert http.retry_after(response(429, {"Retry-After": "12"})) == 12
    later = email.utils.formatdate(time.time() + 60, usegmt=True)
    seconds = http.retry_after(response(429, {"Retry-After": later}))
    assert seconds is not None and 55 <= seconds <= 61
    assert http.retry_after(response(429, {"Retry-After": "soon"})) is None
    assert http.retry_after(response(429)) is None


def test_known_chats_expire_and_stay_bounded() -> None:
    cache = http.KnownChats(ttl=60, size=2)
    for number in ("1", "2", "3"):
        cache.put(("u", number), f"{number}@c.us")

    assert cache.get(("u", "1")) is None
    assert cache.get(("u", "3")) == "3@c.us"
    expired = http.KnownChats(ttl=-1)
    expired.put(("u", "1"), "1@c.us")
    assert expired.get(("u", "1")) is None


async def test_a_url_without_scheme_is_permanent() -> None:
    config = {"sendUrl": "localhost:1/send", "secret": "s"}
    with pytest.raises(SendError) as caught:
        await native_sender.send(OutboundMessage(message_id="m", to="1", text="x"), config)

    assert caught.value.transient is False


async def test_missing_config_is_permanent() -> None:
    with pytest.raises(SendError) as caught:
        await native_sender.send(OutboundMessage(message_id="m", to="1", text="x"), {})

    assert caught.value.transient is False
    assert caught.value.detail == "Native: connection config lacks 'sendUrl'"


async def test_shared_client_is_created_lazily_and_closed() -> None:
    first = http.shared_client()
    assert http.shared_client() is first
    await http.aclose_shared_client()
    assert first.is_closed
    assert http.shared_client() is not first
    await http.aclose_shared_client()
