"""The bot's pure parts: folding, matching (the REGEX screen included), menu answers,
cooldowns, the loop guard and the next opening, with fixed times."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.bot.engine import LOOP_FAST, Memory, TurnFacts, evaluate, loop_guard
from app.bot.hours import next_opening_text
from app.bot.matching import chosen_option, compile_rules, fold, menu_in
from app.hours.effective import Level
from workers.respond_rules import TurnHours, turn_hours
from workers.respond_rules import fold as slow_fold

NOW = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)  # a Monday, 11:00 in São Paulo


def row(kind: str, value: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "name": extra.pop("name", f"{kind} {value}"),
        "priority": extra.pop("priority", 0),
        "connection_id": None,
        "department_id": None,
        "match": {"kind": kind, "value": value},
        "conditions": extra.pop("conditions", {}),
        "actions": extra.pop("actions", [{"type": "REPLY", "text": "ok"}]),
        "cooldown_minutes": extra.pop("cooldown_minutes", 0),
    }


def facts(text: str, **extra: Any) -> TurnFacts:
    values: dict[str, Any] = {
        "connection_id": None,
        "department_id": None,
        "session_status": "ACTIVE",
        "open_hours": True,
        "now": NOW,
    }
    return TurnFacts(text=text, **{**values, **extra})


def fired(rows: list[dict[str, Any]], text: str, **extra: Any) -> str | None:
    decision = evaluate(compile_rules(1, rows), facts(text, **extra), Memory())
    return None if decision is None else decision.rule.name


@pytest.mark.parametrize("text", ["Atendênte", "ÇÃO é Ñ", "ﬁm", "naïve café 😀", "STRASSE ß"])
def test_the_fast_fold_is_the_responders_fold(text: str) -> None:
    assert fold(text) == slow_fold(text)


def test_kinds_ignore_case_accents_and_punctuation() -> None:
    rules = [
        row("EQUALS", "Boleto", name="eq"),
        row("STARTS_WITH", "segunda via", name="sw", priority=1),
        row("CONTAINS", "internet lenta", name="ct", priority=2),
    ]
    assert fired(rules, "BOLETO!") == "eq"
    assert fired(rules, "boletos") is None
    assert fired(rules, "Segunda  via, por favor") == "sw"
    assert fired(rules, "minha INTERNET está LENTA") is None  # whole words, in order
    assert fired(rules, "a internet lenta de novo") == "ct"
    assert fired([row("ANY")], "   ") is None  # no text (a media-only turn): ANY waits


def test_regex_keeps_its_escapes_and_screens_safely() -> None:
    rules = [
        row("REGEX", r"^\S+@\S+$", name="email"),
        row("REGEX", r"(\w)\1{3}", name="backref", priority=1),  # never joined
        row("REGEX", r"pedido\s+n[ºo]?\s*(\d{4,})", name="order", priority=2),
    ]
    compiled = compile_rules(1, rules)
    assert compiled.screen is not None
    assert [r.screened for r in compiled.rules] == [True, False, True]
    assert fired(rules, "maria@example.com") == "email"
    assert fired(rules, "maria @ example") is None
    assert fired(rules, "zzzz") == "backref"
    assert fired(rules, "Pedido Nº 12345 não chegou") == "order"


def test_a_catastrophic_regex_is_no_match_and_the_next_rule_runs() -> None:
    rules = [row("REGEX", "^(a|a)*$", name="bad"), row("ANY", name="any", priority=1)]
    assert fired(rules, "a" * 40 + "!") == "any"


def test_scope_and_cooldown() -> None:
    dept = uuid.uuid4()
    rules = [
        {**row("ANY", name="dept"), "department_id": dept},
        row("ANY", name="closed", priority=1, conditions={"openHours": False}),
        row("ANY", name="queued", priority=2, conditions={"sessionStatus": ["QUEUED"]}),
    ]
    assert fired(rules, "oi", department_id=dept) == "dept"
    assert fired(rules, "oi") is None
    assert fired(rules, "oi", open_hours=False) == "closed"
    assert fired(rules, "oi", session_status="QUEUED") == "queued"
    cooling = [row("ANY", name="greet", cooldown_minutes=30)]
    compiled = compile_rules(1, cooling)
    rule_id = str(compiled.rules[0].id)
    recent = Memory(fired={rule_id: (NOW - timedelta(minutes=29)).isoformat()})
    assert evaluate(compiled, facts("oi"), recent) is None
    old = Memory(fired={rule_id: (NOW - timedelta(minutes=31)).isoformat()})
    assert evaluate(compiled, facts("oi"), old) is not None


def test_menu_answers_by_key_or_label() -> None:
    menu = {
        "type": "MENU",
        "text": "Escolha",
        "options": [
            {"key": "1", "label": "2ª via do boleto", "actions": [{"type": "REPLY", "text": "a"}]},
            {"key": "10", "label": "Suporte técnico", "actions": [{"type": "REPLY", "text": "b"}]},
        ],
    }
    compiled = compile_rules(1, [row("ANY", actions=[menu])])
    parsed = menu_in(compiled.rules[0].actions)
    assert parsed is not None
    assert chosen_option(parsed, "1") == "1"
    assert chosen_option(parsed, "1.") == "1"
    assert chosen_option(parsed, "1 - boleto") == "1"
    assert chosen_option(parsed, "10") == "10"
    assert chosen_option(parsed, "SUPORTE TECNICO") == "10"
    assert chosen_option(parsed, "2") is None


def test_the_loop_guard_counts_quick_answers_and_repeats() -> None:
    recent: list[dict[str, Any]] = []
    tripped = False
    for i in range(LOOP_FAST):
        at = NOW + timedelta(seconds=10 * i)
        tripped, recent = loop_guard(
            recent,
            now=at,
            text=f"automática {i}",
            answered_at=at,
            last_out_at=at - timedelta(milliseconds=300),
        )
    assert tripped
    # The same pace two minutes apart is a person: the window forgets.
    recent, tripped = [], False
    for i in range(LOOP_FAST):
        at = NOW + timedelta(minutes=3 * i)
        tripped, recent = loop_guard(
            recent, now=at, text=f"m {i}", answered_at=at, last_out_at=at - timedelta(seconds=0.3)
        )
    assert not tripped and len(recent) == 1
    # Slow answers never trip on speed; four identical texts do.
    recent = []
    results = []
    for i in range(4):
        at = NOW + timedelta(seconds=20 * i)
        hit, recent = loop_guard(
            recent, now=at, text="Olá!", answered_at=at, last_out_at=at - timedelta(seconds=8)
        )
        results.append(hit)
    assert results == [False, False, False, True]


def test_next_opening_in_the_hours_zone() -> None:
    def hours(document: dict[str, Any] | None) -> TurnHours:
        return turn_hours([Level("connection", document, None)], NOW, "America/Sao_Paulo")

    tuesdays = {"timezone": "America/Sao_Paulo", "weekly": {"TUE": [["08:00", "18:00"]]}}
    assert next_opening_text(hours(tuesdays)) == "terça-feira, 08/12 às 08:00"
    assert next_opening_text(hours(None)) is None  # always open
    assert next_opening_text(hours({"timezone": "America/Sao_Paulo", "weekly": {}})) is None
