"""The business-hours documents at the API boundary (API.md "Business hours and bot
rules"). Shapes only: app/hours/validation.py checks the values (times, weekdays, zone,
holidays' country and subdivision) so that each problem is a 422 naming its field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from app.schemas import NO_NUL, Camel

Scope = Literal["organization", "department", "connection"]
RangeText = Annotated[list[Annotated[str, msgspec.Meta(max_length=5)]], msgspec.Meta(max_length=4)]
DayRanges = Annotated[list[RangeText], msgspec.Meta(max_length=50)]
OverrideLabel = Annotated[str, msgspec.Meta(max_length=100, pattern=NO_NUL)]
Message = Annotated[str, msgspec.Meta(max_length=2000, pattern=NO_NUL)]
Country = Annotated[str, msgspec.Meta(min_length=2, max_length=3)]
Subdivision = Annotated[str, msgspec.Meta(min_length=1, max_length=16)]
ZoneName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class HolidayRule(Camel):
    """Public holidays of ``country`` (ISO code) plus ``subdivision``'s (a Brazilian
    state: "SP"); ``closed`` says whether they close the day."""

    country: Country = "BR"
    subdivision: Subdivision | None = None
    closed: bool = True


class Override(Camel):
    """One of the organization's own dates: closed, or open only in ``ranges``;
    ``yearly`` repeats it every year on the same day and month."""

    date: date
    yearly: bool = False
    closed: bool = True
    ranges: DayRanges = msgspec.field(default_factory=list)
    label: OverrideLabel = ""


class BusinessHoursInput(Camel):
    """``timezone`` defaults to the organization's; ``weekly`` keys are MON..SUN, a day
    left out is closed; each range is ``["HH:MM", "HH:MM"]`` and may pass midnight."""

    timezone: ZoneName | None = None
    weekly: Annotated[dict[str, DayRanges], msgspec.Meta(max_length=20)] = msgspec.field(
        default_factory=dict
    )
    holidays: HolidayRule = msgspec.field(default_factory=HolidayRule)
    overrides: Annotated[list[Override], msgspec.Meta(max_length=200)] = msgspec.field(
        default_factory=list
    )
    out_of_hours_message: Message | None = None


class BusinessHours(Camel):
    """One level's hours. ``configured`` false: this level has none of its own and the
    fields show what applies (``inheritedFrom``; nothing anywhere is always open)."""

    scope: Scope
    configured: bool
    inherited_from: Scope | None
    timezone: str
    weekly: dict[str, list[list[str]]]
    holidays: HolidayRule
    overrides: list[Override]
    out_of_hours_message: str | None
    out_of_hours_message_default: str
    updated_at: datetime | None


class HoursStatus(Camel):
    """``reason``: weekly | always_open | holiday:<name> | override:<label>.
    ``nextOpeningAt`` is null while open (``closesAt`` says until when) and when no
    opening comes within 400 days. ``decidedBy`` is the level whose hours applied."""

    open: bool
    next_opening_at: datetime | None
    reason: str
    closes_at: datetime | None
    timezone: str
    decided_by: Scope | None
    next_opening_text: str | None


class Holiday(Camel):
    date: date
    name: str
