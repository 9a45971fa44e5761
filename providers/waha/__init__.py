"""WAHA (WhatsApp HTTP API): webhooks in, sends out."""

from .adapter import WahaProvider

__all__ = ["WahaProvider"]
