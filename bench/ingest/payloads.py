"""Webhook bodies of four providers, made from the test fixtures with a fresh message id
and one of N customers' phones each time."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parents[2] / "tests" / "fixtures" / "payloads"
PROVIDERS = ("evolution", "waha", "meta", "native")


def _load(path: str) -> Any:
    return json.loads((FIXTURES / path).read_text())


class Payloads:
    def __init__(self, connections: dict[str, tuple[str, str, str]], contacts: int) -> None:
        self.connections = connections
        self.contacts = contacts
        self.run = uuid.uuid4().hex[:8]
        self.org_id = connections["native"][2]
        self.native_connection = connections["native"][0]
        self._evolution = _load("evolution/messages.upsert.text.json")
        self._evolution["data"]["key"].pop("remoteJidAlt", None)
        self._waha = _load("waha/message.text.webjs.json")
        self._meta = _load("meta/messages.text.json")

    def phone(self, i: int) -> str:
        return f"55119{(10_000_000 + i % self.contacts):08d}"

    def request(self, i: int) -> tuple[str, bytes]:
        provider = PROVIDERS[i % len(PROVIDERS)]
        connection_id, token, _ = self.connections[provider]
        body = getattr(self, f"_{provider}_body")(self.phone(i), f"B{self.run}{i:09d}")
        return f"/api/v1/webhooks/{provider}/{connection_id}?token={token}", json.dumps(
            body
        ).encode()

    def raw_identity(self, i: int) -> tuple[str, str]:
        return self.phone(i), f"R{self.run}{i:09d}"

    def _evolution_body(self, phone: str, message_id: str) -> Any:
        body = copy.deepcopy(self._evolution)
        body["data"]["key"].update(remoteJid=f"{phone}@s.whatsapp.net", id=message_id)
        return body

    def _waha_body(self, phone: str, message_id: str) -> Any:
        body = copy.deepcopy(self._waha)
        body["payload"].update(id=f"false_{phone}@c.us_{message_id}", **{"from": f"{phone}@c.us"})
        return body

    def _meta_body(self, phone: str, message_id: str) -> Any:
        body = copy.deepcopy(self._meta)
        value = body["entry"][0]["changes"][0]["value"]
        value["contacts"][0]["wa_id"] = phone
        value["messages"][0].update(id=f"wamid.{message_id}", **{"from": phone})
        return body

    def _native_body(self, phone: str, message_id: str) -> Any:
        return {
            "event": "message",
            "messageId": message_id,
            "from": phone,
            "name": "Cliente",
            "timestamp": 1769958000,
            "fromMe": False,
            "type": "text",
            "text": "Oi, tudo bem?",
        }
