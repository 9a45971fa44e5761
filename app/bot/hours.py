"""The bot's one call into business hours. Another module owns the hours themselves
(workers.respond_rules today); everything here asks through these two functions, so a
richer hours model (organization → department → connection, holidays) is one edit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from workers.respond_rules import is_open, zone

_STEP = timedelta(minutes=15)
_HORIZON = timedelta(days=8)


def open_now(hours: Mapping[str, Any] | None, at: datetime) -> bool:
    return is_open(hours, at)


def next_opening_text(hours: Mapping[str, Any] | None, at: datetime) -> str | None:
    """ "segunda-feira, 08:00" (local), the first quarter hour the hours are open after
    ``at``; None when open now or never open within a week."""
    if open_now(hours, at):
        return None
    local = at.astimezone(zone(hours))
    probe = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
    end = local + _HORIZON
    while probe < end:
        probe += _STEP
        if is_open(hours, probe):
            return f"{_WEEKDAYS[probe.weekday()]}, {probe:%H:%M}"
    return None


_WEEKDAYS = (
    "segunda-feira",
    "terça-feira",
    "quarta-feira",
    "quinta-feira",
    "sexta-feira",
    "sábado",
    "domingo",
)


def local_time(hours: Mapping[str, Any] | None, at: datetime) -> datetime:
    return at.astimezone(zone(hours))
