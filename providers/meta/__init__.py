"""Meta WhatsApp Cloud API: webhooks in (with the GET handshake), sends out."""

from .adapter import MetaProvider, verify_challenge

__all__ = ["MetaProvider", "verify_challenge"]
