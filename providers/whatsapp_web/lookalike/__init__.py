"""A local page that reproduces WhatsApp Web's DOM so the driver's selectors can be tested
in a real browser without touching the real site."""

from providers.whatsapp_web.lookalike.app import create_lookalike_app
from providers.whatsapp_web.lookalike.server import LookalikeServer, run_lookalike
from providers.whatsapp_web.lookalike.state import LookalikeConfig, LookalikeState

__all__ = [
    "LookalikeConfig",
    "LookalikeServer",
    "LookalikeState",
    "create_lookalike_app",
    "run_lookalike",
]
