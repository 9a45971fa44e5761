"""Phone numbers as the DOM shows them → E.164 digits.

TODO: switch to providers/phone.py (being written in parallel) once it lands; this is the
minimum the browser side needs.
"""

from __future__ import annotations

import re

_LEGACY_ID = re.compile(r"^(true|false)_([^_]+)_(.+)$")


def normalize_phone(raw: str) -> str | None:
    """Digits only, with the Brazilian ninth digit restored: WhatsApp still reports many
    Brazilian mobiles in the pre-2016 8-digit form (55 + DDD + 8 digits starting 6 to 9)."""
    digits = re.sub(r"\D", "", raw)
    if not 8 <= len(digits) <= 15:
        return None
    if len(digits) == 12 and digits.startswith("55") and digits[4] in "6789":
        digits = digits[:4] + "9" + digits[4:]
    return digits


def phone_from_title(title: str | None) -> str | None:
    """Unsaved contacts are titled with their formatted number ("+55 11 98765-4321");
    a saved name yields None."""
    if not title or not re.fullmatch(r"\+?[\d\s().-]{8,24}", title.strip()):
        return None
    return normalize_phone(title)


def split_legacy_id(data_id: str) -> tuple[bool, str, str] | None:
    """(from_me, jid, bare id) from pre-2025 data-ids like "false_5511…@c.us_3EB0…"."""
    match = _LEGACY_ID.match(data_id)
    if match is None:
        return None
    return match.group(1) == "true", match.group(2), match.group(3)
