"""One turn through the rules: pure (no I/O), so the worker, the "test a message"
endpoint and the bench run the same code.

Order: an open menu first (its answer: an option by key or label, else "não entendi"
until ``maxRetries``, then a handoff ``bot_retry_limit``), then the rules by priority
(scope: connection, department, session status, open/closed hours; a rule in its
cooldown for this chat is passed over). The first rule that matches is the turn's."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.bot.matching import (
    CompiledRule,
    RuleSet,
    TurnText,
    chosen_option,
    menu_at,
    plain,
)
from app.bot.schemas import Action, Handoff, HandToAi, Media, Menu, Reply

RETRY_LIMIT_REASON = "bot_retry_limit"
# Loop guard: within LOOP_WINDOW, LOOP_FAST answers that came less than FAST_ANSWER
# after our message, or LOOP_SAME identical customer texts, mean a bot is answering ours.
LOOP_WINDOW = timedelta(minutes=2)
LOOP_FAST = 5
LOOP_SAME = 4
FAST_ANSWER = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class TurnFacts:
    text: str
    connection_id: uuid.UUID | None
    department_id: uuid.UUID | None
    session_status: str
    open_hours: bool
    now: datetime


@dataclass(frozen=True, slots=True)
class Memory:
    """What ``bot_state`` holds for the session (empty for a new one)."""

    menu: Mapping[str, Any] | None = None
    fired: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutText:
    template: str  # variables not yet filled in
    media: Media | None = None


@dataclass(slots=True)
class Decision:
    kind: str  # rule | menu_option | menu_invalid | menu_retry_limit
    rule: CompiledRule
    texts: list[OutText] = field(default_factory=list)
    # Everything but REPLY and MENU, in order (TABULATE, ASSIGN, HAND_TO_AI, HANDOFF, CLOSE).
    effects: list[Action] = field(default_factory=list)
    menu: dict[str, Any] | None = None  # the menu state after this turn (None: no menu)
    menu_timeout: int | None = None  # minutes until the open menu's timeout actions

    @property
    def hand_to_ai(self) -> bool:
        return any(isinstance(a, HandToAi) for a in self.effects)

    def actions_out(self) -> list[dict[str, Any]]:
        import msgspec

        return [msgspec.to_builtins(a) for a in self.effects]


def evaluate(rules: RuleSet, facts: TurnFacts, memory: Memory) -> Decision | None:
    if memory.menu:
        answered = _menu_answer(rules, facts, memory.menu)
        if answered is not None:
            return answered
    text = TurnText(facts.text, rules.screen)
    scoped = rules.in_scope(
        facts.connection_id, facts.department_id, facts.open_hours, facts.session_status
    )
    for rule in scoped:
        if memory.fired and _cooling(rule, facts.now, memory.fired):
            continue
        if rule.matches(text):
            return run(rule, rule.actions, [], kind="rule")
    return None


def _cooling(rule: CompiledRule, now: datetime, fired: Mapping[str, str]) -> bool:
    if rule.cooldown_minutes <= 0 or str(rule.id) not in fired:
        return False
    last = datetime.fromisoformat(fired[str(rule.id)])
    return now < last + timedelta(minutes=rule.cooldown_minutes)


def _menu_answer(rules: RuleSet, facts: TurnFacts, state: Mapping[str, Any]) -> Decision | None:
    try:
        rule = rules.by_id.get(uuid.UUID(str(state.get("ruleId"))))
    except ValueError:
        return None
    path = [str(k) for k in state.get("path") or []]
    menu = None if rule is None else menu_at(rule, path)
    if rule is None or menu is None:
        return None  # the rule was changed or removed: the menu is gone
    key = chosen_option(menu, facts.text)
    if key is not None:
        option = next(o for o in menu.options if o.key == key)
        return run(rule, option.actions, [*path, key], kind="menu_option")
    retries = int(state.get("retries") or 0) + 1
    if retries >= menu.max_retries:
        return Decision(
            kind="menu_retry_limit", rule=rule, effects=[Handoff(reason=RETRY_LIMIT_REASON)]
        )
    return Decision(
        kind="menu_invalid",
        rule=rule,
        texts=[OutText(menu.invalid_text), OutText(menu_text(menu))],
        menu={"ruleId": str(rule.id), "path": path, "retries": retries},
        menu_timeout=menu.timeout_minutes,
    )


def run(rule: CompiledRule, actions: Sequence[Action], path: list[str], *, kind: str) -> Decision:
    decision = Decision(kind=kind, rule=rule)
    for action in actions:
        if isinstance(action, Reply):
            decision.texts.append(OutText(action.text, action.media))
        elif isinstance(action, Menu):
            decision.texts.append(OutText(menu_text(action)))
            decision.menu = {"ruleId": str(rule.id), "path": path, "retries": 0}
            decision.menu_timeout = action.timeout_minutes
        else:
            decision.effects.append(action)
    return decision


def menu_text(menu: Menu) -> str:
    lines = "\n".join(f"{o.key} - {o.label}" for o in menu.options)
    return f"{menu.text}\n\n{lines}"


def timeout_actions(rules: RuleSet, state: Mapping[str, Any]) -> Decision | None:
    """What an open menu does when its time is up (None: no such menu any more)."""
    try:
        rule = rules.by_id.get(uuid.UUID(str(state.get("ruleId"))))
    except ValueError:
        return None
    menu = None if rule is None else menu_at(rule, [str(k) for k in state.get("path") or []])
    if rule is None or menu is None:
        return None
    decision = run(rule, menu.timeout_actions, [], kind="menu_timeout")
    decision.menu = None
    return decision


@dataclass(frozen=True, slots=True)
class Exchange:
    at: datetime
    fast: bool
    text: str


def loop_guard(
    recent: Sequence[Mapping[str, Any]],
    *,
    now: datetime,
    text: str,
    answered_at: datetime | None,
    last_out_at: datetime | None,
) -> tuple[bool, list[dict[str, Any]]]:
    """Whether this exchange trips the loop guard, and the exchanges to keep.
    ``answered_at`` is when the customer's message came, ``last_out_at`` when our last
    automatic message went out."""
    fast = (
        answered_at is not None
        and last_out_at is not None
        and timedelta(0) <= answered_at - last_out_at < FAST_ANSWER
    )
    kept = [
        Exchange(datetime.fromisoformat(str(e["at"])), bool(e.get("fast")), str(e.get("text", "")))
        for e in recent
    ]
    kept = [e for e in kept if now - e.at < LOOP_WINDOW]
    kept.append(Exchange(now, fast, plain(text)[:200]))
    same = Counter(e.text for e in kept if e.text).most_common(1)
    tripped = sum(e.fast for e in kept) >= LOOP_FAST or bool(same and same[0][1] >= LOOP_SAME)
    return tripped, [{"at": e.at.isoformat(), "fast": e.fast, "text": e.text} for e in kept]
