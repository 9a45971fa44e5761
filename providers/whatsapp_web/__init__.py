"""WhatsApp Web through Playwright: the browser half of the provider.

``WhatsAppWebSession`` drives one connection in one persistent Chromium profile; every
DOM hook lives in ``selectors``; ``lookalike`` serves a local page with WhatsApp Web's
structure for tests and demos.
"""

from providers.whatsapp_web.driver import SessionCallbacks, SessionTimings, WhatsAppWebSession
from providers.whatsapp_web.ratelimit import RateLimits
from providers.whatsapp_web.sender import SendTimings

__all__ = ["RateLimits", "SendTimings", "SessionCallbacks", "SessionTimings", "WhatsAppWebSession"]
