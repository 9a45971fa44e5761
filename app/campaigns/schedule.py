"""When a campaign may send: start time, weekly windows, holidays, expiry.

A window belongs to the day it starts on: ``{days: [FRI], start: "22:00", end:
"02:00"}`` covers Friday 22:00-24:00 and Saturday 00:00-02:00. A holiday (when
``skipHolidays``) closes its whole calendar day in the campaign's zone, including the
early hours a window of the day before runs into. ``end`` may be ``"24:00"``.

Holidays are the Brazilian national ones plus the state's (app/hours/holiday_calendar.py,
shared with business hours), not the ``holidays`` package's "optional" category: Carnival, Ash
Wednesday and Corpus Christi are *pontos facultativos* there, and most businesses
open, so they do not stop a campaign.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from app.hours import holiday_calendar

__all__ = [
    "DAYS",
    "HORIZON_DAYS",
    "Schedule",
    "ScheduleProblem",
    "Window",
    "check_schedule",
    "holidays_for",
    "next_open",
    "normalize_subdivision",
    "zone",
]

DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
HORIZON_DAYS = 400
_START_RE = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_END_RE = re.compile(r"([01]\d|2[0-3]):[0-5]\d|24:00")


class Window(msgspec.Struct, rename="camel", kw_only=True):
    days: list[str]
    start: str
    end: str


class Schedule(msgspec.Struct, rename="camel", kw_only=True):
    start_at: datetime | None = None
    timezone: str | None = None
    windows: list[Window] = msgspec.field(default_factory=list)
    skip_holidays: bool = True
    holiday_subdivision: str | None = None
    valid_until: datetime | None = None


class ScheduleProblem(msgspec.Struct, frozen=True):
    code: str
    field: str
    detail: str


def zone(name: str | None, default: ZoneInfo | None = None) -> ZoneInfo | None:
    """The zone called ``name``, else ``default`` (unknown or malformed names too)."""
    if not name:
        return default
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return default


def normalize_subdivision(subdivision: str | None) -> str | None:
    """The ``holidays`` code for ``subdivision`` ("sp" -> "SP"); None when unknown."""
    return holiday_calendar.normalize_subdivision("BR", subdivision)


def holidays_for(year: int, subdivision: str | None) -> list[tuple[date, str]]:
    """The year's national (+ the state's, when ``subdivision`` is known) holidays, by
    date, with their Portuguese names."""
    return holiday_calendar.holidays_for("BR", subdivision, year)


def _is_holiday(day: date, subdivision: str | None) -> bool:
    return holiday_calendar.holiday_name("BR", subdivision, day) is not None


def _clock(value: str) -> timedelta:
    hours, minutes = value.split(":")
    return timedelta(hours=int(hours), minutes=int(minutes))


def _segments(day: date, windows: list[Window], tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The open stretches of one calendar day, as UTC instants (compared in UTC: two
    datetimes in one zone compare by wall clock, which is wrong across a DST change)."""
    if not windows:
        return [(_wall(day, timedelta(), tz), _wall(day, timedelta(days=1), tz))]
    weekday, yesterday = DAYS[day.weekday()], DAYS[(day.weekday() - 1) % 7]
    spans: list[tuple[timedelta, timedelta]] = []
    for window in windows:
        days = {d.upper() for d in window.days}
        if not _START_RE.fullmatch(window.start) or not _END_RE.fullmatch(window.end):
            continue
        start, end = _clock(window.start), _clock(window.end)
        if start == end:
            continue
        if weekday in days:
            spans.append((start, end if end > start else timedelta(days=1)))
        if yesterday in days and end < start:
            spans.append((timedelta(), end))
    return [(_wall(day, a, tz), _wall(day, b, tz)) for a, b in sorted(spans)]


def _wall(day: date, offset: timedelta, tz: ZoneInfo) -> datetime:
    """``day`` at the wall-clock ``offset`` after midnight in ``tz``, as UTC."""
    naive = datetime.combine(day, time()) + offset
    return naive.replace(tzinfo=tz).astimezone(UTC)


def next_open(
    schedule: Schedule, now: datetime, tz: ZoneInfo, subdivision: str | None
) -> datetime | None:
    """``now`` itself when the campaign may send now, else the next instant it may (in
    the campaign's zone), or None when it never may within 400 days or before
    ``validUntil``. ``now`` must be aware.

    ``tz`` and ``subdivision`` are the organization's; the schedule's own
    ``timezone``/``holidaySubdivision`` win when set."""
    tz = zone(schedule.timezone, tz) or tz
    subdiv = normalize_subdivision(schedule.holiday_subdivision or subdivision)
    earliest = now.astimezone(UTC)
    if schedule.start_at is not None:
        start_at = _aware(schedule.start_at, tz).astimezone(UTC)
        earliest = max(earliest, start_at)
    until = _aware(schedule.valid_until, tz).astimezone(UTC) if schedule.valid_until else None
    first_day = earliest.astimezone(tz).date()
    for offset in range(HORIZON_DAYS + 1):
        day = first_day + timedelta(days=offset)
        if schedule.skip_holidays and _is_holiday(day, subdiv):
            continue
        for opens, closes in _segments(day, schedule.windows, tz):
            if closes <= earliest:
                continue
            found = max(opens, earliest)
            if until is not None and found >= until:
                return None
            if found == now.astimezone(UTC):
                return now
            return found.astimezone(tz)
    return None


def _aware(moment: datetime, tz: ZoneInfo) -> datetime:
    """A time sent without an offset is read in the campaign's zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def check_schedule(schedule: Schedule) -> list[ScheduleProblem]:
    """What is wrong with ``schedule`` (field paths as the API spells them)."""
    problems: list[ScheduleProblem] = []
    if schedule.timezone is not None and zone(schedule.timezone) is None:
        problems.append(
            ScheduleProblem(
                "invalid_timezone",
                "schedule.timezone",
                f"Unknown time zone {schedule.timezone!r} (use an IANA name such as "
                "America/Sao_Paulo).",
            )
        )
    if schedule.holiday_subdivision is not None and not normalize_subdivision(
        schedule.holiday_subdivision
    ):
        problems.append(
            ScheduleProblem(
                "invalid_subdivision",
                "schedule.holidaySubdivision",
                f"Unknown Brazilian state {schedule.holiday_subdivision!r} (use its "
                "two-letter code, such as SP).",
            )
        )
    for index, window in enumerate(schedule.windows):
        problems.extend(_check_window(index, window))
    if (
        schedule.valid_until is not None
        and schedule.start_at is not None
        and _comparable(schedule.valid_until) <= _comparable(schedule.start_at)
    ):
        problems.append(
            ScheduleProblem(
                "invalid_valid_until", "schedule.validUntil", "validUntil must be after startAt."
            )
        )
    return problems


def _comparable(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _check_window(index: int, window: Window) -> list[ScheduleProblem]:
    where = f"schedule.windows[{index}]"
    problems: list[ScheduleProblem] = []
    if not window.days:
        problems.append(ScheduleProblem("invalid_day", f"{where}.days", "A window needs days."))
    bad = [d for d in window.days if d.upper() not in DAYS]
    if bad:
        problems.append(
            ScheduleProblem(
                "invalid_day",
                f"{where}.days",
                f"Unknown day(s) {', '.join(map(repr, bad))}; use {', '.join(DAYS)}.",
            )
        )
    if not _START_RE.fullmatch(window.start):
        problems.append(
            ScheduleProblem("invalid_time", f"{where}.start", "start must be HH:MM (00:00-23:59).")
        )
    if not _END_RE.fullmatch(window.end):
        problems.append(
            ScheduleProblem("invalid_time", f"{where}.end", "end must be HH:MM (00:00-24:00).")
        )
    elif _START_RE.fullmatch(window.start) and _clock(window.start) == _clock(window.end):
        problems.append(
            ScheduleProblem(
                "empty_window",
                f"{where}.end",
                "start and end are equal; for the whole day use 00:00-24:00.",
            )
        )
    return problems
