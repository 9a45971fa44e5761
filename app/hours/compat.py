"""The connection API's older ``businessHours`` shape, ``{timezone, days: {mon:
[["08:00", "18:00"]]}}``, mapped onto the connection-level hours document and back
(a connection's POST/PATCH and its GET keep working; they are the same hours as
``/connections/{id}/business-hours``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.hours.calendar import DAYS

# Hours set through the old shape never closed on holidays; they still do not.
OLD_SHAPE_HOLIDAYS = {"country": "BR", "subdivision": None, "closed": False}


def document_from_old(
    timezone: str, days: Mapping[str, list[list[str]]], existing: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The new document with the old shape's zone and ranges; holidays and own dates
    already set (through the new API) are kept."""
    weekly = {day: [list(r) for r in days[day.lower()]] for day in DAYS if days.get(day.lower())}
    kept = dict(existing or {})
    return {
        "timezone": timezone,
        "weekly": weekly,
        "holidays": kept.get("holidays") or dict(OLD_SHAPE_HOLIDAYS),
        "overrides": kept.get("overrides") or [],
    }


def old_from_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """The old shape knows no "24:00": a range ending at midnight ends at "00:00"
    there, which it reads as running past midnight - to midnight."""
    weekly = document.get("weekly")
    if not isinstance(weekly, Mapping):  # a row the migration has not rewritten
        return {"timezone": document.get("timezone"), "days": document.get("days") or {}}
    return {
        "timezone": document.get("timezone"),
        "days": {
            str(day).lower(): [[start, "00:00" if end == "24:00" else end] for start, end in ranges]
            for day, ranges in weekly.items()
        },
    }
