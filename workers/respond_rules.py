"""The responder's pure rules: business hours, handoff keywords, splitting a long answer
and fitting the history into a budget. No I/O, so each is unit-tested on its own."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.hours.calendar import Calendar, HoursStatus
from app.hours.calendar import status as hours_status
from app.hours.effective import Level, effective, next_opening_text, render_notice

T = TypeVar("T")
DEFAULT_TIMEZONE = "America/Sao_Paulo"
CHARS_PER_TOKEN = 4


def zone(hours: Mapping[str, Any] | None) -> ZoneInfo:
    name = (hours or {}).get("timezone") or DEFAULT_TIMEZONE
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def is_open(hours: Mapping[str, Any] | None, at: datetime) -> bool:
    """Whether ``hours`` (one level's document, app/hours/calendar.py: weekly ranges,
    holidays, own dates; or the old ``{timezone, days}`` shape) is open at ``at``; no
    hours at all means always open. The responder itself uses :func:`turn_hours`."""
    return hours_status(hours, at).open


@dataclass(frozen=True, slots=True)
class TurnHours:
    """The hours that apply to a turn (connection -> session's department ->
    organization, app/hours/effective.py), judged once at the turn's instant."""

    calendar: Calendar | None
    message: str | None
    status: HoursStatus
    at: datetime

    def notice(self, organization_name: str) -> str:
        return render_notice(self.message, organization_name, self.status, self.calendar)

    def now_text(self) -> str:
        """The prompt's "agora": the local time, and the next opening when closed."""
        tz = self.calendar.tz if self.calendar else ZoneInfo(DEFAULT_TIMEZONE)
        text = _local_text(self.at.astimezone(tz))
        if not self.status.open:
            opening = next_opening_text(self.status, self.calendar)
            text += f" (fora do horário de atendimento; próxima abertura: {opening})"
        return text


def turn_hours(levels: Sequence[Level], at: datetime, default_timezone: str | None) -> TurnHours:
    applied = effective(*levels)
    calendar = applied.calendar(default_timezone)
    return TurnHours(calendar, applied.message, hours_status(calendar, at), at)


def hours_of(row: Any, at: datetime) -> TurnHours:
    """The hours of a row that carries the connection's (``business_hours``,
    ``out_of_hours_message``), the session's department's and the organization's hours
    columns and the organization's time zone (respond_store ``_TURN``, bot ``_DUE``)."""
    levels = (
        Level("connection", row.business_hours, row.out_of_hours_message),
        Level("department", row.department_hours, row.department_hours_message),
        Level("organization", row.organization_hours, row.organization_hours_message),
    )
    return turn_hours(levels, at, row.organization_timezone)


def fold(text: str) -> str:
    """Lower case without accents: "Atendênte" and "atendente" match."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# API.md: a customer message that is only one of these words opts the contact out of
# campaigns (LGPD). Case, accents and the punctuation around it are ignored.
OPT_OUT_WORDS = frozenset({"sair", "parar", "stop", "cancelar", "descadastrar"})


def is_opt_out(text: str | None) -> bool:
    word = re.sub(r"[^\w]+", " ", fold(text or "")).strip()
    return word in OPT_OUT_WORDS


def matched_keyword(text: str, keywords: Sequence[Any]) -> str | None:
    """The first keyword present in ``text`` as whole words, case and accents ignored."""
    folded = fold(text)
    for keyword in keywords:
        word = fold(str(keyword)).strip()
        if word and re.search(rf"(?<!\w){re.escape(word)}(?!\w)", folded):
            return str(keyword)
    return None


def split_answer(text: str, limit: int = 1000) -> list[str]:
    """Paragraphs packed into messages of at most ``limit`` characters; a paragraph longer
    than that is cut at sentence ends, then at spaces."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    parts: list[str] = []
    current = ""
    for paragraph in paragraphs:
        for piece in _pieces(paragraph, limit):
            joined = f"{current}\n\n{piece}" if current else piece
            if len(joined) <= limit:
                current = joined
            else:
                parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


def _pieces(paragraph: str, limit: int) -> list[str]:
    if len(paragraph) <= limit:
        return [paragraph]
    pieces: list[str] = []
    current = ""
    for sentence in re.split(r"(?<=[.!?…])\s+", paragraph):
        for word_run in _hard_cut(sentence, limit):
            joined = f"{current} {word_run}" if current else word_run
            if len(joined) <= limit:
                current = joined
            else:
                pieces.append(current)
                current = word_run
    if current:
        pieces.append(current)
    return pieces


def _hard_cut(sentence: str, limit: int) -> list[str]:
    if len(sentence) <= limit:
        return [sentence]
    out: list[str] = []
    current = ""
    for word in sentence.split():
        while len(word) > limit:  # a URL or a run without spaces
            if current:
                out.append(current)
                current = ""
            out.append(word[:limit])
            word = word[limit:]
        joined = f"{current} {word}" if current else word
        if len(joined) <= limit:
            current = joined
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    return out


def within_budget(newest_first: Iterable[tuple[T, str]], tokens: int) -> list[T]:
    """Take items newest first while their text fits ``tokens`` (~4 characters each), then
    return them oldest first, as the model reads a conversation."""
    budget = tokens * CHARS_PER_TOKEN
    taken: list[T] = []
    for item, text in newest_first:
        budget -= len(text)
        if budget < 0:
            break
        taken.append(item)
    taken.reverse()
    return taken


_WEEKDAY_PT = (
    "segunda-feira",
    "terça-feira",
    "quarta-feira",
    "quinta-feira",
    "sexta-feira",
    "sábado",
    "domingo",
)


def local_now_text(hours: Mapping[str, Any] | None, at: datetime) -> str:
    return _local_text(at.astimezone(zone(hours)))


def _local_text(local: datetime) -> str:
    return f"{_WEEKDAY_PT[local.weekday()]}, {local:%d/%m/%Y %H:%M}"


def block_until(now: datetime, minutes: int) -> datetime:
    return now + timedelta(minutes=minutes)
