"""whatsapp-web.js ``Message`` objects → InboundEvent (for the WhatsApp-Web runner)."""

from .adapter import parse_wwebjs_message

__all__ = ["parse_wwebjs_message"]
