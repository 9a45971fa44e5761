"""The pure parts of a mirror's rules: keyword filters (accent- and case-insensitive),
quiet hours on the organization's clock, the wrapper template, and pacing with jitter."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

TEMPLATE_SLOT = "{{texto}}"
JITTER = 0.25  # up to 25 % more than the minimum interval: posts never tick like a clock


def folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def keyword_outcome(text: str, filters: dict[str, Any]) -> str | None:
    """Why the text is filtered out ("keywords" / "exclude_keywords"), or None."""
    body = folded(text)
    wanted: Sequence[str] = filters.get("keywords") or []
    if wanted and not any(folded(k) in body for k in wanted):
        return "keywords"
    unwanted: Sequence[str] = filters.get("excludeKeywords") or []
    if any(folded(k) in body for k in unwanted):
        return "exclude_keywords"
    return None


def _clock(value: str) -> time:
    return time(int(value[:2]), int(value[3:5]))


def in_quiet_hours(quiet: dict[str, Any] | None, now: datetime, zone: str) -> bool:
    """Whether ``now`` falls in [start, end) on the organization's clock; a range may
    pass midnight (22:00 to 07:00)."""
    if not quiet:
        return False
    local = now.astimezone(ZoneInfo(zone)).time().replace(second=0, microsecond=0)
    start, end = _clock(str(quiet["start"])), _clock(str(quiet["end"]))
    if start < end:
        return start <= local < end
    return local >= start or local < end


def local_midnight(now: datetime, zone: str) -> datetime:
    local = now.astimezone(ZoneInfo(zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def wrapped(text: str, template: str | None) -> str:
    return template.replace(TEMPLATE_SLOT, text) if template else text


def next_free(now: datetime, seconds: float, rng: random.Random) -> datetime:
    """The earliest time the next post may go after one posted ``now``."""
    if seconds <= 0:
        return now
    return now + timedelta(seconds=seconds * (1 + rng.uniform(0, JITTER)))
