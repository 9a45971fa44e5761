"""Rules compiled once per organization, and the match itself.

Matching folds case and accents (NFKD, combining marks dropped, casefold) on both
sides. EQUALS and STARTS_WITH also ignore the punctuation and spacing around words
("Boleto!" equals "boleto"); CONTAINS looks for whole words. REGEX runs the ``regex``
package against the folded text with a time limit: a catastrophic pattern on a long
message counts as no match (and is logged) instead of holding the worker."""

from __future__ import annotations

import logging
import re
import time
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import msgspec
import regex  # type: ignore[import-untyped]  # no stubs shipped; one dependency only

from app.bot.schemas import Action, Menu

log = logging.getLogger("balcao.bot")

REGEX_TIMEOUT = 0.05  # seconds a REGEX rule may spend on one message
REGEX_TURN_BUDGET = 0.25  # seconds all REGEX rules together may spend on one turn
REGEX_MAX_LENGTH = 500
# A pattern with its own groups' numbers, names, inline flags or conditionals would mean
# something else inside one big alternation: those are never screened together.
_UNSCREENABLE = re.compile(r"\\[1-9gk]|\(\?(?![:=!]|<[=!])")
_WORDS = re.compile(r"[^\w]+")
_actions = msgspec.json.Decoder(list[Action])


_MARKS = regex.compile(r"\p{M}+")


def fold(text: str) -> str:
    """Lower case without accents ("Atendênte" → "atendente"): the same as
    workers.respond_rules.fold, in C for the hot path (a 600-character message in
    microseconds, not a Python loop over its characters)."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    stripped: str = _MARKS.sub("", unicodedata.normalize("NFKD", folded))
    return stripped


def plain(text: str) -> str:
    """Folded, punctuation and runs of spaces turned into one space."""
    return _WORDS.sub(" ", fold(text)).strip()


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def compile_pattern(pattern: str) -> regex.Pattern[str]:
    """The pattern as rules run it: on folded text, so without accents and ignoring
    case (not casefolded itself: that would turn ``\\S`` into ``\\s``); raises
    ``regex.error`` for a pattern that does not compile."""
    return regex.compile(_strip_accents(pattern), regex.IGNORECASE | regex.V0)


class TurnText:
    """One turn's text as every rule reads it, and the turn's REGEX budget.

    Most turns match no REGEX rule: one search of all screenable patterns joined in one
    alternation says so at once (one timed search instead of one per rule, whose timer
    alone costs microseconds). Only when it finds something, or times out, are the
    rules' own patterns tried, each with its timeout, all within the turn's budget."""

    __slots__ = ("_deadline", "_screen", "_screened", "folded", "padded", "words")

    def __init__(self, text: str, screen: regex.Pattern[str] | None) -> None:
        self.folded = fold(text)
        self.words = _WORDS.sub(" ", self.folded).strip()
        self.padded = f" {self.words} "
        self._screen = screen
        self._screened: bool | None = None
        self._deadline = time.monotonic() + REGEX_TURN_BUDGET

    def regex_match(self, rule: CompiledRule) -> bool:
        if rule.pattern is None:
            return False
        if rule.screened and not self._screen_hit():
            return False
        left = self._deadline - time.monotonic()
        if left <= 0:
            log.warning("bot regex budget spent", extra={"rule_id": str(rule.id)})
            return False
        try:
            return rule.pattern.search(self.folded, timeout=min(REGEX_TIMEOUT, left)) is not None
        except TimeoutError:
            log.warning("bot regex timed out", extra={"rule_id": str(rule.id)})
            return False

    def _screen_hit(self) -> bool:
        if self._screened is None:
            if self._screen is None:
                self._screened = True
            else:
                try:
                    found = self._screen.search(self.folded, timeout=REGEX_TIMEOUT)
                    self._screened = found is not None
                except TimeoutError:
                    self._screened = True  # unknown: each rule tries its own
        return self._screened


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
    screened: bool = False  # its pattern is part of the rule set's screen

    @property
    def padded_value(self) -> str:
        return f" {self.value} "

    def matches(self, text: TurnText) -> bool:
        kind = self.kind
        words = text.words
        if kind == "ANY":
            return bool(words)
        if kind == "EQUALS":
            return words == self.value
        if kind == "STARTS_WITH":
            return words == self.value or words.startswith(self.value + " ")
        if kind == "CONTAINS":
            return self.padded_value in text.padded
        return text.regex_match(self)


@dataclass(frozen=True, slots=True)
class RuleSet:
    version: int
    rules: tuple[CompiledRule, ...]
    by_id: Mapping[uuid.UUID, CompiledRule] = field(default_factory=dict)
    screen: regex.Pattern[str] | None = None
    # The rules in scope per (connection, department, open, session status), built on
    # first use: a turn walks only the rules that can apply to it.
    _scoped: dict[tuple[Any, ...], tuple[CompiledRule, ...]] = field(default_factory=dict)

    def in_scope(
        self,
        connection_id: uuid.UUID | None,
        department_id: uuid.UUID | None,
        open_hours: bool,
        session_status: str,
    ) -> tuple[CompiledRule, ...]:
        key = (connection_id, department_id, open_hours, session_status)
        found = self._scoped.get(key)
        if found is None:
            found = tuple(
                r
                for r in self.rules
                if (r.connection_id is None or r.connection_id == connection_id)
                and (r.department_id is None or r.department_id == department_id)
                and (r.statuses is None or session_status in r.statuses)
                and (r.open_hours is None or r.open_hours == open_hours)
            )
            if len(self._scoped) < 10_000:
                self._scoped[key] = found
        return found


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
    out, screen = _screen(out)
    return RuleSet(version=version, rules=tuple(out), by_id={r.id: r for r in out}, screen=screen)


def _screen(rules: list[CompiledRule]) -> tuple[list[CompiledRule], regex.Pattern[str] | None]:
    joinable = [r for r in rules if r.kind == "REGEX" and not _UNSCREENABLE.search(r.value)]
    if len(joinable) < 2:
        return rules, None
    try:
        screen = compile_pattern("|".join(f"(?:{r.value})" for r in joinable))
    except (regex.error, RecursionError, OverflowError):  # the rules then run one by one
        return rules, None
    ids = {r.id for r in joinable}
    return [replace(r, screened=True) if r.id in ids else r for r in rules], screen


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
