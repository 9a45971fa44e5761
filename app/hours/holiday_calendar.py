"""Public holidays from the ``holidays`` package, shared by business hours and the
campaigns' schedule (app/campaigns/schedule.py): one cached table per country,
subdivision and year, names in Portuguese where the package has them.

Only the package's default ("public") category is used: in Brazil Carnival, Ash
Wednesday and Corpus Christi are *pontos facultativos* (its "optional" category) and
most businesses open, so they close nothing."""

from __future__ import annotations

import functools
from datetime import date

import holidays

__all__ = ["countries", "holiday_name", "holidays_for", "normalize_subdivision", "subdivisions"]

LANGUAGE = "pt_BR"


@functools.cache
def countries() -> tuple[str, ...]:
    """The ISO country codes the package knows."""
    return tuple(sorted(holidays.list_supported_countries()))


@functools.cache
def subdivisions(country: str) -> tuple[str, ...]:
    """The country's subdivision codes (for BR: the 27 states, then its cities' codes)."""
    return tuple(str(s) for s in holidays.country_holidays(country).subdivisions)


def normalize_subdivision(country: str, subdivision: str | None) -> str | None:
    """The package's code for ``subdivision`` ("sp" -> "SP"); None when blank or unknown."""
    if not subdivision or country not in countries():
        return None
    wanted = subdivision.strip().casefold()
    for known in subdivisions(country):
        if known.casefold() == wanted:
            return known
    return None


@functools.lru_cache(maxsize=512)
def _table(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    # A language the country does not translate into falls back to its own.
    found = holidays.country_holidays(country, subdiv=subdivision, years=year, language=LANGUAGE)
    return {day: str(name) for day, name in found.items() if day.year == year}


def holidays_for(country: str, subdivision: str | None, year: int) -> list[tuple[date, str]]:
    """The year's holidays of ``country`` (plus the subdivision's, when known), by date."""
    if country not in countries():
        return []
    return sorted(_table(country, normalize_subdivision(country, subdivision), year).items())


def holiday_name(country: str, subdivision: str | None, day: date) -> str | None:
    """``day``'s holiday name, or None; ``subdivision`` must already be normalized."""
    if country not in countries():
        return None
    return _table(country, subdivision, day.year).get(day)
