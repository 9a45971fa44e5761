"""WPPConnect Server webhooks (parsing only: there is no WPPConnect ProviderKind yet)."""

from .adapter import parse_wppconnect

__all__ = ["parse_wppconnect"]
