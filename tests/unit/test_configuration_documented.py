"""Every environment variable the code reads is documented in README.md's table and in
.env.example (a new setting cannot land undocumented)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
_NAME = re.compile(r"""["']((?:BALCAO_[A-Z0-9_]+)|DATABASE_URL|REDIS_URL|CHROMIUM_PATH)["']""")


def _read_by_code() -> set[str]:
    names: set[str] = set()
    for folder in ("app", "workers", "providers"):
        for source in (ROOT / folder).rglob("*.py"):
            names.update(_NAME.findall(source.read_text()))
    return names


def test_every_variable_is_in_the_readme_and_the_example() -> None:
    names = _read_by_code()
    assert "DATABASE_URL" in names and len(names) > 20  # the scan itself works
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    assert sorted(n for n in names if f"| `{n}` |" not in readme) == []
    assert sorted(n for n in names if n not in example) == []
