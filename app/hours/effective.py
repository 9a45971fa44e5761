"""Which hours apply, and the out-of-hours notice: pure, shared by the API and the
AI responder (workers/respond.py).

Precedence, most specific first: the connection's, then the department's (the
session's), then the organization's. **The hours document is taken whole** from the
first level that has one - its timezone, weekly ranges, holidays and own dates together;
nothing is merged field by field, so a department's hours never inherit, say, the
organization's overrides (copy them if wanted). The **out-of-hours message** is the
first non-blank one along the same chain (a connection may keep the organization's
hours but word its own notice), else the built-in text (prompts/out_of_hours.txt).
No document at any level: always open."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import prompts
from app.hours.calendar import Calendar, HoursStatus, compile_hours, opening_text

PLACEHOLDER = "{{proxima_abertura}}"
_PLACEHOLDER_RE = re.compile(r"\{\{\s*proxima_abertura\s*\}\}")
# When no opening is known (closed for good within the horizon).
NO_OPENING = "em breve"


@dataclass(frozen=True, slots=True)
class Level:
    scope: str  # organization | department | connection
    document: Mapping[str, Any] | None
    message: str | None


@dataclass(frozen=True, slots=True)
class Effective:
    scope: str | None  # the level whose document applies; None: none does (always open)
    document: Mapping[str, Any] | None
    message: str | None

    def calendar(self, default_timezone: str | None = None) -> Calendar | None:
        return compile_hours(self.document, default_timezone)


def effective(*levels: Level) -> Effective:
    """``levels`` most specific first."""
    message = next((lv.message for lv in levels if (lv.message or "").strip()), None)
    for level in levels:
        if level.document:
            return Effective(level.scope, level.document, message)
    return Effective(None, None, message)


def next_opening_text(state: HoursStatus, calendar: Calendar | None) -> str:
    if state.next_opening_at is None or calendar is None:
        return NO_OPENING
    return opening_text(state.next_opening_at, calendar.tz)


def default_notice(organization_name: str, opening: str) -> str:
    return prompts.render(
        "out_of_hours", organization_name=organization_name, proxima_abertura=opening
    )


def render_notice(
    message: str | None, organization_name: str, state: HoursStatus, calendar: Calendar | None
) -> str:
    """The customer's out-of-hours text: the level's own message with
    ``{{proxima_abertura}}`` filled in ("segunda-feira, 07/12 às 08:00"), else the
    built-in one."""
    opening = next_opening_text(state, calendar)
    own = (message or "").strip()
    if own:
        return _PLACEHOLDER_RE.sub(opening, own)
    return default_notice(organization_name, opening)
