"""The business-hours calendar on its own: weekly ranges, past midnight, holidays of
Brazil and of another country, the organization's own dates, DST, next opening."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app.hours.calendar import compile_hours, opening_text, status
from app.hours.effective import Level, effective, render_notice

SP = ZoneInfo("America/Sao_Paulo")
NY = ZoneInfo("America/New_York")
WEEK = {
    "timezone": "America/Sao_Paulo",
    "weekly": {
        "MON": [["08:00", "12:00"], ["13:00", "18:00"]],
        "TUE": [["08:00", "18:00"]],
        "WED": [["08:00", "18:00"]],
        "THU": [["08:00", "18:00"]],
        "FRI": [["08:00", "18:00"], ["22:00", "02:00"]],
    },
    "holidays": {"country": "BR", "subdivision": None, "closed": True},
    "overrides": [],
}


def local(tz: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=tz)  # type: ignore[misc]


def test_no_hours_is_always_open() -> None:
    state = status(None, local(SP, 2026, 12, 6, 3, 0))
    assert (state.open, state.reason, state.next_opening_at) == (True, "always_open", None)


def test_two_ranges_a_day_and_the_lunch_break() -> None:
    assert status(WEEK, local(SP, 2026, 12, 7, 11, 59)).open
    lunch = status(WEEK, local(SP, 2026, 12, 7, 12, 0))
    assert (lunch.open, lunch.reason) == (False, "weekly")
    assert lunch.next_opening_at == local(SP, 2026, 12, 7, 13, 0)
    assert status(WEEK, local(SP, 2026, 12, 7, 13, 0)).closes_at == local(SP, 2026, 12, 7, 18, 0)


def test_across_the_weekend_the_next_opening_is_monday() -> None:
    sunday = status(WEEK, local(SP, 2026, 12, 6, 10, 0))
    assert not sunday.open
    assert sunday.next_opening_at == local(SP, 2026, 12, 7, 8, 0)
    assert opening_text(sunday.next_opening_at, SP) == "segunda-feira, 07/12 às 08:00"


def test_a_range_past_midnight_is_open_in_the_small_hours_of_the_next_day() -> None:
    saturday_1am = status(WEEK, local(SP, 2026, 12, 12, 1, 0))
    assert saturday_1am.open and saturday_1am.closes_at == local(SP, 2026, 12, 12, 2, 0)
    assert not status(WEEK, local(SP, 2026, 12, 12, 2, 0)).open
    friday_night = status(WEEK, local(SP, 2026, 12, 11, 20, 0))
    assert friday_night.next_opening_at == local(SP, 2026, 12, 11, 22, 0)


@pytest.mark.parametrize(
    ("day", "name"),
    [((2026, 12, 25), "Natal"), ((2027, 4, 21), "Tiradentes"), ((2026, 11, 20), None)],
)
def test_national_holidays_close_the_day(day: tuple[int, int, int], name: str | None) -> None:
    state = status(WEEK, local(SP, *day, 10, 0))
    if name is None:  # Consciência Negra became national in 2024
        assert not state.open and state.reason.startswith("holiday:")
        return
    assert (state.open, state.reason) == (False, f"holiday:{name}")


def test_christmas_reopens_on_the_next_working_day() -> None:
    state = status(WEEK, local(SP, 2026, 12, 25, 10, 0))
    assert state.next_opening_at == local(SP, 2026, 12, 28, 8, 0)


def test_holidays_left_open_do_not_close() -> None:
    open_on_holidays = {**WEEK, "holidays": {"country": "BR", "closed": False}}
    assert status(open_on_holidays, local(SP, 2026, 12, 25, 10, 0)).open


@pytest.mark.parametrize(
    ("subdivision", "day", "name"),
    [
        ("SP", (2026, 7, 9), "Revolução Constitucionalista"),
        ("RJ", (2027, 4, 23), "São Jorge"),
    ],
)
def test_a_state_holiday_closes_only_that_state(
    subdivision: str, day: tuple[int, int, int], name: str
) -> None:
    hours = {**WEEK, "holidays": {"country": "BR", "subdivision": subdivision, "closed": True}}
    state = status(hours, local(SP, *day, 10, 0))
    assert (state.open, state.reason) == (False, f"holiday:{name}")
    assert status(WEEK, local(SP, *day, 10, 0)).open  # national only: a working day


def test_own_dates_once_yearly_and_special_hours() -> None:
    hours = {
        **WEEK,
        "overrides": [
            {"date": "2026-12-08", "yearly": False, "closed": True, "label": "Inventário"},
            {"date": "2020-12-10", "yearly": True, "closed": True, "label": "Aniversário"},
            {
                "date": "2026-12-24",
                "yearly": False,
                "closed": False,
                "ranges": [["08:00", "12:00"]],
                "label": "Véspera",
            },
        ],
    }
    once = status(hours, local(SP, 2026, 12, 8, 10, 0))
    assert (once.open, once.reason) == (False, "override:Inventário")
    assert status(hours, local(SP, 2027, 12, 8, 10, 0)).open  # once only
    assert status(hours, local(SP, 2026, 12, 10, 10, 0)).reason == "override:Aniversário"
    assert status(hours, local(SP, 2027, 12, 10, 10, 0)).reason == "override:Aniversário"
    morning = status(hours, local(SP, 2026, 12, 24, 11, 0))
    assert (morning.open, morning.reason) == (True, "override:Véspera")
    afternoon = status(hours, local(SP, 2026, 12, 24, 14, 0))
    assert not afternoon.open and afternoon.next_opening_at == local(SP, 2026, 12, 28, 8, 0)


def test_an_own_date_beats_a_holiday() -> None:
    hours = {
        **WEEK,
        "overrides": [
            {
                "date": "2026-12-25",
                "closed": False,
                "ranges": [["09:00", "13:00"]],
                "label": "Plantão",
            }
        ],
    }
    assert status(hours, local(SP, 2026, 12, 25, 10, 0)).reason == "override:Plantão"


def test_new_york_with_us_holidays_and_dst() -> None:
    hours = {
        "timezone": "America/New_York",
        "weekly": {day: [["09:00", "17:00"]] for day in ("MON", "TUE", "WED", "THU", "FRI")},
        "holidays": {"country": "US", "subdivision": "NY", "closed": True},
    }
    thanksgiving = status(hours, local(NY, 2026, 11, 26, 10, 0))
    assert not thanksgiving.open and thanksgiving.reason.startswith("holiday:Thanksgiving")
    assert thanksgiving.next_opening_at == local(NY, 2026, 11, 27, 9, 0)
    # DST starts on 2027-03-14: Monday 09:00 is 13:00 UTC (it was 14:00 UTC a week before).
    assert status(hours, datetime(2027, 3, 15, 13, 0, tzinfo=UTC)).open
    assert not status(hours, datetime(2027, 3, 8, 13, 0, tzinfo=UTC)).open
    sunday = status(hours, local(NY, 2027, 3, 14, 12, 0))
    assert sunday.next_opening_at == datetime(2027, 3, 15, 13, 0, tzinfo=UTC)


def test_midnight_end_and_joined_nights() -> None:
    hours = {
        "timezone": "UTC",
        "weekly": {"MON": [["20:00", "24:00"]], "TUE": [["00:00", "06:00"]]},
    }
    state = status(hours, datetime(2026, 12, 7, 23, 0, tzinfo=UTC))
    assert state.open and state.closes_at == datetime(2026, 12, 8, 6, 0, tzinfo=UTC)


def test_the_old_connection_shape_still_reads() -> None:
    old = {"timezone": "America/Sao_Paulo", "days": {"mon": [["08:00", "18:00"]]}}
    assert status(old, local(SP, 2026, 12, 7, 9, 0)).open
    assert not status(old, local(SP, 2026, 12, 8, 9, 0)).open
    assert status({"timezone": "UTC"}, local(SP, 2026, 12, 8, 9, 0)).open  # no days at all


def test_never_opening_has_no_next_opening() -> None:
    state = status({"timezone": "UTC", "weekly": {}}, datetime(2026, 12, 7, tzinfo=UTC))
    assert (state.open, state.next_opening_at) == (False, None)


def test_the_most_specific_document_wins_whole_and_the_message_falls_back() -> None:
    org = Level("organization", WEEK, "Fechados. Voltamos {{proxima_abertura}}.")
    department = Level("department", {"timezone": "UTC", "weekly": {}}, None)
    connection = Level("connection", None, "  ")
    applied = effective(connection, department, org)
    assert applied.scope == "department" and applied.message == org.message
    assert (
        effective(Level("connection", None, None), Level("organization", None, None)).scope is None
    )
    calendar = compile_hours(WEEK)
    state = status(calendar, local(SP, 2026, 12, 6, 10, 0))
    text = render_notice(org.message, "Loja", state, calendar)
    assert text == "Fechados. Voltamos segunda-feira, 07/12 às 08:00."
    assert "segunda-feira, 07/12 às 08:00" in render_notice(None, "Loja", state, calendar)
