"""Phone numbers and WhatsApp JIDs.

Every provider hands us the same person in a different spelling: ``+55 (11) 98765-4321``,
``5511987654321``, ``5511987654321@s.whatsapp.net``, ``5511987654321:12@s.whatsapp.net``
(a linked device), ``5511987654321@c.us`` (WhatsApp Web), or no phone at all — only a
LID (``201234567890123@lid``). ``normalize_phone`` turns every phone spelling into E.164
digits without ``+``; the JID helpers tell phones, LIDs and groups apart.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import phonenumbers

PHONE_SERVERS = frozenset({"s.whatsapp.net", "c.us", ""})
LID_SERVER = "lid"
GROUP_SERVER = "g.us"
_PUNCTUATION = str.maketrans("", "", " ()-./\u00a0\t")


class Jid(NamedTuple):
    user: str  # without the device suffix
    server: str  # "" for bare digits
    device: int | None


def split_jid(jid: str) -> Jid:
    """``5511987654321:12@s.whatsapp.net`` → ``Jid("5511987654321", "s.whatsapp.net", 12)``."""
    user, _, server = jid.strip().partition("@")
    user, _, device = user.partition(":")
    # Baileys also writes agent ids as ``user_1:12``; the agent is part of the device.
    user = user.partition("_")[0] if server in ("s.whatsapp.net", LID_SERVER) else user
    return Jid(user, server.lower(), int(device) if device.isdigit() else None)


def jid_user(jid: str) -> str:
    """The user part of a JID without server or device: the digits, LID or group id."""
    return split_jid(jid).user


def is_group_jid(jid: str | None) -> bool:
    return bool(jid) and split_jid(jid or "").server == GROUP_SERVER


def is_lid_jid(jid: str | None) -> bool:
    return bool(jid) and split_jid(jid or "").server == LID_SERVER


def is_phone_jid(jid: str | None) -> bool:
    """A JID (or bare number) that names a phone: ``@s.whatsapp.net``, ``@c.us`` or digits."""
    if not jid:
        return False
    parts = split_jid(jid)
    return parts.server in PHONE_SERVERS and bool(parts.user)


def lid_of(jid: str | None) -> str | None:
    """The LID (``123@lid`` without the suffix) when ``jid`` is one, else None."""
    if not jid:
        return None
    parts = split_jid(jid)
    return parts.user or None if parts.server == LID_SERVER else None


def phone_of_jid(jid: str | None) -> str | None:
    """E.164 digits of a phone JID; None for LIDs, groups, broadcasts and garbage."""
    if not jid or not is_phone_jid(jid):
        return None
    if "@" not in jid:  # a bare number: let normalize_phone tell national from international
        return normalize_phone(jid)
    return normalize_phone("+" + jid_user(jid))


def normalize_phone(raw: str, default_region: str = "BR") -> str | None:
    """E.164 digits without ``+`` for any common spelling of a number, or None.

    Digits without ``+`` are read as international when they are long enough to carry a
    country code (12+), else as a national number of ``default_region`` first — a
    Brazilian ``11987654321`` and an American ``12025550123`` both come out right."""
    return _normalize(raw.strip(), default_region)


@lru_cache(maxsize=8192)
def _normalize(raw: str, default_region: str) -> str | None:
    if "@" in raw or ":" in raw:
        if not is_phone_jid(raw):
            return None
        raw = "+" + jid_user(raw)
    compact = raw.translate(_PUNCTUATION)
    candidates: list[tuple[str, str | None]]
    if compact.startswith("+"):
        candidates = [(compact, None)]
    elif compact.isdigit():
        international = ("+" + compact, None)
        national = (compact, default_region)
        candidates = [international, national] if len(compact) >= 12 else [national, international]
    else:
        return None
    for text, region in candidates:
        found = _parse_valid(text, region)
        if found:
            return found
    return None


def _parse_valid(text: str, region: str | None) -> str | None:
    if len(text) > 20:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    _restore_brazilian_ninth_digit(number)
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]


def _restore_brazilian_ninth_digit(number: phonenumbers.PhoneNumber) -> None:
    """WhatsApp still files many Brazilian mobiles under their pre-2016 eight-digit form
    (Evolution's ``createJid.formatBRNumber`` strips the 9 for DDD >= 31, Meta's ``wa_id``
    omits it); every mobile subscriber number starts with 6-9, landlines with 2-5."""
    if number.country_code != 55:
        return
    national = str(number.national_number)
    if len(national) == 10 and national[2] in "6789":
        number.national_number = int(national[:2] + "9" + national[2:])
