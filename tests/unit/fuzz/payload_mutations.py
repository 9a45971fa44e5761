"""Hypothesis strategies that mutate real webhook payloads the way broken or hostile
senders do: fields dropped, duplicated (as repeated JSON keys or list items), retyped,
swapped, replaced by huge numbers, odd strings or 10,000-deep nesting, and bytes that are
not UTF-8 or not JSON at all.

A payload is mutated as a tree, then written by :func:`encode`, which can write what
``json.dumps`` cannot: repeated keys (:class:`Pairs`) and verbatim bytes (:class:`Raw`).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

Path = tuple[Any, ...]
DEPTH = 10_000


@dataclass(frozen=True)
class Raw:
    """Bytes written verbatim: number literals json.dumps cannot make, broken UTF-8."""

    data: bytes


@dataclass(frozen=True)
class Pairs:
    """An object with its keys in order, repeats allowed (JSON permits them; the last wins
    in msgspec and in Python's json)."""

    items: tuple[tuple[str, Any], ...]


def encode(value: Any) -> bytes:
    if isinstance(value, Raw):
        return value.data
    if isinstance(value, Pairs | dict):
        items = value.items if isinstance(value, Pairs) else tuple(value.items())
        return b"{" + b",".join(_string(k) + b":" + encode(v) for k, v in items) + b"}"
    if isinstance(value, list):
        return b"[" + b",".join(encode(v) for v in value) + b"]"
    if isinstance(value, str):
        return _string(value)
    return json.dumps(value).encode()  # numbers (NaN and inf included: not JSON), bool, null


def _string(value: str) -> bytes:
    # surrogatepass: a lone surrogate in a str becomes bytes that are not UTF-8.
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


# Values a sender can put where any field was: every JSON type, and what sits at the edge
# of each (64-bit limits, floats that are integers, strings that look like ids).
HUGE_INTS = [2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30, 10**400]
RAW_NUMBERS = [
    b"1e999",
    b"-1e999",
    b"1e-999",
    b"123456789012345678901234567890.123456789e300",
    b"-0",
    b"0.0000000000000000000000001",
    b"9" * 5_000,
    b"NaN",
    b"Infinity",
]
RAW_STRINGS = [
    b'"\xff\xfe"',  # not UTF-8
    b'"\xc3"',  # a truncated two-byte sequence
    b'"\xed\xa0\x80"',  # an encoded surrogate (CESU-8)
    b'"\xf4\x90\x80\x80"',  # past U+10FFFF
    b'"\\ud800"',  # a lone surrogate escape
    b'"\\udc00\\ud800"',  # surrogates in the wrong order
    b'"a\\u0000b"',  # NUL, which PostgreSQL text cannot hold
    b'"\x00"',  # a raw control byte inside a string
]
ODD_STRINGS = [
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\u202e5511987654321",  # right-to-left override
    "\ufeff5511987654321",
    "\uff15\uff15\uff11\uff11\uff19\uff18\uff17\uff16\uff15\uff14\uff13\uff12\uff11",  # fullwidth
    "+55 (11) 98765-4321",
    "5511987654321",
    "551187654321",  # the pre-2016 eight-digit form
    "+15550100",
    "0",
    "-1",
    "1e9",
    "9" * 400,
    "x" * 100_000,
    "@s.whatsapp.net",
    ":@s.whatsapp.net",
    "5511987654321:99@s.whatsapp.net",
    "5511987654321@c.us",
    "5511987654321@S.WHATSAPP.NET",
    "201234567890123@lid",
    "@lid",
    "120363025246125888@g.us",
    "5511987654321@g.us",
    "status@broadcast",
    "123@newsletter",
    "data:image/png;base64,AAAA",
    "http://169.254.169.254/latest/meta-data/",
    "true",
    "null",
    "🙂" * 50,
    "\ud800",  # a lone surrogate (written as bytes that are not UTF-8)
]
SCALARS: list[Any] = [None, True, False, 0, -1, 1, 0.5, -0.0, 1e308, *HUGE_INTS]
CONTAINERS: list[Any] = [[], [None], [1, "a"], {}, {"low": "a"}, {"low": 1, "high": 2**40}]


def odd_values() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(SCALARS),
        st.sampled_from(ODD_STRINGS),
        st.sampled_from(CONTAINERS),
        st.sampled_from(RAW_NUMBERS + RAW_STRINGS).map(Raw),
        st.text(max_size=20),
        st.integers(),
        st.floats(allow_nan=False),
        st.just(Raw(b"[" * DEPTH + b"]" * DEPTH)),
        st.just(Raw(b'{"a":' * DEPTH + b"1" + b"}" * DEPTH)),
    )


def paths(obj: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every position in the tree (the root too), list items beyond the third left out."""
    yield prefix
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj[:3]):
            yield from paths(value, (*prefix, index))


def put(obj: Any, path: Path, value: Any) -> Any:
    """``obj`` with the value at ``path`` replaced (a copy along the path only)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(obj, dict):
        return {**obj, head: put(obj[head], rest, value)}
    if isinstance(obj, list):
        return [*obj[:head], put(obj[head], rest, value), *obj[head + 1 :]]
    return obj  # the path ran into a value an earlier mutation replaced


def drop(obj: Any, path: Path) -> Any:
    """``obj`` without the field or list item at ``path``."""
    if not path:
        return obj
    parent = _at(obj, path[:-1])
    if isinstance(parent, dict) and path[-1] in parent:
        return put(obj, path[:-1], {k: v for k, v in parent.items() if k != path[-1]})
    if isinstance(parent, list) and isinstance(path[-1], int) and path[-1] < len(parent):
        return put(obj, path[:-1], parent[: path[-1]] + parent[path[-1] + 1 :])
    return obj


def _at(obj: Any, path: Path) -> Any:
    for step in path:
        found = isinstance(obj, dict) and step in obj
        found = found or (isinstance(obj, list) and isinstance(step, int) and step < len(obj))
        if not found:
            return None
        obj = obj[step]
    return obj


@st.composite
def mutated(draw: st.DrawFn, original: Any) -> bytes:
    """One to four mutations of ``original`` (a decoded payload), then maybe damage to the
    written bytes."""
    tree = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, 4))):
        # Deepest first: hypothesis leans to the first choices, and a mutation at the root
        # (the whole payload replaced) teaches less than one at a leaf.
        spots = sorted((p for p in paths(tree) if _at(tree, p) is not None), key=len, reverse=True)
        spots = spots or [()]  # an earlier mutation made the whole payload null
        spot = draw(st.sampled_from(spots))
        tree = draw(_one_mutation(tree, spot, spots))
    body = encode(tree)
    return draw(_damaged(body))


def _one_mutation(tree: Any, spot: Path, spots: list[Path]) -> st.SearchStrategy[Any]:
    here = _at(tree, spot)
    options: list[st.SearchStrategy[Any]] = [
        st.just(drop(tree, spot)),
        odd_values().map(lambda value: put(tree, spot, value)),
        st.sampled_from(spots).map(lambda other: _swapped(tree, spot, other)),
        st.integers(1, 3).map(lambda times: put(tree, spot, _nested(here, times))),
    ]
    if isinstance(here, dict) and here:
        options.append(_repeated_key(here).map(lambda value: put(tree, spot, value)))
    if isinstance(here, list) and here:
        options.append(st.just(put(tree, spot, [here[0], *here])))
    if isinstance(here, str):
        options.append(_string_variant(here).map(lambda value: put(tree, spot, value)))
    if isinstance(here, int | float) and not isinstance(here, bool):
        as_float = here / 1 if abs(here) < 1e300 else 0  # no OverflowError for 10**400
        variants = [here * 1000, -here, str(here), here + 2**64, as_float]
        options.append(st.sampled_from(variants).map(lambda value: put(tree, spot, value)))
    return st.one_of(options)


def _swapped(tree: Any, one: Path, other: Path) -> Any:
    if one[: len(other)] == other or other[: len(one)] == one:
        return tree  # one holds the other
    first, second = _at(tree, one), _at(tree, other)
    return put(put(tree, one, second), other, first)


def _nested(value: Any, times: int) -> Any:
    for _ in range(times):
        value = [value]
    return value


def _repeated_key(obj: dict[str, Any]) -> st.SearchStrategy[Pairs]:
    keys = list(obj)

    @st.composite
    def build(draw: st.DrawFn) -> Pairs:
        key = draw(st.sampled_from(keys))
        other = draw(odd_values())
        first = draw(st.booleans())  # the odd value before or after the real one
        items = [(k, v) for k, v in obj.items()]
        extra = (key, other)
        return Pairs(tuple([extra, *items] if first else [*items, extra]))

    return build()


def _string_variant(value: str) -> st.SearchStrategy[Any]:
    user, at, server = value.partition("@")
    variants: list[Any] = [
        value + "\u0000",
        value.upper(),
        value * 2,
        value[: len(value) // 2],
        " " + value + " ",
        "+" + value,
        f"{user}:7{at}{server}",
        f"{user}@lid",
        f"{user}@g.us",
        f"{user}@c.us",
        Raw(_string(value)[:-1] + b'\xff"'),
    ]
    return st.sampled_from(variants)


def _damaged(body: bytes) -> st.SearchStrategy[bytes]:
    """Mostly the body as written (the tree mutations are what reach deep into a parser),
    sometimes cut short, one byte changed, behind a byte order mark or in UTF-16."""
    if not body:
        return st.just(body)
    cut = st.integers(0, len(body) - 1)
    damage = st.one_of(
        cut.map(lambda at: body[:at]),
        st.tuples(cut, st.integers(0, 255)).map(
            lambda spec: body[: spec[0]] + bytes([spec[1]]) + body[spec[0] + 1 :]
        ),
        st.just(b"\xef\xbb\xbf" + body),
        st.just(body.decode("utf-8", "replace").encode("utf-16")),
    )
    # Hypothesis leans to small draws: 0 must be the intact body.
    return st.integers(0, 4).flatmap(lambda roll: damage if roll == 4 else st.just(body))
