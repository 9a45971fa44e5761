"""Garbage in: every parser answers UnparseablePayload (or, for well-formed events we have
no use for, an empty list) — never another exception, which would be a 500."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from provider_cases import PARSERS, fixture_bodies

from providers.base import (
    InboundConnection,
    InboundEdit,
    InboundEvent,
    InboundMessage,
    InboundQr,
    InboundRevoke,
    InboundStatus,
    UnparseablePayload,
)

_EVENT_TYPES = (
    InboundMessage,
    InboundStatus,
    InboundEdit,
    InboundRevoke,
    InboundConnection,
    InboundQr,
)
WEBHOOK_PARSERS = {name: parse for name, parse in PARSERS.items() if name != "wwebjs"}

GARBAGE = [
    b"",
    b" ",
    b"[]",
    b"null",
    b"true",
    b"0",
    b'"text"',
    b"{}",
    b"not json",
    b"\xff\xfe\x00",
    b"{",
    b'{"event": 1}',
    b'{"event": null}',
    b"[" * 10_000,
    b'{"a":' * 10_000,
    b"1e999999",
    b'{"entry": "nope", "event": ["x"], "EventType": ["messages"]}',
]
HUGE = 123456789012345678901234567890
WRONG_SHAPES: dict[str, list[Any]] = {
    "evolution": [
        {"event": "messages.upsert", "data": HUGE},
        {"event": "messages.upsert", "data": {"key": {"remoteJid": 5, "id": "x"}}},
        {"event": "messages.upsert", "data": [{"key": None}]},
        {"event": "messages.update", "data": {"status": "READ"}},
        {"event": "connection.update", "data": {"state": ["open"]}},
    ],
    "waha": [
        {"event": "message", "payload": HUGE},
        {"event": "message", "payload": {"id": 1}},
        {"event": "message.ack", "payload": {"from": "x"}},
        {"event": "session.status", "payload": {"status": None}},
    ],
    "meta": [
        {"entry": [{"changes": [{"value": {"messages": [{"id": 5}]}}]}]},
        {"entry": [{"changes": [{"value": {"statuses": [{"id": "x"}]}}]}]},
        {"entry": [{"changes": "no"}]},
        {"object": "whatsapp_business_account"},
    ],
    "uazapi": [
        {"EventType": "messages", "message": {"messageid": 1, "chatid": "x"}},
        {"EventType": "messages_update", "event": {"MessageIDs": "A1"}},
        {"EventType": "connection", "instance": "connected"},
    ],
    "native": [
        {"event": "message", "messageId": "a", "from": "5511987654321", "timestamp": [1]},
        {"event": "status", "messageId": "a"},
        {"events": [1, 2]},
    ],
    "wppconnect": [
        {"event": "onmessage", "id": 5},
        {"event": "onack", "id": {"_serialized": 5}},
        {"event": "qrcode", "qrcode": 5},
    ],
}


def _accepts(parse: Callable[[bytes], list[InboundEvent]], body: bytes) -> None:
    try:
        events = parse(body)
    except UnparseablePayload as exc:
        assert str(exc)  # a clear message for the dead letter
        return
    assert isinstance(events, list)
    assert all(isinstance(event, _EVENT_TYPES) for event in events)


@pytest.mark.parametrize("provider", sorted(WEBHOOK_PARSERS))
@pytest.mark.parametrize("body", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_is_unparseable(provider: str, body: bytes) -> None:
    with pytest.raises(UnparseablePayload):
        WEBHOOK_PARSERS[provider](body)


@pytest.mark.parametrize(
    ("provider", "body"),
    [(provider, body) for provider, bodies in sorted(WRONG_SHAPES.items()) for body in bodies],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_wrong_shapes_are_unparseable(provider: str, body: Any) -> None:
    with pytest.raises(UnparseablePayload):
        WEBHOOK_PARSERS[provider](json.dumps(body).encode())


@pytest.mark.parametrize("obj", [None, [], "x", 1, {}, {"id": None}, {"id": {"_serialized": []}}])
def test_wwebjs_garbage_is_unparseable(obj: Any) -> None:
    with pytest.raises(UnparseablePayload):
        PARSERS["wwebjs"](json.dumps(obj).encode())


_ODD_VALUES: list[Any] = [
    None,
    0,
    -1,
    2**70,
    -(2**70),
    1e308,
    -0.5,
    "",
    "x",
    "9" * 400,
    "@lid",
    ":@s.whatsapp.net",
    [],
    [None],
    {},
    {"low": "a"},
    {"0": 1},
    True,
]


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj[:3]):
            yield from _paths(value, (*prefix, index))


def _replaced(obj: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = dict(obj) if isinstance(obj, dict) else list(obj)
    copy[path[0]] = _replaced(obj[path[0]], path[1:], value)
    return copy


def _mutations(body: bytes, rng: random.Random, count: int) -> Iterator[bytes]:
    obj = json.loads(body)
    paths = list(_paths(obj))
    for _ in range(count):
        yield json.dumps(_replaced(obj, rng.choice(paths), rng.choice(_ODD_VALUES))).encode()
    for _ in range(count // 4):
        cut = rng.randrange(len(body))
        yield body[:cut]
        yield body[:cut] + bytes([rng.randrange(256)]) + body[cut + 1 :]


@pytest.mark.parametrize("path", fixture_bodies(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_mutated_fixtures_never_crash(path: Path) -> None:
    rng = random.Random(path.name)  # deterministic per fixture
    parse = PARSERS[path.parent.name]
    for body in _mutations(path.read_bytes(), rng, count=60):
        _accepts(parse, body)
