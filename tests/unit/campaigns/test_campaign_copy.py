"""Campaign copy: variables, fallbacks, spintax, and the problems the API refuses."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.campaigns.copy import (
    CopySyntaxError,
    MissingVariable,
    RenderContact,
    render,
    validate,
    variables_used,
)

SP = ZoneInfo("America/Sao_Paulo")
# A Wednesday.
MORNING = datetime(2026, 7, 8, 9, 30, tzinfo=SP)
MARIA = RenderContact(
    name="MARIA DA SILVA",
    phone_number="5511987654321",
    fields={"Cidade": "Campinas", "Data Nascimento": "01/02/1990", "plano": 3, "vazio": "  "},
)
NAMELESS = RenderContact(name=None, phone_number="5511987654321", fields={})


def _render(text: str, contact: RenderContact = MARIA, now: datetime = MORNING) -> str:
    return render(text, contact, now, random.Random(7))


def test_builtin_variables() -> None:
    text = "{{nome}}|{{primeiro_nome}}|{{saudacao}}|{{dia_semana}}|{{data}}|{{telefone}}"
    assert _render(text) == ("MARIA DA SILVA|Maria|bom dia|quarta-feira|08/07/2026|5511987654321")


@pytest.mark.parametrize(
    ("hour", "greeting"),
    [
        (0, "bom dia"),
        (11, "bom dia"),
        (12, "boa tarde"),
        (17, "boa tarde"),
        (18, "boa noite"),
        (23, "boa noite"),
    ],
)
def test_greeting_follows_the_hour_in_the_campaign_zone(hour: int, greeting: str) -> None:
    assert _render("{{saudacao}}", now=MORNING.replace(hour=hour, minute=59)) == greeting


def test_weekday_names_in_portuguese() -> None:
    names = [_render("{{dia_semana}}", now=MORNING.replace(day=6 + i)) for i in range(7)]
    assert names == [
        "segunda-feira",
        "terça-feira",
        "quarta-feira",
        "quinta-feira",
        "sexta-feira",
        "sábado",
        "domingo",
    ]


def test_capitalised_variable_name_capitalises_the_value() -> None:
    assert _render("{{Saudacao}}, {{primeiro_nome}}!") == "Bom dia, Maria!"


def test_first_name_keeps_mixed_case() -> None:
    contact = RenderContact(name="McDonald Souza", phone_number="1", fields={})
    assert _render("{{primeiro_nome}}", contact) == "McDonald"


def test_fields_match_ignoring_case_accents_and_spaces() -> None:
    assert _render("{{cidade}} {{CIDADE}} {{data_nascimento}} {{Data-Nascimento}}") == (
        "Campinas Campinas 01/02/1990 01/02/1990"
    )
    accented = RenderContact(name="a", phone_number="1", fields={"Endereço": "Rua X"})
    assert _render("{{endereco}}", accented) == "Rua X"
    assert _render("{{plano}}") == "3"


def test_fallback_used_only_when_the_value_is_missing() -> None:
    assert _render("Oi {{nome|cliente}}") == "Oi MARIA DA SILVA"
    assert _render("Oi {{nome|cliente}}", NAMELESS) == "Oi cliente"
    assert _render("Oi {{primeiro_nome | amigo }}", NAMELESS) == "Oi amigo"
    assert _render("[{{vazio|nada}}]") == "[nada]"
    assert _render("[{{nome|}}]", NAMELESS) == "[]"


def test_missing_variable_without_fallback_raises_with_its_name() -> None:
    with pytest.raises(MissingVariable) as caught:
        _render("Oi {{primeiro_nome}}", NAMELESS)
    assert caught.value.name == "primeiro_nome"
    with pytest.raises(MissingVariable) as caught:
        _render("{{Bairro}}")
    assert caught.value.name == "Bairro"


def test_spintax_nested_draws_every_option() -> None:
    rng = random.Random(1)
    seen = Counter(render("{Oi|Olá|{Bom|Ótimo} dia}", MARIA, MORNING, rng) for _ in range(3000))
    assert set(seen) == {"Oi", "Olá", "Bom dia", "Ótimo dia"}
    # Uniform at each level: 1/3, 1/3, 1/6, 1/6.
    assert 900 < seen["Oi"] < 1100
    assert 900 < seen["Olá"] < 1100
    assert 400 < seen["Bom dia"] < 600


def test_spintax_is_deterministic_for_a_seed() -> None:
    text = "{a|b|c}{d|e|f}{g|h}"
    assert render(text, MARIA, MORNING, random.Random(42)) == render(
        text, MARIA, MORNING, random.Random(42)
    )


def test_variables_inside_spintax_and_only_the_drawn_branch_must_exist() -> None:
    text = "{Oi {{primeiro_nome}}|Olá}"
    results = {render(text, MARIA, MORNING, random.Random(seed)) for seed in range(20)}
    assert results == {"Oi Maria", "Olá"}
    outcomes: set[str] = set()
    for seed in range(20):
        try:
            outcomes.add(render(text, NAMELESS, MORNING, random.Random(seed)))
        except MissingVariable:
            outcomes.add("missing")
    assert outcomes == {"Olá", "missing"}


def test_spintax_option_may_be_empty() -> None:
    results = {render("a{ muito|} bom", MARIA, MORNING, random.Random(s)) for s in range(20)}
    assert results == {"a muito bom", "a bom"}


def test_double_braces_with_a_bar_are_a_variable_not_spintax() -> None:
    assert _render("{{nome|cliente}}", NAMELESS) == "cliente"
    results = {render("{ {a|b}|c}", MARIA, MORNING, random.Random(s)) for s in range(30)}
    assert results == {" a", " b", "c"}


def test_output_never_contains_double_braces() -> None:
    sneaky = RenderContact(name="{{nome}}", phone_number="1", fields={"x": "{{{{y}}"})
    out = _render("{{nome}}{{x}}", sneaky)
    assert "{{" not in out


def test_variables_used_covers_every_branch() -> None:
    text = "{{Saudação}} {Oi {{primeiro_nome}}|Olá {{nome|cliente}}} {{Data Nascimento}}"
    assert variables_used(text) == {"saudacao", "primeiro_nome", "nome", "data_nascimento"}
    assert variables_used("sem variáveis") == set()


@pytest.mark.parametrize(
    "text",
    [
        "Olá {{nome}}, {tudo bem|como vai}?",
        "{a|{b|{c|d}}}",
        "preço: 10 | 20",
        "{{nome|cliente}} {{primeiro_nome}}",
    ],
)
def test_valid_copy_has_no_problems(text: str) -> None:
    assert validate(text) == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("Olá {{nome", "never closed"),
        ("Olá {nome|x", "never closed"),
        ("Olá }", "unexpected '}'"),
        ("Olá {{nome}}}", "unexpected '}'"),
        ("Olá {nome}", "{{nome}}"),
        ("{}", "two or more options"),
        ("{{}}", "empty variable"),
        ("{{ 1abc }}", "invalid variable name"),
        ("{{nome!}}", "invalid variable name"),
        ("{" * 30 + "a|b" + "}" * 30, "nested deeper"),
    ],
)
def test_invalid_copy_is_explained(text: str, fragment: str) -> None:
    problems = validate(text)
    assert problems
    assert any(fragment in p for p in problems), problems


def test_render_refuses_invalid_copy() -> None:
    with pytest.raises(CopySyntaxError):
        _render("Olá {{nome")


def test_pathological_nesting_does_not_recurse_forever() -> None:
    text = "{" * 5000 + "}" * 5000
    assert validate(text)
    variables_used(text)
