"""Every provider parser against mutated real payloads (tests/fixtures/payloads/): the only
exception that may escape is ``UnparseablePayload``, what parses is well typed and
storable, and the contact it names comes from the payload — a mutation never makes a
message land on somebody else.

Deterministic (derandomized, no example database) and a few seconds in the suite;
``FUZZ_PARSER_EXAMPLES`` raises the examples per provider (``bench/fuzz`` does).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from payload_mutations import mutated

from providers import PROVIDERS, get_provider
from providers.base import (
    InboundEvent,
    InboundMessage,
    InboundStatus,
    ProviderKind,
    UnparseablePayload,
)
from providers.phone import is_group_jid, lid_of, normalize_phone, phone_of_jid
from providers.wppconnect import parse_wppconnect
from providers.wwebjs import parse_wwebjs_message

EXAMPLES = int(os.environ.get("FUZZ_PARSER_EXAMPLES", "150"))
PAYLOADS = Path(__file__).resolve().parents[2] / "fixtures" / "payloads"
MAX_SECONDS = 4_102_444_800  # year 2100, providers._common's bound
MAX_INT64 = 2**63 - 1


def _wwebjs(body: bytes) -> list[InboundEvent]:
    # The runner hands the parser decoded objects; what is not JSON never reaches it.
    try:
        obj = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise UnparseablePayload("not JSON") from exc
    return parse_wwebjs_message(obj)


PARSERS: dict[str, Callable[[bytes], list[InboundEvent]]] = {
    **{
        kind.value.lower(): get_provider(kind).parse
        for kind in PROVIDERS
        if kind != ProviderKind.WHATSAPP_WEB  # no webhooks: the runner reads the page
    },
    "wppconnect": parse_wppconnect,
    "wwebjs": _wwebjs,
}
# The native format has no captured payloads (it is ours): API.md's examples stand in.
NATIVE_SEEDS: list[Any] = [
    {"event": "message", "messageId": "n1", "from": "5511987654321", "name": "Maria",
     "timestamp": 1732250000, "fromMe": False, "type": "text", "text": "Oi"},
    {"event": "message", "messageId": "n2", "from": "+55 (11) 98765-4321", "type": "image",
     "text": "foto", "media": {"url": "https://cdn.example/f.jpg", "mimetype": "image/jpeg",
                               "filename": "f.jpg"}, "quotedMessageId": "n1"},
    {"event": "message", "messageId": "n3", "from": "201234567890123@lid", "type": "voice",
     "media": {"base64": "T2dnUw==", "mimetype": "audio/ogg"}},
    {"event": "message", "messageId": "n4", "from": "5511987654321", "fromMe": True,
     "chatId": "5511987654321", "text": "resposta"},
    {"event": "status", "messageId": "n4", "status": "READ", "from": "5511987654321"},
    {"events": [{"event": "message", "messageId": "n5", "from": "5521987654321", "text": "a"},
                {"event": "status", "messageId": "n4", "status": "FAILED", "error": "x"}]},
]  # fmt: skip


def _seeds(provider: str) -> list[Any]:
    bodies = sorted(
        p for p in (PAYLOADS / provider).glob("*.json") if not p.name.endswith(".expected.json")
    )
    found = [json.loads(p.read_bytes()) for p in bodies]
    return found + (NATIVE_SEEDS if provider == "native" else [])


def test_every_parser_has_real_payloads_to_mutate() -> None:
    folders = {p.name for p in PAYLOADS.iterdir() if p.is_dir()}
    assert folders <= set(PARSERS), f"payloads without a parser: {folders - set(PARSERS)}"
    for provider in PARSERS:
        assert _seeds(provider), f"{provider} has no payloads to mutate"


def _text(value: Any) -> Iterator[str]:
    """Every string value in a decoded payload."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _text(item)
    elif isinstance(value, list):
        for item in value:
            yield from _text(item)


def _decoded(body: bytes) -> Any:
    # Numbers as text: a 5,000-digit literal would trip int()'s digit limit. msgspec skips
    # unknown keys and values without checking their UTF-8, so a parse can succeed on
    # bytes that are not UTF-8 where it does not read.
    # Python's json reads UTF-16 and a byte order mark (the wwebjs stand-in decodes so).
    options: dict[str, Any] = {"parse_int": str, "parse_float": str, "parse_constant": str}
    try:
        return json.loads(body, strict=False, **options)
    except ValueError:
        return json.loads(body.decode("utf-8", "replace"), strict=False, **options)


def _sources(payload: Any) -> tuple[set[str], set[str]]:
    """The phones and LIDs a contact may carry: those written somewhere in the payload."""
    strings = set(_text(payload))
    phones = {p for s in strings for p in (normalize_phone(s), phone_of_jid(s)) if p}
    lids = {lid for s in strings if (lid := lid_of(s))} | strings  # a Meta BSUID is verbatim
    return phones, lids


# Where each payload names the business's own number (our wuid, WAHA's session, the
# UAZapi instance owner, Meta's business phone): never the customer's.
OWN_NUMBER: dict[str, list[tuple[str, ...]]] = {
    "evolution": [("sender",)],
    "waha": [("me", "id")],
    "uazapi": [("owner",), ("chat", "owner")],
    "meta": [("entry", "*", "changes", "*", "value", "metadata", "display_phone_number")],
}


def _at(value: Any, path: tuple[str, ...]) -> Iterator[Any]:
    if not path:
        yield value
    elif path[0] == "*" and isinstance(value, list):
        for item in value:
            yield from _at(item, path[1:])
    elif isinstance(value, dict) and path[0] in value:
        yield from _at(value[path[0]], path[1:])


def _own_phones(provider: str, payload: Any) -> set[str]:
    found = (v for path in OWN_NUMBER.get(provider, []) for v in _at(payload, path))
    return {p for v in found if isinstance(v, str) and (p := phone_of_jid(v))}


def _check_contact(
    event: InboundMessage | InboundStatus, phones: set[str], lids: set[str], own: set[str]
) -> None:
    contact = event.contact
    if contact.phone is not None:
        assert contact.phone in phones, f"phone {contact.phone} is not in the payload"
        assert contact.phone.isdigit() and normalize_phone(contact.phone) == contact.phone
        assert contact.phone not in own, f"the contact is the business itself: {contact.phone}"
    if contact.lid is not None:
        assert contact.lid in lids and contact.lid, f"lid {contact.lid!r} is not in the payload"
    chat = event.chat_id
    # A one-to-one chat named by a phone is that person's chat: its contact is them.
    if chat and not is_group_jid(chat) and (chat_phone := phone_of_jid(chat)):
        if isinstance(event, InboundMessage) and event.is_group:
            return
        assert contact.phone in (chat_phone, None), f"chat {chat} but contact {contact.phone}"


def _check_storable(event: InboundEvent) -> None:
    # Well typed: what a Struct holds is what its annotations promise.
    assert msgspec.convert(msgspec.to_builtins(event), type=type(event)) == event
    # Messages are keyed by these: an empty one would make every such message a repeat
    # of the first, or file every chat without a phone under one contact.
    if isinstance(event, InboundMessage):
        assert event.chat_id, "a message without a chat"
    message_id = getattr(event, "message_id", None)
    assert message_id is None or message_id, "an empty message id"
    timestamp = getattr(event, "timestamp", None)
    assert timestamp is None or 0 <= timestamp <= MAX_SECONDS, timestamp
    media = getattr(event, "media", None)
    if media is not None:
        for number in (media.size, media.duration):
            assert number is None or abs(number) <= MAX_INT64, number


def check_parse(provider: str, body: bytes, seed: Any = None) -> str:
    """Parse ``body`` (``seed`` mutated) and assert every property; says how it went:
    "refused" (the typed error), "ignored" (no events) or "parsed"."""
    try:
        events = PARSERS[provider](body)
    except UnparseablePayload as exc:
        assert str(exc), "a dead letter needs its reason"
        return "refused"
    assert isinstance(events, list)
    payload = _decoded(body)
    phones, lids = _sources(payload)
    own = _own_phones(provider, payload)
    if seed is not None:  # the business's number, unless the mutation rewrote where it is
        own &= _own_phones(provider, seed)
    for event in events:
        _check_storable(event)
        if isinstance(event, InboundMessage | InboundStatus):
            _check_contact(event, phones, lids, own)
    return "parsed" if events else "ignored"


@pytest.mark.parametrize("provider", sorted(PARSERS))
def test_mutated_real_payloads(provider: str) -> None:
    seeds = _seeds(provider)
    outcomes: Counter[str] = Counter()

    @given(data=st.data())
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(data: st.DataObject) -> None:
        seed = data.draw(st.sampled_from(seeds), label="seed")
        body = data.draw(mutated(seed), label="body")
        outcomes[check_parse(provider, body, seed)] += 1

    run()
    tally = ", ".join(f"{outcomes[k]} {k}" for k in ("parsed", "ignored", "refused"))
    print(f"parser fuzz {provider}: {outcomes.total()} mutated payloads: {tally}; 0 escaped")


@pytest.mark.parametrize("provider", sorted(PARSERS))
def test_real_payloads_pass_the_same_checks(provider: str) -> None:
    for seed in _seeds(provider):
        check_parse(provider, json.dumps(seed).encode())
