"""Helpers shared by the provider parser tests (imported by name: tests have no packages)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from expectations import as_expected

from providers import registered
from providers.base import InboundEvent, UnparseablePayload
from providers.wppconnect import parse_wppconnect
from providers.wwebjs import parse_wwebjs_message

PAYLOADS = Path(__file__).resolve().parents[2] / "fixtures" / "payloads"


def _parse_wwebjs(body: bytes) -> list[InboundEvent]:
    # The runner hands over decoded objects; bytes that are not JSON never reach the parser.
    try:
        obj = json.loads(body)
    except ValueError as exc:
        raise UnparseablePayload("not JSON") from exc
    return parse_wwebjs_message(obj)


# Every registered provider by its URL name, so a new provider's fixture folder
# (payloads/<kind in lower case>/) is picked up without a line here; plus the parsers
# that have no provider of their own.
PARSERS: dict[str, Callable[[bytes], list[InboundEvent]]] = {
    **{kind.lower(): provider.parse for kind, provider in registered().items()},
    "wppconnect": parse_wppconnect,
    "wwebjs": _parse_wwebjs,
}


def fixture_bodies() -> list[Path]:
    return sorted(p for p in PAYLOADS.glob("*/*.json") if not p.name.endswith(".expected.json"))


__all__ = ["PARSERS", "PAYLOADS", "as_expected", "dumps", "fixture_bodies", "load"]


def load(relative: str) -> Any:
    """A fixture body as Python data, to derive variants from."""
    return json.loads((PAYLOADS / relative).read_text())


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()
