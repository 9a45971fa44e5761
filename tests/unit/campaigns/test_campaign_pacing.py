"""Campaign pacing: random gaps, long pauses, the daily cap and the warm-up ramp."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta

import msgspec
import pytest

from app.campaigns.pacing import Pacing, check_pacing, daily_cap, delay_before_next

TODAY = date(2026, 7, 8)


def connected(days_ago: int) -> datetime:
    return datetime(2026, 7, 8, 15, 0, tzinfo=UTC) - timedelta(days=days_ago)


def test_defaults_match_the_contract() -> None:
    assert msgspec.json.decode(b"{}", type=Pacing) == Pacing(
        min_delay_seconds=25,
        max_delay_seconds=60,
        pause_every=20,
        pause_seconds=300,
        daily_cap_per_connection=500,
        warm_up=True,
    )
    encoded = msgspec.json.decode(msgspec.json.encode(Pacing()))
    assert set(encoded) == {
        "minDelaySeconds",
        "maxDelaySeconds",
        "pauseEvery",
        "pauseSeconds",
        "dailyCapPerConnection",
        "warmUp",
    }


def test_gap_is_uniform_between_min_and_max() -> None:
    rng = random.Random(3)
    gaps = [delay_before_next(Pacing(), 0, rng) for _ in range(2000)]
    assert all(not paused for _, paused in gaps)
    values = [g for g, _ in gaps]
    assert min(values) >= 25 and max(values) <= 60
    assert 41 < sum(values) / len(values) < 44
    assert min(values) < 27 and max(values) > 58


def test_long_pause_every_n_sends() -> None:
    rng = random.Random(0)
    assert delay_before_next(Pacing(), 19, rng)[1] is False
    assert delay_before_next(Pacing(), 20, rng) == (300.0, True)
    assert delay_before_next(Pacing(), 25, rng) == (300.0, True)


def test_zero_turns_the_brakes_off() -> None:
    rng = random.Random(0)
    fast = Pacing(min_delay_seconds=0, max_delay_seconds=0, pause_every=0)
    assert delay_before_next(fast, 1000, rng) == (0.0, False)
    no_pause = Pacing(pause_seconds=0)
    gap, paused = delay_before_next(no_pause, 1000, rng)
    assert not paused and 25 <= gap <= 60


def test_deterministic_for_a_seed() -> None:
    first = [delay_before_next(Pacing(), i, random.Random(9)) for i in range(5)]
    assert first == [delay_before_next(Pacing(), i, random.Random(9)) for i in range(5)]


def test_warm_up_curve() -> None:
    caps = [daily_cap(Pacing(daily_cap_per_connection=None), connected(d), TODAY) for d in range(8)]
    assert caps == [20, 36, 64, 116, 209, 377, 680, None]
    assert caps[:7] == [math.floor(20 * 1.8**d) for d in range(7)]


def test_warm_up_is_capped_by_the_daily_cap() -> None:
    caps = [daily_cap(Pacing(), connected(d), TODAY) for d in range(9)]
    assert caps == [20, 36, 64, 116, 209, 377, 500, 500, 500]


def test_no_warm_up_or_unknown_age() -> None:
    assert daily_cap(Pacing(warm_up=False), connected(0), TODAY) == 500
    assert daily_cap(Pacing(), None, TODAY) == 500
    # A clock a little behind the connection time is day 0, not a negative day.
    assert daily_cap(Pacing(), datetime(2026, 7, 9, tzinfo=UTC), TODAY) == 20


@pytest.mark.parametrize("cap", [0, None])
def test_no_cap(cap: int | None) -> None:
    assert (
        daily_cap(Pacing(daily_cap_per_connection=cap, warm_up=False), connected(0), TODAY) is None
    )
    assert daily_cap(Pacing(daily_cap_per_connection=cap), connected(30), TODAY) is None


def test_check_pacing() -> None:
    assert check_pacing(Pacing()) == []
    assert (
        check_pacing(
            Pacing(
                min_delay_seconds=0,
                max_delay_seconds=0,
                pause_every=0,
                pause_seconds=0,
                daily_cap_per_connection=None,
            )
        )
        == []
    )
    fields = {p.field for p in check_pacing(Pacing(min_delay_seconds=90, max_delay_seconds=10))}
    assert fields == {"pacing.maxDelaySeconds"}
    bad = Pacing(
        min_delay_seconds=-1,
        max_delay_seconds=float("nan"),
        pause_every=-5,
        pause_seconds=float("inf"),
        daily_cap_per_connection=-1,
    )
    assert {p.field for p in check_pacing(bad)} == {
        "pacing.minDelaySeconds",
        "pacing.maxDelaySeconds",
        "pacing.pauseSeconds",
        "pacing.pauseEvery",
        "pacing.dailyCapPerConnection",
    }
    assert {p.code for p in check_pacing(bad)} == {"invalid_pacing"}
