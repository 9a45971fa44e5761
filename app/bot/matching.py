"""Rules compiled once per organization, and the match itself.

Matching folds case and accents (NFKD, combining marks dropped, casefold) on both
sides. EQUALS and STARTS_WITH also ignore the punctuation and spacing around words
("Boleto!" equals "boleto"); CONTAINS looks for whole words. REGEX runs the ``regex``
package against the folded text with a time limit: a catastrophic pattern on a long
message counts as no match (and is logged) instead of holding the worker."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
import regex  # type: ignore[import-untyped]  # no stubs shipped; one dependency only

from app.bot.schemas import Action, Menu
from workers.respond_rules import fold

log = logging.getLogger("balcao.bot")

REGEX_TIMEOUT = 0.05  # seconds a REGEX rule may spend on one message
REGEX_MAX_LENGTH = 500
_WORDS = re.compile(r"[^\w]+")
_actions = msgspec.json.Decoder(list[Action])


def plain(text: str) -> str:
    """Folded, punctuation and runs of spaces turned into one space."""
    return _WORDS.sub(" ", fold(text)).strip()


def compile_pattern(pattern: str) -> regex.Pattern[str]:
    """The pattern as rules run it (on folded text, so it is folded too); raises
    ``regex.error`` for a pattern that does not compile."""
    return regex.compile(fold(pattern), regex.IGNORECASE | regex.V0)


@dataclass(frozen=True, slots=True)
class CompiledRule:
    id: uuid.UUID
    name: str
    priority: int
    connection_id: uuid.UUID | None
    department_id: uuid.UUID | None
    kind: str
    value: str  # folded (and spacing-normalized for EQUALS / STARTS_WITH)
    pattern: regex.Pattern[str] | None
    open_hours: bool | None
    statuses: frozenset[str] | None
    actions: list[Action]
    cooldown_minutes: int
    uses_hours: bool = False  # a reply needs {{proxima_abertura}}

    def matches(self, folded: str, words: str) -> bool:
        kind = self.kind
        if kind == "ANY":
            return bool(words)
        if kind == "EQUALS":
            return words == self.value
        if kind == "STARTS_WITH":
            return words == self.value or words.startswith(self.value + " ")
        if kind == "CONTAINS":
            return f" {self.value} " in f" {words} "
        if self.pattern is None:
            return False
        try:
            return self.pattern.search(folded, timeout=REGEX_TIMEOUT) is not None
        except TimeoutError:
            log.warning("bot regex timed out", extra={"rule_id": str(self.id)})
            return False


@dataclass(frozen=True, slots=True)
class RuleSet:
    version: int
    rules: tuple[CompiledRule, ...]
    by_id: Mapping[uuid.UUID, CompiledRule] = field(default_factory=dict)


def compile_rules(version: int, rows: Iterable[Mapping[str, Any]]) -> RuleSet:
    """Active rules in evaluation order; a stored rule that no longer compiles (a
    hand-edited row) is left out and logged."""
    out: list[CompiledRule] = []
    for row in rows:
        try:
            out.append(_compile(row))
        except (regex.error, msgspec.ValidationError, ValueError, TypeError):
            log.warning("bot rule skipped: does not compile", extra={"rule_id": str(row["id"])})
    out.sort(key=lambda r: r.priority)
    return RuleSet(version=version, rules=tuple(out), by_id={r.id: r for r in out})


def _compile(row: Mapping[str, Any]) -> CompiledRule:
    match: Mapping[str, Any] = row["match"] or {}
    when: Mapping[str, Any] = row["conditions"] or {}
    kind = str(match.get("kind") or "ANY")
    raw = str(match.get("value") or "")
    statuses = when.get("sessionStatus")
    actions = _actions.decode(msgspec.json.encode(row["actions"]))
    return CompiledRule(
        id=row["id"],
        name=row["name"],
        priority=int(row["priority"]),
        connection_id=row["connection_id"],
        department_id=row["department_id"],
        kind=kind,
        value=plain(raw) if kind != "REGEX" else raw,
        pattern=compile_pattern(raw) if kind == "REGEX" else None,
        open_hours=when.get("openHours"),
        statuses=frozenset(statuses) if statuses else None,
        actions=actions,
        cooldown_minutes=int(row.get("cooldown_minutes") or 0),
        uses_hours="proxima_abertura" in msgspec.json.encode(row["actions"]).decode(),
    )


def menu_in(actions: Sequence[Action]) -> Menu | None:
    return next((a for a in actions if isinstance(a, Menu)), None)


def menu_at(rule: CompiledRule, path: Sequence[str]) -> Menu | None:
    """The menu reached from the rule's own by the option keys in ``path``."""
    menu = menu_in(rule.actions)
    for key in path:
        if menu is None:
            return None
        option = next((o for o in menu.options if o.key == key), None)
        menu = None if option is None else menu_in(option.actions)
    return menu


def chosen_option(menu: Menu, text: str) -> str | None:
    """The option the answer picks: its key ("1", "1.", "1 - boleto") or its label,
    case and accents ignored."""
    words = plain(text)
    if not words:
        return None
    for option in menu.options:
        key = plain(option.key)
        if words == key or words.startswith(key + " ") or words == plain(option.label):
            return option.key
    return None
