"""Display names of the built-in kinds, for screens; a provider from BALCAO_PROVIDERS
may carry a ``name`` attribute of its own, else its kind is shown. Kept here because
nothing outside ``providers/`` spells a kind (tests/unit/providers/test_contract.py)."""

from __future__ import annotations

from typing import Final

DISPLAY_NAMES: Final[dict[str, str]] = {
    "EVOLUTION": "Evolution API",
    "WAHA": "WAHA",
    "UAZAPI": "UAZapi",
    "META": "Meta (WhatsApp Cloud API)",
    "WHATSAPP_WEB": "WhatsApp Web",
    "NATIVE": "Native (HTTP)",
}

# Why a kind without groups (``Capabilities.groups`` False) has none, for the groups
# API's 409 ``groups_not_supported``.
NO_GROUPS: Final[dict[str, str]] = {
    "META": "Groups are not available on the WhatsApp Cloud API.",
}
