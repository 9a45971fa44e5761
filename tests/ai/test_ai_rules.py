"""Pure rules: business hours, keywords, splitting, history budget, prompts, chunking."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import prompts
from app.knowledge.chunking import chunk_text
from workers.respond_rules import is_open, matched_keyword, split_answer, within_budget

HOURS = {
    "timezone": "America/Sao_Paulo",
    "days": {"mon": [["08:00", "18:00"]], "fri": [["22:00", "02:00"]]},
}


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2026, 11, 23, 11, 0, tzinfo=UTC), True),  # Mon 08:00 local
        (datetime(2026, 11, 23, 21, 0, tzinfo=UTC), False),  # Mon 18:00 local: closed
        (datetime(2026, 11, 21, 4, 30, tzinfo=UTC), True),  # Sat 01:30, Friday's late shift
        (datetime(2026, 11, 22, 4, 30, tzinfo=UTC), False),  # Sun 01:30
    ],
)
def test_business_hours(at: datetime, expected: bool) -> None:
    assert is_open(HOURS, at) is expected
    assert is_open(None, at) is True


def test_keywords_match_whole_words_ignoring_case_and_accents() -> None:
    keywords = ["atendente", "falar com humano"]
    assert matched_keyword("Quero um ATENDÊNTE", keywords) == "atendente"
    assert matched_keyword("posso falar com   humano?", keywords) is None  # spacing counts
    assert matched_keyword("posso FALAR com humano?", keywords) == "falar com humano"
    assert matched_keyword("atendentes", keywords) is None


def test_split_answer_keeps_paragraphs_and_the_limit() -> None:
    text = "Primeiro.\n\nSegundo.\n\n" + "Frase longa. " * 200
    parts = split_answer(text, 1000)
    assert parts[0].startswith("Primeiro.\n\nSegundo.")
    assert all(len(p) <= 1000 for p in parts) and len(parts) >= 3
    assert split_answer("curta") == ["curta"]


def test_history_budget_keeps_the_newest_in_order() -> None:
    newest_first = [("c", "c" * 8), ("b", "b" * 8), ("a", "a" * 8)]
    assert within_budget(newest_first, 4) == ["b", "c"]  # 16 characters


def test_every_prompt_documents_its_variables() -> None:
    for name in prompts.names():
        template = prompts.template(name)
        assert template.render(**{v: "x" for v in template.variables})
    with pytest.raises(KeyError):
        prompts.render("handoff_notice")


def test_chunks_stay_near_the_target() -> None:
    text = "\n\n".join(f"Parágrafo {i}. " + "palavra " * 60 for i in range(10))
    chunks = chunk_text(text)
    assert len(chunks) > 1 and all(len(c) <= 1200 for c in chunks)
