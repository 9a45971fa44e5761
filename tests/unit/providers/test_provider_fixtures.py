"""Every captured payload parses to exactly what its ``.expected.json`` says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from provider_cases import PARSERS, as_expected, fixture_bodies


@pytest.mark.parametrize("path", fixture_bodies(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_parses_to_expected(path: Path) -> None:
    provider = path.parent.name
    expected = json.loads(
        path.with_name(path.name.removesuffix(".json") + ".expected.json").read_text()
    )
    expected_events = expected if isinstance(expected, list) else [expected]

    events = PARSERS[provider](path.read_bytes())

    assert [as_expected(provider, event) for event in events] == expected_events


def test_every_fixture_has_an_expectation() -> None:
    bodies = fixture_bodies()
    assert len(bodies) >= 80
    for path in bodies:
        assert path.with_name(path.name.removesuffix(".json") + ".expected.json").exists(), path
