"""Phone normalization and JID helpers."""

from __future__ import annotations

import pytest

from providers.phone import (
    Jid,
    is_group_jid,
    is_lid_jid,
    is_phone_jid,
    jid_user,
    lid_of,
    normalize_phone,
    phone_of_jid,
    split_jid,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Brazil, every common spelling of the same São Paulo mobile
        ("+55 (11) 98765-4321", "5511987654321"),
        ("+5511987654321", "5511987654321"),
        ("5511987654321", "5511987654321"),
        ("11987654321", "5511987654321"),
        ("(11) 98765-4321", "5511987654321"),
        ("011 98765-4321", "5511987654321"),
        ("55 11 98765 4321", "5511987654321"),
        ("5511987654321@s.whatsapp.net", "5511987654321"),
        ("5511987654321@c.us", "5511987654321"),
        ("5511987654321:12@s.whatsapp.net", "5511987654321"),
        # the ninth digit restored for mobiles filed without it, in every DDD
        ("553191234567", "5531991234567"),
        ("553191234567@s.whatsapp.net", "5531991234567"),
        ("+55 31 9123-4567", "5531991234567"),
        ("(31) 9123-4567", "5531991234567"),
        ("3191234567", "5531991234567"),
        ("558588112233", "5585988112233"),
        ("554196543210", "5541996543210"),
        ("556199887766@c.us", "5561999887766"),
        ("557187654321", "5571987654321"),
        ("555196543210", "5551996543210"),
        # ... but never for landlines (subscriber numbers starting 2-5)
        ("551133334444", "551133334444"),
        ("1133334444", "551133334444"),
        ("+55 31 3333-4444", "553133334444"),
        ("554132221100", "554132221100"),
        # other countries never get a ninth digit
        ("+1 (202) 555-0123", "12025550123"),
        ("12025550123", "12025550123"),
        ("+1 415 555 2671", "14155552671"),
        ("+351 912 345 678", "351912345678"),
        ("351912345678", "351912345678"),
        ("351912345678@s.whatsapp.net", "351912345678"),
        ("+44 7911 123456", "447911123456"),
        ("447911123456@c.us", "447911123456"),
        ("+49 1512 3456789", "4915123456789"),
    ],
)
def test_normalize_phone_accepts_common_forms(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "+",
        "0",
        "abc",
        "12345",
        "99999999999999999999999",
        "201234567890123@lid",
        "120363301234567890@g.us",
        "status@broadcast",
        "5511987654321-group",
        "+55 11 1234",
        "5511987654321@newsletter",
        "+999 123456789",
    ],
)
def test_normalize_phone_rejects_what_is_not_a_phone(raw: str) -> None:
    assert normalize_phone(raw) is None


def test_default_region_reads_national_numbers_of_that_country() -> None:
    assert normalize_phone("912 345 678", default_region="PT") == "351912345678"
    assert normalize_phone("(202) 555-0123", default_region="US") == "12025550123"


def test_split_jid() -> None:
    assert split_jid("5511987654321:12@s.whatsapp.net") == Jid(
        "5511987654321", "s.whatsapp.net", 12
    )
    assert split_jid("201234567890123@lid") == Jid("201234567890123", "lid", None)
    assert split_jid("201234567890123:7@lid") == Jid("201234567890123", "lid", 7)
    assert split_jid("120363301234567890@g.us") == Jid("120363301234567890", "g.us", None)
    assert split_jid("5511987654321") == Jid("5511987654321", "", None)
    assert split_jid("5511987654321_1:3@s.whatsapp.net").user == "5511987654321"


def test_jid_kinds() -> None:
    assert jid_user("5511987654321@c.us") == "5511987654321"
    assert is_lid_jid("201234567890123@lid") and not is_lid_jid("5511987654321@c.us")
    assert is_group_jid("120363301234567890@g.us") and not is_group_jid("5511987654321@c.us")
    assert not is_group_jid(None) and not is_lid_jid("")
    assert is_phone_jid("5511987654321@s.whatsapp.net") and is_phone_jid("5511987654321")
    assert not is_phone_jid("201234567890123@lid") and not is_phone_jid(None)
    assert lid_of("201234567890123:5@lid") == "201234567890123"
    assert lid_of("5511987654321@s.whatsapp.net") is None
    assert phone_of_jid("553191234567:4@s.whatsapp.net") == "5531991234567"
    assert phone_of_jid("201234567890123@lid") is None
    assert phone_of_jid("120363301234567890@g.us") is None
