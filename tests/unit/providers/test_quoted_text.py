"""A reply keeps the text of what it quotes when the payload carries it (Evolution's
contextInfo.quotedMessage, WAHA's replyTo.body), so nothing is lost when the original was
never stored; an odd quoted copy never makes the reply unparseable."""

from __future__ import annotations

import json
from pathlib import Path

from provider_cases import PARSERS

from providers.base import InboundMessage

PAYLOADS = Path(__file__).parents[2] / "fixtures" / "payloads"


def _message(provider: str, name: str, body: bytes | None = None) -> InboundMessage:
    [event] = PARSERS[provider](body or (PAYLOADS / provider / name).read_bytes())
    assert isinstance(event, InboundMessage)
    return event


def test_evolution_keeps_the_quoted_text() -> None:
    reply = _message("evolution", "messages.upsert.reply.json")
    assert reply.quoted_message_id == "3EB0957B808A95C67B09A2"
    assert reply.quoted_text == "Temos sim! Sai fornada nova às 15h 🧀"


def test_waha_keeps_the_quoted_text() -> None:
    reply = _message("waha", "message.reply.noweb.json")
    assert reply.quoted_text == "Temos sim! Sai fornada nova às 15h 🧀"


def test_an_odd_quoted_copy_is_ignored_not_fatal() -> None:
    body = json.loads((PAYLOADS / "evolution" / "messages.upsert.reply.json").read_text())
    body["data"]["contextInfo"]["quotedMessage"] = {"conversation": {"not": "text"}}
    reply = _message("evolution", "", json.dumps(body).encode())
    assert reply.quoted_message_id == "3EB0957B808A95C67B09A2"
    assert reply.quoted_text is None
    assert reply.text is not None and reply.text.startswith("Pode ser às 16h")
