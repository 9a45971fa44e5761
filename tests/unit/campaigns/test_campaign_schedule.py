"""Campaign schedules: windows (past midnight, several a day), holidays, start and expiry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec
import pytest

from app.campaigns.schedule import (
    Schedule,
    Window,
    check_schedule,
    holidays_for,
    next_open,
    normalize_subdivision,
)

SP = ZoneInfo("America/Sao_Paulo")
MANAUS = ZoneInfo("America/Manaus")
NY = ZoneInfo("America/New_York")


def at(*args: int, tz: ZoneInfo = SP) -> datetime:
    return datetime(*args, tzinfo=tz)  # type: ignore[misc]


WEEKDAYS_9_18 = [Window(days=["MON", "TUE", "WED", "THU", "FRI"], start="09:00", end="18:00")]


def test_no_windows_and_no_holidays_means_now() -> None:
    now = at(2026, 4, 3, 3, 0)  # Good Friday, 3 a.m.
    assert next_open(Schedule(skip_holidays=False), now, SP, None) is now


def test_inside_a_window_returns_now_itself() -> None:
    now = at(2026, 7, 8, 10, 15)  # Wednesday
    assert next_open(Schedule(windows=WEEKDAYS_9_18), now, SP, None) is now


def test_before_and_after_the_window() -> None:
    schedule = Schedule(windows=WEEKDAYS_9_18)
    assert next_open(schedule, at(2026, 7, 8, 7, 0), SP, None) == at(2026, 7, 8, 9, 0)
    # 18:00 is closed; Friday evening waits for Monday.
    assert next_open(schedule, at(2026, 7, 8, 18, 0), SP, None) == at(2026, 7, 9, 9, 0)
    assert next_open(schedule, at(2026, 7, 10, 19, 0), SP, None) == at(2026, 7, 13, 9, 0)


def test_several_windows_a_day() -> None:
    schedule = Schedule(
        windows=[
            Window(days=["WED"], start="14:00", end="18:00"),
            Window(days=["WED"], start="08:00", end="12:00"),
        ]
    )
    assert next_open(schedule, at(2026, 7, 8, 12, 30), SP, None) == at(2026, 7, 8, 14, 0)
    noon = at(2026, 7, 8, 11, 59)
    assert next_open(schedule, noon, SP, None) is noon
    # Past the second, the next Wednesday's first.
    assert next_open(schedule, at(2026, 7, 8, 18, 1), SP, None) == at(2026, 7, 15, 8, 0)


def test_window_past_midnight_covers_the_next_morning() -> None:
    schedule = Schedule(windows=[Window(days=["FRI"], start="22:00", end="02:00")])
    fri_late = at(2026, 7, 10, 23, 0)
    sat_early = at(2026, 7, 11, 1, 59)
    assert next_open(schedule, fri_late, SP, None) is fri_late
    assert next_open(schedule, sat_early, SP, None) is sat_early
    assert next_open(schedule, at(2026, 7, 11, 2, 0), SP, None) == at(2026, 7, 17, 22, 0)
    # Thursday's early hours are not Friday's window.
    assert next_open(schedule, at(2026, 7, 10, 1, 0), SP, None) == at(2026, 7, 10, 22, 0)


def test_window_past_midnight_on_sunday_wraps_to_monday() -> None:
    schedule = Schedule(windows=[Window(days=["SUN"], start="23:00", end="01:00")])
    mon = at(2026, 7, 13, 0, 30)
    assert next_open(schedule, mon, SP, None) is mon


def test_end_of_day_as_24_00() -> None:
    schedule = Schedule(windows=[Window(days=["WED"], start="20:00", end="24:00")])
    late = at(2026, 7, 8, 23, 59)
    assert next_open(schedule, late, SP, None) is late
    assert next_open(schedule, at(2026, 7, 9, 0, 0), SP, None) == at(2026, 7, 15, 20, 0)


def test_national_holidays_are_skipped() -> None:
    schedule = Schedule(windows=WEEKDAYS_9_18)
    # Good Friday 2026 is 3 April: Thursday evening waits for Monday.
    assert next_open(schedule, at(2026, 4, 2, 19, 0), SP, None) == at(2026, 4, 6, 9, 0)
    # Tiradentes, a Tuesday in 2026.
    assert next_open(schedule, at(2026, 4, 21, 10, 0), SP, None) == at(2026, 4, 22, 9, 0)
    # Unless the schedule says otherwise.
    relaxed = Schedule(windows=WEEKDAYS_9_18, skip_holidays=False)
    tiradentes = at(2026, 4, 21, 10, 0)
    assert next_open(relaxed, tiradentes, SP, None) is tiradentes


def test_state_holiday_from_the_organization_or_the_schedule() -> None:
    july_9 = at(2026, 7, 9, 10, 0)  # Thursday, Revolução Constitucionalista (SP only)
    plain = Schedule(windows=WEEKDAYS_9_18)
    assert next_open(plain, july_9, SP, None) is july_9
    assert next_open(plain, july_9, SP, "RJ") is july_9
    assert next_open(plain, july_9, SP, "SP") == at(2026, 7, 10, 9, 0)
    assert next_open(plain, july_9, SP, "sp") == at(2026, 7, 10, 9, 0)
    own = Schedule(windows=WEEKDAYS_9_18, holiday_subdivision="SP")
    assert next_open(own, july_9, SP, "RJ") == at(2026, 7, 10, 9, 0)


def test_holiday_closes_the_tail_of_the_day_before_s_window() -> None:
    # Monday 20 April 22:00-02:00 runs into Tiradentes (Tuesday 21 April).
    schedule = Schedule(windows=[Window(days=["MON"], start="22:00", end="02:00")])
    monday_late = at(2026, 4, 20, 23, 0)
    assert next_open(schedule, monday_late, SP, None) is monday_late
    assert next_open(schedule, at(2026, 4, 21, 0, 30), SP, None) == at(2026, 4, 27, 22, 0)


def test_no_windows_but_holidays_waits_for_the_next_midnight() -> None:
    christmas = at(2026, 12, 25, 10, 0)
    assert next_open(Schedule(), christmas, SP, None) == at(2026, 12, 26, 0, 0)


def test_holidays_of_a_far_year_2031() -> None:
    schedule = Schedule(windows=WEEKDAYS_9_18)
    # Good Friday 2031 is 11 April.
    assert next_open(schedule, at(2031, 4, 10, 18, 30), SP, None) == at(2031, 4, 14, 9, 0)


def test_start_at_is_respected() -> None:
    start = at(2026, 7, 8, 15, 0)
    schedule = Schedule(start_at=start, windows=WEEKDAYS_9_18)
    assert next_open(schedule, at(2026, 7, 8, 10, 0), SP, None) == start
    # A start outside the windows waits for the next one.
    evening = Schedule(start_at=at(2026, 7, 8, 20, 0), windows=WEEKDAYS_9_18)
    assert next_open(evening, at(2026, 7, 1, 10, 0), SP, None) == at(2026, 7, 9, 9, 0)
    # A start already past changes nothing.
    past = Schedule(start_at=at(2026, 1, 1, 0, 0), windows=WEEKDAYS_9_18)
    now = at(2026, 7, 8, 10, 0)
    assert next_open(past, now, SP, None) is now


def test_start_at_without_offset_is_read_in_the_campaign_zone() -> None:
    schedule = Schedule(start_at=datetime(2026, 7, 8, 15, 0), skip_holidays=False)
    assert next_open(schedule, at(2026, 7, 8, 10, 0), SP, None) == at(2026, 7, 8, 15, 0)


def test_valid_until_ends_it() -> None:
    schedule = Schedule(windows=WEEKDAYS_9_18, valid_until=at(2026, 7, 10, 20, 0))
    assert next_open(schedule, at(2026, 7, 10, 19, 0), SP, None) is None
    assert next_open(schedule, at(2026, 7, 10, 17, 0), SP, None) is not None


def test_never_open_within_400_days() -> None:
    # An empty window (refused by check_schedule) never opens.
    schedule = Schedule(windows=[Window(days=["MON"], start="09:00", end="09:00")])
    assert next_open(schedule, at(2026, 7, 8, 10, 0), SP, None) is None


def test_other_zones_and_the_utc_clock() -> None:
    schedule = Schedule(windows=WEEKDAYS_9_18, skip_holidays=False)
    # 12:30 UTC is 08:30 in Manaus (UTC-4), 09:30 in São Paulo.
    now = datetime(2026, 7, 8, 12, 30, tzinfo=UTC)
    assert next_open(schedule, now, SP, None) is now
    assert next_open(schedule, now, MANAUS, None) == at(2026, 7, 8, 9, 0, tz=MANAUS)
    with_zone = Schedule(windows=WEEKDAYS_9_18, skip_holidays=False, timezone="America/Manaus")
    assert next_open(with_zone, now, SP, None) == at(2026, 7, 8, 9, 0, tz=MANAUS)


def test_dst_gap_is_not_a_problem() -> None:
    # New York springs forward at 02:00 on 8 March 2026.
    schedule = Schedule(
        windows=[Window(days=["SUN"], start="01:00", end="04:00")], skip_holidays=False
    )
    now = datetime(2026, 3, 8, 6, 59, tzinfo=UTC)  # 01:59 EST
    assert next_open(schedule, now, NY, None) is now
    later = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT
    assert next_open(schedule, later, NY, None) is later
    after = datetime(2026, 3, 8, 8, 0, tzinfo=UTC)  # 04:00 EDT
    result = next_open(schedule, after, NY, None)
    assert result is not None and result - after > timedelta(days=6)


def test_holidays_of_2026_national_and_sp() -> None:
    national = holidays_for(2026, None)
    days = [d for d, _ in national]
    assert len(national) == 10
    assert date(2026, 4, 3) in days  # Sexta-feira Santa
    assert date(2026, 11, 20) in days  # Consciência Negra, national since 2024
    # Carnival is a "ponto facultativo" (the package's optional category), not a holiday.
    assert date(2026, 2, 16) not in days and date(2026, 2, 17) not in days
    assert dict(national)[date(2026, 12, 25)] == "Natal"
    sp = dict(holidays_for(2026, "SP"))
    assert sp[date(2026, 7, 9)] == "Revolução Constitucionalista"
    assert len(sp) == 11
    assert date(2026, 7, 9) not in dict(holidays_for(2026, "RJ"))


def test_holidays_of_2031() -> None:
    days = dict(holidays_for(2031, "SP"))
    assert date(2031, 4, 11) in days  # Good Friday
    assert date(2031, 7, 9) in days
    assert date(2031, 3, 3) not in days  # Carnival Monday


def test_unknown_subdivision_falls_back_to_national() -> None:
    assert holidays_for(2026, "XX") == holidays_for(2026, None)
    assert normalize_subdivision("XX") is None
    assert normalize_subdivision("são paulo capital") == "São Paulo Capital"


def test_schedule_decodes_camel_case() -> None:
    raw = (
        b'{"startAt": "2026-07-08T10:00:00-03:00", "timezone": "America/Sao_Paulo",'
        b' "windows": [{"days": ["MON"], "start": "09:00", "end": "18:00"}],'
        b' "skipHolidays": false, "holidaySubdivision": "SP", "validUntil": null}'
    )
    schedule = msgspec.json.decode(raw, type=Schedule)
    assert schedule.skip_holidays is False and schedule.windows[0].days == ["MON"]
    assert msgspec.json.decode(b"{}", type=Schedule) == Schedule()
    assert b"skipHolidays" in msgspec.json.encode(Schedule())


def test_check_schedule_codes() -> None:
    assert check_schedule(Schedule(windows=WEEKDAYS_9_18, holiday_subdivision="SP")) == []
    bad = Schedule(
        timezone="Mars/Olympus",
        holiday_subdivision="ZZ",
        windows=[
            Window(days=["MON", "FUNDAY"], start="9:00", end="25:00"),
            Window(days=[], start="10:00", end="10:00"),
        ],
        start_at=at(2026, 7, 8, 10, 0),
        valid_until=at(2026, 7, 8, 9, 0),
    )
    found = {(p.code, p.field) for p in check_schedule(bad)}
    assert found == {
        ("invalid_timezone", "schedule.timezone"),
        ("invalid_subdivision", "schedule.holidaySubdivision"),
        ("invalid_day", "schedule.windows[0].days"),
        ("invalid_time", "schedule.windows[0].start"),
        ("invalid_time", "schedule.windows[0].end"),
        ("invalid_day", "schedule.windows[1].days"),
        ("empty_window", "schedule.windows[1].end"),
        ("invalid_valid_until", "schedule.validUntil"),
    }


@pytest.mark.parametrize("name", ["", "../../etc/passwd", "UTC\x00", "a" * 300])
def test_hostile_time_zone_names_are_refused_not_crashed(name: str) -> None:
    problems = check_schedule(Schedule(timezone=name))
    assert name == "" or [p.code for p in problems] == ["invalid_timezone"]
