"""The AI's prompt templates, in Brazilian Portuguese.

Each template is a ``.txt`` file here: a header documenting every variable as
``$name — meaning``, a line ``---``, then the text with ``$name`` placeholders
(:class:`string.Template`; write ``$$`` for a literal dollar sign). :func:`render` fails
loudly on a missing or undocumented variable, so a template and its callers cannot
drift apart silently. Values are inserted verbatim and never re-interpreted, so a
connection's own prompt may contain ``$`` freely."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from string import Template

_DIR = Path(__file__).parent
_DOC_VAR = re.compile(r"^\$([a-z_][a-z0-9_]*)\b", re.MULTILINE)


class PromptTemplate:
    def __init__(self, name: str, text: str) -> None:
        head, sep, body = text.partition("\n---\n")
        if not sep:
            raise ValueError(f"prompt {name!r} lacks its documented header and '---' line")
        self.name = name
        self.variables = frozenset(_DOC_VAR.findall(head))
        self.template = Template(body.strip("\n"))
        used = {
            m.group("named") or m.group("braced")
            for m in self.template.pattern.finditer(self.template.template)
            if m.group("named") or m.group("braced")
        }
        undocumented = used - self.variables
        if undocumented:
            raise ValueError(f"prompt {name!r} uses undocumented {sorted(undocumented)}")

    def render(self, **values: object) -> str:
        missing = self.variables - values.keys()
        extra = values.keys() - self.variables
        if missing or extra:
            raise KeyError(
                f"prompt {self.name!r}: missing {sorted(missing)}, unknown {sorted(extra)}"
            )
        return self.template.substitute({k: str(v) for k, v in values.items()})


@functools.cache
def template(name: str) -> PromptTemplate:
    return PromptTemplate(name, (_DIR / f"{name}.txt").read_text(encoding="utf-8"))


def render(name: str, **values: object) -> str:
    return template(name).render(**values)


def names() -> list[str]:
    return sorted(p.stem for p in _DIR.glob("*.txt"))
