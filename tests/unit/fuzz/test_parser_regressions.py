"""What the parser fuzz found, one test each, on the real payload it mutated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from providers import get_provider
from providers.base import InboundMessage, InboundStatus, UnparseablePayload
from providers.wppconnect import parse_wppconnect
from providers.wwebjs import parse_wwebjs_message

PAYLOADS = Path(__file__).resolve().parents[2] / "fixtures" / "payloads"


def load(relative: str) -> Any:
    return json.loads((PAYLOADS / relative).read_text())


def body(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def test_a_long_file_length_past_64_bits_is_no_size() -> None:
    # Evolution 2.3.6+ writes int64 as {"low", "high"}; `high` was taken at any size.
    upsert = load("evolution/messages.upsert.document.json")
    upsert["data"]["message"]["documentMessage"]["fileLength"] = {"low": 1, "high": 2**40}
    (event,) = get_provider("evolution").parse(body(upsert))
    assert isinstance(event, InboundMessage) and event.media is not None
    assert event.media.size is None


@pytest.mark.parametrize(
    ("provider", "fixture", "path"),
    [
        ("evolution", "messages.upsert.text.json", ("data", "key", "id")),
        ("evolution", "messages.upsert.text.json", ("data", "key", "remoteJid")),
        ("waha", "message.text.webjs.json", ("payload", "id")),
        ("waha", "message.ack.read.webjs.json", ("payload", "id")),
        ("meta", "messages.text.json", ("entry", 0, "changes", 0, "value", "messages", 0, "id")),
        ("meta", "statuses.read.json", ("entry", 0, "changes", 0, "value", "statuses", 0, "id")),
        ("uazapi", "messages.text.conversation.json", ("message", "messageid")),
        ("uazapi", "messages.text.conversation.json", ("message", "chatid")),
    ],
)
def test_an_empty_message_or_chat_id_is_unparseable(
    provider: str, fixture: str, path: tuple[Any, ...]
) -> None:
    # Stored, "" would make every such message a repeat of the first (or file every
    # phone-less chat under one contact); as a dead letter it can be replayed.
    obj = load(f"{provider}/{fixture}")
    *parents, last = path
    target = obj
    for step in parents:
        target = target[step]
    target[last] = ""
    with pytest.raises(UnparseablePayload):
        get_provider(provider).parse(body(obj))


def test_empty_serialized_ids_are_ignored_like_missing_ones() -> None:
    text = load("wppconnect/onmessage.text.json")
    text["id"] = ""
    assert parse_wppconnect(body(text)) == []
    ack = load("wppconnect/onack.read.json")
    ack["id"]["_serialized"] = ""
    assert parse_wppconnect(body(ack)) == []
    message = load("wwebjs/message.text.json")
    message["id"]["_serialized"] = ""
    assert parse_wwebjs_message(message) == []


def test_a_waha_message_from_our_own_number_is_ours_without_from_me() -> None:
    # WEBJS: `from` is our number on our own messages; with `fromMe` missing it was read
    # as a customer's message from a contact that is the business itself.
    echo = load("waha/message.any.fromme_api.webjs.json")
    del echo["payload"]["fromMe"]
    (event,) = get_provider("waha").parse(body(echo))
    assert isinstance(event, InboundMessage)
    assert event.from_me and event.chat_id == echo["payload"]["to"]
    assert event.contact.phone == "5511987654321"


def test_a_waha_customer_message_without_from_is_not_filed_under_us() -> None:
    # `to` of a customer's message is our number; it was taken as the chat.
    received = load("waha/message.document.webjs.json")
    del received["payload"]["from"]
    with pytest.raises(UnparseablePayload):
        get_provider("waha").parse(body(received))


def test_a_waha_ack_keeps_the_chat_of_our_message() -> None:
    ack = load("waha/message.ack.read.webjs.json")
    (event,) = get_provider("waha").parse(body(ack))
    assert isinstance(event, InboundStatus)
    assert event.chat_id == ack["payload"]["to"]


def test_a_waha_ack_without_to_is_not_about_a_chat_with_us() -> None:
    # WEBJS: `from` of our message is our number; without `to` it was taken as the chat.
    ack = load("waha/message.ack.read.webjs.json")
    del ack["payload"]["to"]
    (event,) = get_provider("waha").parse(body(ack))
    assert isinstance(event, InboundStatus) and event.message_id == ack["payload"]["id"]
    assert event.chat_id is None and event.contact.phone is None


def test_a_native_message_whose_chat_and_sender_disagree_is_unparseable() -> None:
    body = {"event": "message", "messageId": "n1", "from": "5519987654321",
            "chatId": "5511987654321", "text": "oi"}  # fmt: skip
    with pytest.raises(UnparseablePayload):
        get_provider("native").parse(json.dumps(body).encode())
    same = {**body, "from": "+55 (11) 98765-4321"}  # the same person, spelled otherwise
    (event,) = get_provider("native").parse(json.dumps(same).encode())
    assert isinstance(event, InboundMessage) and event.contact.phone == "5511987654321"
