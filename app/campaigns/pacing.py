"""How fast a campaign sends: random gaps, long pauses, a daily cap per number with a
warm-up for new numbers.

There are no published limits for unofficial numbers; the defaults are those third
parties ship (CAMPAIGNS_MIRRORS_BOT.md 1.3): 25-60 s gaps, a 5-minute pause every 20,
and a new number starting at 20 a day, x1.8 a day for its first 7 days
(kobie3717/baileys-antiban). A 0 (or null for the cap) turns a brake off.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime

import msgspec

__all__ = [
    "MAX_DELAY_SECONDS",
    "WARM_UP_DAYS",
    "WARM_UP_FIRST_DAY",
    "WARM_UP_GROWTH",
    "Pacing",
    "PacingProblem",
    "check_pacing",
    "daily_cap",
    "delay_before_next",
]

WARM_UP_DAYS = 7
WARM_UP_FIRST_DAY = 20
WARM_UP_GROWTH = 1.8
MAX_DELAY_SECONDS = 24 * 3600.0


class Pacing(msgspec.Struct, rename="camel", kw_only=True):
    min_delay_seconds: float = 25
    max_delay_seconds: float = 60
    pause_every: int = 20
    pause_seconds: float = 300
    daily_cap_per_connection: int | None = 500
    warm_up: bool = True


class PacingProblem(msgspec.Struct, frozen=True):
    code: str
    field: str
    detail: str


def delay_before_next(p: Pacing, sends_since_pause: int, rng: random.Random) -> tuple[float, bool]:
    """Seconds to wait before the next send, and whether that wait is the long pause
    (after which the caller resets ``sends_since_pause``)."""
    if p.pause_every > 0 and p.pause_seconds > 0 and sends_since_pause >= p.pause_every:
        return float(p.pause_seconds), True
    low, high = sorted((max(0.0, float(p.min_delay_seconds)), max(0.0, float(p.max_delay_seconds))))
    if high <= 0:
        return 0.0, False
    return rng.uniform(low, high), False


def daily_cap(p: Pacing, connected_since: datetime | None, today: date) -> int | None:
    """How many campaign messages one number may send ``today``; None for no limit.

    ``today`` is compared with ``connected_since``'s own calendar date, so pass both in
    the campaign's zone. A number whose connection time is unknown counts as warm."""
    cap = p.daily_cap_per_connection or None
    if not p.warm_up or connected_since is None:
        return cap
    age = max(0, (today - connected_since.date()).days)
    if age >= WARM_UP_DAYS:
        return cap
    ramp = math.floor(WARM_UP_FIRST_DAY * WARM_UP_GROWTH**age)
    return ramp if cap is None else min(cap, ramp)


def check_pacing(p: Pacing) -> list[PacingProblem]:
    """What is wrong with ``p`` (field paths as the API spells them)."""
    problems: list[PacingProblem] = []
    for field, value in (
        ("minDelaySeconds", p.min_delay_seconds),
        ("maxDelaySeconds", p.max_delay_seconds),
        ("pauseSeconds", p.pause_seconds),
    ):
        if not math.isfinite(value) or value < 0 or value > MAX_DELAY_SECONDS:
            problems.append(
                PacingProblem(
                    "invalid_pacing",
                    f"pacing.{field}",
                    f"{field} must be between 0 and {MAX_DELAY_SECONDS:.0f} seconds.",
                )
            )
    if not problems and p.min_delay_seconds > p.max_delay_seconds:
        problems.append(
            PacingProblem(
                "invalid_pacing",
                "pacing.maxDelaySeconds",
                "maxDelaySeconds must not be below minDelaySeconds.",
            )
        )
    if p.pause_every < 0 or p.pause_every > 1_000_000:
        problems.append(
            PacingProblem("invalid_pacing", "pacing.pauseEvery", "pauseEvery must be 0 or more.")
        )
    cap = p.daily_cap_per_connection
    if cap is not None and (cap < 0 or cap > 10_000_000):
        problems.append(
            PacingProblem(
                "invalid_pacing",
                "pacing.dailyCapPerConnection",
                "dailyCapPerConnection must be 0 or more (0 or null: no cap).",
            )
        )
    return problems
