"""Whether a business is open at an instant, and when it opens next: pure, no I/O.

A stored hours document (what ``PUT .../business-hours`` writes, and a connection's
``business_hours`` column)::

    {"timezone": "America/Sao_Paulo",
     "weekly": {"MON": [["08:00", "12:00"], ["13:00", "18:00"]], "FRI": [["22:00", "02:00"]]},
     "holidays": {"country": "BR", "subdivision": "SP", "closed": true},
     "overrides": [{"date": "2026-12-24", "yearly": true, "closed": false,
                    "ranges": [["08:00", "12:00"]], "label": "Véspera de Natal"}]}

Rules, in the document's time zone (never the server's):

- A weekday missing from ``weekly`` is closed. A range whose end is not after its start
  runs past midnight (``["22:00", "02:00"]``); ``"24:00"`` ends at midnight.
- A range belongs to the day it starts on: Friday's 22:00-02:00 runs into Saturday even
  when Saturday is a holiday, and a closed Saturday does not cut it short.
- A day's plan is, first that applies: the organization's own date for that day (a
  once-only date beats a yearly one) - closed, or its special ``ranges``; a public
  holiday when ``holidays.closed`` - closed; else the weekday's ranges.
- No document at all means always open (reason ``always_open``).

The old connection shape ``{timezone, days: {mon: [...]}}`` is read too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.hours import holiday_calendar

__all__ = [
    "DAYS",
    "DEFAULT_TIMEZONE",
    "HORIZON_DAYS",
    "Calendar",
    "HoursStatus",
    "compile_hours",
    "minutes",
    "opening_text",
    "status",
]

DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
DEFAULT_TIMEZONE = "America/Sao_Paulo"
# How far ahead the next opening is looked for (a year of closed overrides and more).
HORIZON_DAYS = 400
_WEEKDAY_PT = (
    "segunda-feira",
    "terça-feira",
    "quarta-feira",
    "quinta-feira",
    "sexta-feira",
    "sábado",
    "domingo",
)

Ranges = tuple[tuple[int, int], ...]  # (start, end) in minutes after midnight


@dataclass(frozen=True, slots=True)
class HoursStatus:
    open: bool
    next_opening_at: datetime | None  # None when open now, or never within the horizon
    reason: str  # weekly | always_open | holiday:<name> | override:<label>
    closes_at: datetime | None = None  # when open: the end of the current stretch


@dataclass(frozen=True, slots=True)
class _Special:
    closed: bool
    ranges: Ranges
    label: str


@dataclass(frozen=True, slots=True)
class Calendar:
    """A document parsed once: evaluate it with :meth:`status`."""

    tz: ZoneInfo
    weekly: tuple[Ranges, ...]  # Monday first
    country: str | None  # holidays close the day only when set
    subdivision: str | None
    once: Mapping[date, _Special]
    yearly: Mapping[tuple[int, int], _Special]

    def day_plan(self, day: date) -> tuple[Ranges, str]:
        """The day's ranges and why (``weekly``, ``holiday:<name>``, ``override:<label>``)."""
        special = self.once.get(day) or self.yearly.get((day.month, day.day))
        if special is not None:
            return (() if special.closed else special.ranges), f"override:{special.label}"
        if self.country is not None:
            name = holiday_calendar.holiday_name(self.country, self.subdivision, day)
            if name is not None:
                return (), f"holiday:{name}"
        return self.weekly[day.weekday()], "weekly"

    def stretches(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """The day's open stretches as UTC instants (compared in UTC: two times in one
        zone compare by wall clock, which is wrong across a DST change)."""
        ranges, _ = self.day_plan(day)
        for start, end in ranges:
            yield (
                _wall(day, start, self.tz),
                _wall(day, end if end > start else end + 1440, self.tz),
            )

    def status(self, at: datetime) -> HoursStatus:
        moment = at.astimezone(UTC)
        today = moment.astimezone(self.tz).date()
        for day in (today - timedelta(days=1), today):
            for opens, closes in self.stretches(day):
                if opens <= moment < closes:
                    reason = self.day_plan(day)[1]
                    return HoursStatus(True, None, reason, self._closing(closes))
        _, reason = self.day_plan(today)
        return HoursStatus(False, self.next_opening(moment, today), reason)

    def next_opening(self, moment: datetime, today: date) -> datetime | None:
        for offset in range(-1, HORIZON_DAYS + 1):
            starts = [o for o, _ in self.stretches(today + timedelta(days=offset)) if o > moment]
            if starts:
                return min(starts)
        return None

    def _closing(self, closes: datetime) -> datetime | None:
        """The end of the open stretch ending at ``closes``, joined with any that starts
        right then (Monday's 22:00-24:00 and Tuesday's 00:00-06:00 are one night); None
        when it runs on for more than a week (open around the clock)."""
        for _ in range(16):
            day = closes.astimezone(self.tz).date()
            later = [
                c
                for d in (day - timedelta(days=1), day)
                for o, c in self.stretches(d)
                if o <= closes < c
            ]
            if not later:
                return closes
            closes = max(later)
        return None


def _wall(day: date, offset_minutes: int, tz: ZoneInfo) -> datetime:
    naive = datetime.combine(day, time()) + timedelta(minutes=offset_minutes)
    return naive.replace(tzinfo=tz).astimezone(UTC)


def minutes(value: str) -> int:
    """``"08:30"`` -> 510; ``"24:00"`` -> 1440. Raises ValueError when malformed."""
    hours, mins = value.split(":")
    if len(hours) != 2 or len(mins) != 2 or not (hours + mins).isdigit():
        raise ValueError(value)
    total = int(hours) * 60 + int(mins)
    if int(mins) > 59 or total > 1440:
        raise ValueError(value)
    return total


def _ranges(value: Any) -> Ranges:
    out: list[tuple[int, int]] = []
    for item in value or ():
        try:
            opens, closes = item
            start, end = minutes(str(opens)), minutes(str(closes))
        except (ValueError, TypeError):
            continue  # the API validates; a hand-edited bad range is ignored
        if start < 1440:
            out.append((start, end))
    return tuple(sorted(out))


def _zone(name: Any, default: str | None) -> ZoneInfo:
    for candidate in (name, default, DEFAULT_TIMEZONE):
        if candidate:
            try:
                return ZoneInfo(str(candidate))
            except (ZoneInfoNotFoundError, ValueError, OSError):
                continue
    return ZoneInfo(DEFAULT_TIMEZONE)


def _special(item: Mapping[str, Any]) -> tuple[date, bool, _Special] | None:
    try:
        day = date.fromisoformat(str(item["date"]))
    except (KeyError, ValueError, TypeError):
        return None
    closed = bool(item.get("closed", True))
    label = str(item.get("label") or day.isoformat())
    return day, bool(item.get("yearly")), _Special(closed, _ranges(item.get("ranges")), label)


def compile_hours(
    doc: Mapping[str, Any] | None, default_timezone: str | None = None
) -> Calendar | None:
    """``doc`` parsed once; None (always open) without one, or for an old-shape
    document with no ``days`` at all."""
    if not doc:
        return None
    weekly_doc = doc.get("weekly")
    if not isinstance(weekly_doc, Mapping):
        days = doc.get("days")
        if not isinstance(days, Mapping):
            return None
        weekly_doc = {str(k).upper(): v for k, v in days.items()}
    weekly = tuple(_ranges(weekly_doc.get(day)) for day in DAYS)
    holidays = doc.get("holidays")
    country = subdivision = None
    if isinstance(holidays, Mapping) and holidays.get("closed"):
        country = str(holidays.get("country") or "BR").upper()
        subdivision = holiday_calendar.normalize_subdivision(country, holidays.get("subdivision"))
    once: dict[date, _Special] = {}
    yearly: dict[tuple[int, int], _Special] = {}
    for item in doc.get("overrides") or ():
        parsed = _special(item) if isinstance(item, Mapping) else None
        if parsed is None:
            continue
        day, is_yearly, special = parsed
        if is_yearly:
            yearly[(day.month, day.day)] = special
        else:
            once[day] = special
    return Calendar(
        tz=_zone(doc.get("timezone"), default_timezone),
        weekly=weekly,
        country=country,
        subdivision=subdivision,
        once=once,
        yearly=yearly,
    )


def status(
    hours: Mapping[str, Any] | Calendar | None, at: datetime, default_timezone: str | None = None
) -> HoursStatus:
    """Open or closed at ``at`` (aware), the next opening and why. The bot rules call
    this too (``when.openHours``)."""
    calendar = hours if isinstance(hours, Calendar) else compile_hours(hours, default_timezone)
    if calendar is None:
        return HoursStatus(True, None, "always_open")
    return calendar.status(at)


def opening_text(at: datetime, tz: ZoneInfo) -> str:
    """``"segunda-feira, 07/12 às 08:00"``: the next opening as a customer reads it."""
    local = at.astimezone(tz)
    return f"{_WEEKDAY_PT[local.weekday()]}, {local:%d/%m} às {local:%H:%M}"
