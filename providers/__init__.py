"""The one registry of WhatsApp providers.

Everything outside ``providers/`` reaches a provider through ``get_provider(kind)`` —
never through ``if provider == ...`` chains. URL names are the lower-case kinds
(``/api/v1/webhooks/evolution/{connectionId}``).

The WhatsApp-Web provider (``providers/whatsapp_web/``) has no webhooks: its adapter
hands sends to the runner process over Redis. WPPConnect and whatsapp-web.js parsers live in
``providers.wppconnect`` / ``providers.wwebjs`` and have no ``ProviderKind`` of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .base import Provider, ProviderError, ProviderKind
from .evolution import EvolutionProvider
from .meta import MetaProvider
from .native import NativeProvider
from .uazapi import UazapiProvider
from .waha import WahaProvider
from .whatsapp_web.adapter import WhatsAppWebProvider


class UnknownProvider(ProviderError):
    code = "unknown_provider"


PROVIDERS: Mapping[ProviderKind, Provider] = MappingProxyType(
    {
        ProviderKind.EVOLUTION: EvolutionProvider(),
        ProviderKind.WAHA: WahaProvider(),
        ProviderKind.UAZAPI: UazapiProvider(),
        ProviderKind.META: MetaProvider(),
        ProviderKind.NATIVE: NativeProvider(),
        ProviderKind.WHATSAPP_WEB: WhatsAppWebProvider(),
    }
)


def get_provider(kind: ProviderKind | str) -> Provider:
    """The provider for a kind or its URL name (``"evolution"``, ``"whatsapp-web"``);
    UnknownProvider for anything else."""
    try:
        key = (
            kind
            if isinstance(kind, ProviderKind)
            else ProviderKind(kind.strip().upper().replace("-", "_"))
        )
    except (ValueError, AttributeError) as exc:
        raise UnknownProvider(f"unknown provider {kind!r}") from exc
    provider = PROVIDERS.get(key)
    if provider is None:
        raise UnknownProvider(f"provider {key.value} is not registered")
    return provider


__all__ = ["PROVIDERS", "UnknownProvider", "get_provider"]
