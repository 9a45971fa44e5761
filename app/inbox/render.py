"""HTML for the inbox: one Jinja environment (autoescaped, strict), the filters the
templates share, and the static files' cache-busting URLs."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from litestar import MediaType, Response

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
STATIC_PATH = "/inbox/static"
# Security headers for every inbox page: nothing but our own scripts runs, and the
# inbox cannot be framed (clickjacking) or leak its URLs to other sites.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
_COLOR = re.compile(r"^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20})$")


@cache
def static_url(name: str) -> str:
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:10]
    return f"{STATIC_PATH}/{name}?v={digest}"


def format_phone(digits: str | None) -> str:
    if not digits:
        return ""
    if digits.startswith("55") and len(digits) in (12, 13):
        local = digits[4:]
        return f"+55 {digits[2:4]} {local[:-4]}-{local[-4:]}"
    return f"+{digits}"


def initials(name: str | None) -> str:
    parts = [p for p in (name or "").split() if p[:1].isalnum()]
    if not parts:
        return "?"
    return (parts[0][0] + (parts[-1][0] if len(parts) > 1 else "")).upper()


def safe_color(value: str | None) -> str:
    """A tabulation's color, only if it is a plain CSS color (it lands in a style)."""
    return value if value and _COLOR.match(value) else "#8696a0"


def duration(seconds: float | int | None) -> str:
    if seconds is None:
        return ""
    total = round(float(seconds))
    return f"{total // 60}:{total % 60:02d}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(phone=format_phone, initials=initials, color=safe_color, duration=duration)
    env.globals.update(static=static_url)
    return env


ENV = _environment()


class Clock:
    """Times in the organization's zone (BALCAO_TIMEZONE), for the templates."""

    def __init__(self, zone: str) -> None:
        self.zone = ZoneInfo(zone)

    def local(self, moment: datetime | None) -> datetime | None:
        return moment.astimezone(self.zone) if moment else None

    def hhmm(self, moment: datetime | None) -> str:
        local = self.local(moment)
        return f"{local:%H:%M}" if local else ""

    def day(self, moment: datetime | None) -> str:
        local = self.local(moment)
        return f"{local:%d/%m/%Y}" if local else ""

    def full(self, moment: datetime | None) -> str:
        local = self.local(moment)
        return f"{local:%d/%m/%Y %H:%M}" if local else ""

    @staticmethod
    def iso(moment: datetime | None) -> str:
        return moment.isoformat() if moment else ""


def render(template: str, **context: Any) -> str:
    """``Template.render``, cutting the render's reference cycle loose afterwards.

    A render leaves its context in a cycle with the macros it called, and the cycle
    held the page's rows: they were freed only when the collector next ran, tens of
    thousands of objects at once (the api's young-generation threshold is 50,000,
    app.cli), pausing one page in ~50 for 30-70 ms (bench/settings). Emptied, the cycle
    is a handful of objects and the rows go with the request."""
    compiled = ENV.get_template(template)
    ctx = compiled.new_context(context)
    try:
        return ENV.concat(compiled.root_render_func(ctx))
    except Exception:
        ENV.handle_exception()  # Jinja's own traceback, pointing into the template
        raise
    finally:
        ctx.parent.clear()  # a copy of globals and ``context`` (the context is not shared)
        ctx.vars.clear()


def html(template: str, *, status_code: int = 200, **context: Any) -> Response[str]:
    return Response(
        render(template, **context),
        media_type=MediaType.HTML,
        status_code=status_code,
        headers=PAGE_HEADERS,
    )
