"""``check_*``: a business-hours body, value by value, into the stored document. Each
problem is a 422 with a stable code and the field as the API spells it
(``weekly.MON[1]``, ``overrides[0].ranges``, ``holidays.subdivision``)."""

from __future__ import annotations

import itertools
from typing import Any

from app.errors import ValidationFailed
from app.hours import holiday_calendar
from app.hours.calendar import DAYS, minutes
from app.hours.schemas import BusinessHoursInput, HolidayRule
from app.organization.services import zones

MAX_RANGES_PER_DAY = 6
_START_LIMIT = 1439  # a range starts by 23:59; it may end at 24:00


def check_timezone(name: str) -> str:
    if name not in zones():
        raise ValidationFailed(
            f"Unknown time zone {name!r}: use an IANA name such as America/Sao_Paulo.",
            code="invalid_timezone",
            field="timezone",
        )
    return name


def check_ranges(value: list[list[str]], where: str) -> list[list[str]]:
    """Sorted ``[start, end]`` pairs that do not overlap; ``end <= start`` passes
    midnight."""
    if len(value) > MAX_RANGES_PER_DAY:
        raise ValidationFailed(
            f"At most {MAX_RANGES_PER_DAY} ranges a day.", code="too_many_ranges", field=where
        )
    spans: list[tuple[int, int, list[str]]] = []
    for index, item in enumerate(value):
        field = f"{where}[{index}]"
        if len(item) != 2:
            raise ValidationFailed(
                'A range is ["HH:MM", "HH:MM"].', code="invalid_range", field=field
            )
        start, end = (_clock(text, field) for text in item)
        if start > _START_LIMIT:
            raise ValidationFailed(
                "A range starts by 23:59.", code="invalid_time", field=f"{field}[0]"
            )
        if start == end:
            raise ValidationFailed(
                "Start and end are equal; for the whole day use 00:00-24:00.",
                code="empty_range",
                field=field,
            )
        spans.append((start, end if end > start else end + 1440, [item[0], item[1]]))
    spans.sort()
    for (_, first_end, first), (second_start, _, second) in itertools.pairwise(spans):
        if second_start < first_end:
            raise ValidationFailed(
                f"Ranges {first[0]}-{first[1]} and {second[0]}-{second[1]} overlap.",
                code="overlapping_ranges",
                field=where,
            )
    return [pair for _, _, pair in spans]


def _clock(text: str, field: str) -> int:
    try:
        return minutes(text)
    except ValueError:
        raise ValidationFailed(
            f"{text!r} is not a time of day: use HH:MM, 00:00 to 24:00.",
            code="invalid_time",
            field=field,
        ) from None


def check_weekly(weekly: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    for key, ranges in weekly.items():
        day = key.strip().upper()
        if day not in DAYS:
            raise ValidationFailed(
                f"Unknown weekday {key!r}: use {', '.join(DAYS)}.",
                code="invalid_day",
                field=f"weekly.{key}",
                allowed=list(DAYS),
            )
        if day in out:
            raise ValidationFailed(
                f"{day} is given twice.", code="invalid_day", field=f"weekly.{key}"
            )
        checked = check_ranges(ranges, f"weekly.{day}")
        if checked:
            out[day] = checked
    return {day: out[day] for day in DAYS if day in out}


def check_holidays(rule: HolidayRule) -> dict[str, Any]:
    country = rule.country.strip().upper()
    if country not in holiday_calendar.countries():
        raise ValidationFailed(
            f"Unknown country {rule.country!r}: use its ISO code, such as BR.",
            code="invalid_country",
            field="holidays.country",
        )
    subdivision = None
    if rule.subdivision is not None and rule.subdivision.strip():
        subdivision = holiday_calendar.normalize_subdivision(country, rule.subdivision)
        if subdivision is None:
            raise ValidationFailed(
                f"Unknown subdivision {rule.subdivision!r} of {country}.",
                code="invalid_subdivision",
                field="holidays.subdivision",
                allowed=list(holiday_calendar.subdivisions(country)),
            )
    return {"country": country, "subdivision": subdivision, "closed": rule.closed}


def check_overrides(data: BusinessHoursInput) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[tuple[bool, str]] = set()
    for index, item in enumerate(data.overrides):
        where = f"overrides[{index}]"
        key = (item.yearly, item.date.strftime("%m-%d") if item.yearly else item.date.isoformat())
        if key in seen:
            raise ValidationFailed(
                "That date is given twice.", code="duplicate_override", field=f"{where}.date"
            )
        seen.add(key)
        ranges = check_ranges(item.ranges, f"{where}.ranges")
        if not item.closed and not ranges:
            raise ValidationFailed(
                "A date that is not closed needs its special ranges.",
                code="missing_ranges",
                field=f"{where}.ranges",
            )
        out.append(
            {
                "date": item.date.isoformat(),
                "yearly": item.yearly,
                "closed": item.closed,
                "ranges": [] if item.closed else ranges,
                "label": item.label.strip() or item.date.isoformat(),
            }
        )
    out.sort(key=lambda o: (o["date"][5:], o["date"]))  # by day of the year
    return out


def check_document(data: BusinessHoursInput, default_timezone: str) -> dict[str, Any]:
    """The stored document (app/hours/calendar.py reads it)."""
    return {
        "timezone": check_timezone(data.timezone or default_timezone),
        "weekly": check_weekly(data.weekly),
        "holidays": check_holidays(data.holidays),
        "overrides": check_overrides(data),
    }


def check_message(text: str | None) -> str | None:
    """Blank is "no text of our own" (the next level's, else the built-in one)."""
    return (text or "").strip() or None
