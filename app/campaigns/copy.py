"""Campaign copy: variables, fallbacks and spintax, rendered per recipient.

Syntax (API.md, Campaigns)::

    {{nome}}  {{primeiro_nome}}  {{saudacao}}  {{dia_semana}}  {{data}}  {{telefone}}
    {{<any contact field>}}      key matched ignoring case, accents and spaces/hyphens
    {{nome|cliente}}             fallback used when the contact lacks the value
    {Olá|Oi|{Bom|Ótimo} dia}     spintax, nested, one option drawn per recipient

``{{a|b}}`` is always a variable with a fallback, never spintax around spintax: write
``{ {a|b}|c}`` for that. Writing a variable's name with a capital (``{{Saudacao}}``)
capitalises the value ("Bom dia"), for the start of a sentence.

A single-option ``{nome}`` is refused by :func:`validate`: it is the variable syntax
of Whaticket/Ticketz, which users migrating from it write by habit.

Only the chosen spintax branch is rendered, so a missing variable in a branch not
drawn does not skip the recipient. Substituted values never bring ``{{`` into the
text: the output never contains ``{{`` (API.md: never send a raw ``{{``).
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = [
    "BUILTIN_VARIABLES",
    "CopySyntaxError",
    "MissingVariable",
    "RenderContact",
    "normalize_key",
    "render",
    "validate",
    "variables_used",
]

MAX_DEPTH = 10
BUILTIN_VARIABLES = frozenset(
    {"nome", "primeiro_nome", "saudacao", "dia_semana", "data", "telefone"}
)
_WEEKDAYS = (
    "segunda-feira",
    "terça-feira",
    "quarta-feira",
    "quinta-feira",
    "sexta-feira",
    "sábado",
    "domingo",
)
_NAME_RE = re.compile(r"[^\W\d][\w \-]*")


class MissingVariable(Exception):
    """The contact lacks a variable the copy uses, and it has no fallback."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"missing variable {{{{{name}}}}}")


class CopySyntaxError(ValueError):
    """The text does not parse (:func:`validate` lists why). The API refuses such copy,
    so a stored campaign never raises this."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class RenderContact:
    name: str | None
    phone_number: str
    fields: Mapping[str, Any]


def normalize_key(key: str) -> str:
    """``"Data Nascimento"`` and ``"data_nascimento"`` name the same field."""
    decomposed = unicodedata.normalize("NFKD", key)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s\-]+", "_", plain.strip()).casefold()


# The parsed text: a sequence of literal strings, variables and spintax choices.
@dataclass(frozen=True)
class _Var:
    written: str
    key: str
    fallback: str | None


@dataclass(frozen=True)
class _Spin:
    options: tuple[tuple[_Node, ...], ...]


_Node = str | _Var | _Spin


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.problems: list[str] = []

    def parse(self) -> tuple[_Node, ...]:
        nodes = self._sequence(depth=0, in_spin=False)
        return nodes

    def _sequence(self, depth: int, in_spin: bool) -> tuple[_Node, ...]:
        nodes: list[_Node] = []
        literal: list[str] = []
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if in_spin and char in "|}":
                break
            if char == "{":
                if literal:
                    nodes.append("".join(literal))
                    literal = []
                nodes.append(self._brace(depth))
            elif char == "}":
                self.problems.append(f"unexpected '}}' at position {self.pos + 1}")
                literal.append(char)
                self.pos += 1
            else:
                literal.append(char)
                self.pos += 1
        if literal:
            nodes.append("".join(literal))
        return tuple(nodes)

    def _brace(self, depth: int) -> _Node:
        text, start = self.text, self.pos
        if text.startswith("{{", start):
            end = text.find("}}", start + 2)
            inner = text[start + 2 : end] if end >= 0 else ""
            if end >= 0 and "{" not in inner and "}" not in inner:
                self.pos = end + 2
                return self._variable(inner, start)
        if depth >= MAX_DEPTH:
            self.problems.append(f"spintax nested deeper than {MAX_DEPTH} at position {start + 1}")
            self.pos = len(text)
            return ""
        self.pos += 1
        options: list[tuple[_Node, ...]] = []
        while True:
            options.append(self._sequence(depth + 1, in_spin=True))
            if self.pos >= len(text):
                self.problems.append(f"'{{' at position {start + 1} is never closed")
                return _Spin(tuple(options))
            if text[self.pos] == "}":
                self.pos += 1
                break
            self.pos += 1  # the "|"
        if len(options) == 1:
            written = text[start : self.pos]
            hint = (
                f"; for a variable write {{{written}}}" if _NAME_RE.fullmatch(written[1:-1]) else ""
            )
            self.problems.append(
                f"spintax {written} at position {start + 1} needs two or more options "
                f"separated by '|'{hint}"
            )
        return _Spin(tuple(options))

    def _variable(self, inner: str, start: int) -> _Node:
        written, bar, fallback = inner.partition("|")
        written = written.strip()
        if not written:
            self.problems.append(f"empty variable '{{{{{inner}}}}}' at position {start + 1}")
        elif not _NAME_RE.fullmatch(written):
            self.problems.append(f"invalid variable name '{written}' at position {start + 1}")
        return _Var(written, normalize_key(written), fallback.strip() if bar else None)


def _parse(text: str) -> tuple[tuple[_Node, ...], list[str]]:
    parser = _Parser(text)
    nodes = parser.parse()
    return nodes, parser.problems


def validate(text: str) -> list[str]:
    """Why ``text`` cannot be used as campaign copy; empty when it can."""
    if not text.strip():
        return ["the text is empty"]
    return _parse(text)[1]


def _walk(nodes: tuple[_Node, ...]) -> Iterator[_Var]:
    for node in nodes:
        if isinstance(node, _Var):
            yield node
        elif isinstance(node, _Spin):
            for option in node.options:
                yield from _walk(option)


def variables_used(text: str) -> set[str]:
    """The (normalised) names of every variable in every spintax branch, whether or not
    the text is otherwise valid."""
    return {var.key for var in _walk(_parse(text)[0]) if var.key}


def _text_of(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def _first_name(name: str) -> str:
    first = name.split()[0]
    # Imported lists are often all caps ("MARIA DA SILVA"): "Olá MARIA" reads as shouting.
    return first.capitalize() if first.isupper() or first.islower() else first


def _greeting(now: datetime) -> str:
    if now.hour < 12:
        return "bom dia"
    return "boa tarde" if now.hour < 18 else "boa noite"


def _value(
    var: _Var, contact: RenderContact, fields: Mapping[str, Any], now: datetime
) -> str | None:
    name = _text_of(contact.name)
    builtin: dict[str, str | None] = {
        "nome": name,
        "primeiro_nome": _first_name(name) if name else None,
        "saudacao": _greeting(now),
        "dia_semana": _WEEKDAYS[now.weekday()],
        "data": now.strftime("%d/%m/%Y"),
        "telefone": _text_of(contact.phone_number),
    }
    value = builtin.get(var.key)
    if value is None:
        value = _text_of(fields.get(var.key))
    return value


def render(text: str, contact: RenderContact, now: datetime, rng: random.Random) -> str:
    """The message one recipient gets. ``now`` is the send time in the campaign's zone
    (it picks the greeting, weekday and date); ``rng`` draws the spintax.

    Raises :class:`MissingVariable` for a variable the contact lacks without a fallback,
    :class:`CopySyntaxError` for text :func:`validate` refuses."""
    nodes, problems = _parse(text)
    if problems:
        raise CopySyntaxError(problems)
    fields = {normalize_key(str(k)): v for k, v in contact.fields.items()}
    out: list[str] = []
    _render_into(out, nodes, contact, fields, now, rng)
    result = "".join(out)
    while "{{" in result:  # only a contact's own value can bring braces in
        result = result.replace("{{", "{")
    return result


def _render_into(
    out: list[str],
    nodes: tuple[_Node, ...],
    contact: RenderContact,
    fields: Mapping[str, Any],
    now: datetime,
    rng: random.Random,
) -> None:
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, _Spin):
            _render_into(out, rng.choice(node.options), contact, fields, now, rng)
        else:
            value = _value(node, contact, fields, now)
            if value is None:
                if node.fallback is None:
                    raise MissingVariable(node.written)
                value = node.fallback
            if node.written[:1].isupper() and value:
                value = value[0].upper() + value[1:]
            out.append(value)
