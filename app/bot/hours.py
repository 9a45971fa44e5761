"""The bot's one call into business hours: the hours that apply to the turn
(connection → the session's department → organization, holidays and the organization's
own dates: app/hours), judged once per turn by the responder (workers.respond_rules
``TurnHours``) and handed to the bot."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from app.hours.effective import next_opening_text as _opening_text
from workers.respond_rules import DEFAULT_TIMEZONE, TurnHours


def open_now(hours: TurnHours) -> bool:
    return hours.status.open


def next_opening_text(hours: TurnHours) -> str | None:
    """ "segunda-feira, 07/12 às 08:00" (local); None when open now or never opening."""
    if hours.status.open or hours.status.next_opening_at is None:
        return None
    return _opening_text(hours.status, hours.calendar)


def local_time(hours: TurnHours) -> datetime:
    tz = hours.calendar.tz if hours.calendar else ZoneInfo(DEFAULT_TIMEZONE)
    return hours.at.astimezone(tz)
