"""WhatsApp Web through Playwright: the browser half of the provider.

``WhatsAppWebSession`` drives one connection in one persistent Chromium profile; every
DOM hook lives in ``selectors``; ``lookalike`` serves a local page with WhatsApp Web's
structure for tests and demos; ``adapter`` is the Provider the registry holds, and
``runner`` the process that owns the browsers.

The names below load on first use: importing Playwright costs over a second, and every
process that imports the provider registry (api, worker, CLI) must not pay it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from providers.whatsapp_web.driver import (
        SessionCallbacks,
        SessionTimings,
        WhatsAppWebSession,
    )
    from providers.whatsapp_web.ratelimit import RateLimits
    from providers.whatsapp_web.sender import SendTimings

_LAZY = {
    "SessionCallbacks": "providers.whatsapp_web.driver",
    "SessionTimings": "providers.whatsapp_web.driver",
    "WhatsAppWebSession": "providers.whatsapp_web.driver",
    "RateLimits": "providers.whatsapp_web.ratelimit",
    "SendTimings": "providers.whatsapp_web.sender",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = ["RateLimits", "SendTimings", "SessionCallbacks", "SessionTimings", "WhatsAppWebSession"]
