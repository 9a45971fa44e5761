"""The one registry of WhatsApp providers.

Everything outside ``providers/`` reaches a provider through ``get_provider(kind)`` —
never through ``if provider == ...`` chains — and asks it what it can do
(``capabilities``) and accepts (``config_keys``). URL names are the lower-case kinds
(``/api/v1/webhooks/evolution/{connectionId}``).

The providers of this tree are listed in ``_BUILTIN``. Others register without a line
changed here: ``BALCAO_PROVIDERS=package.module,...`` names modules whose ``PROVIDER``
attribute is a provider; each process (api, worker, CLI) imports them the first time it
is asked for a kind it does not know, or for the whole list. ``register(provider)`` does
the same from code. Either way ``providers.contract.problems`` must find nothing.

The WhatsApp-Web provider (``providers/whatsapp_web/``) has no webhooks: its adapter
hands sends to the runner process over Redis. WPPConnect and whatsapp-web.js parsers live in
``providers.wppconnect`` / ``providers.wwebjs`` and have no kind of their own.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from types import MappingProxyType

from . import contract
from .base import Provider, ProviderError
from .evolution import EvolutionProvider
from .meta import MetaProvider
from .native import NativeProvider
from .uazapi import UazapiProvider
from .waha import WahaProvider
from .whatsapp_web.adapter import WhatsAppWebProvider

PROVIDERS_ENV = "BALCAO_PROVIDERS"


class UnknownProvider(ProviderError):
    code = "unknown_provider"


class InvalidProvider(ProviderError):
    """A provider that cannot be registered: it breaks the contract, its kind is taken,
    or its module (``BALCAO_PROVIDERS``) does not load."""

    code = "invalid_provider"


_BUILTIN: tuple[Provider, ...] = (
    EvolutionProvider(),
    WahaProvider(),
    UazapiProvider(),
    MetaProvider(),
    WhatsAppWebProvider(),
    NativeProvider(),
)
BUILTIN_KINDS: tuple[str, ...] = tuple(p.kind for p in _BUILTIN)
_registry: dict[str, Provider] = {}
_loaded_modules: set[str] = set()
# A live, read-only view: providers registered later appear in it.
PROVIDERS: Mapping[str, Provider] = MappingProxyType(_registry)


def register(provider: Provider) -> Provider:
    """Add ``provider`` under its kind; InvalidProvider when it breaks the contract or
    another provider holds the kind. Registering the same object again is a no-op."""
    found = contract.problems(provider)
    if found:
        raise InvalidProvider(f"{type(provider).__name__}: {'; '.join(found)}")
    held = _registry.get(provider.kind)
    if held is not None and held is not provider:
        raise InvalidProvider(f"provider kind {provider.kind} is already registered")
    _registry[provider.kind] = provider
    return provider


def load_providers(modules: str | None = None) -> list[Provider]:
    """Import each module named in ``modules`` (comma-separated; default
    ``$BALCAO_PROVIDERS``) and register its ``PROVIDER``. A module loads once."""
    spec = os.environ.get(PROVIDERS_ENV, "") if modules is None else modules
    loaded: list[Provider] = []
    for name in (part.strip() for part in spec.split(",")):
        if not name or name in _loaded_modules:
            continue
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise InvalidProvider(f"{PROVIDERS_ENV}: cannot import {name!r}: {exc}") from exc
        provider = getattr(module, "PROVIDER", None)
        if provider is None:
            raise InvalidProvider(f"{PROVIDERS_ENV}: module {name!r} has no PROVIDER")
        loaded.append(register(provider))
        _loaded_modules.add(name)
    return loaded


def registered() -> Mapping[str, Provider]:
    """Every provider by kind, those named in ``BALCAO_PROVIDERS`` included."""
    load_providers()
    return PROVIDERS


def find_provider(kind: str) -> Provider | None:
    """The provider registered under exactly ``kind`` (``"EVOLUTION"``), or None."""
    provider = _registry.get(kind)
    if provider is None and isinstance(kind, str):
        load_providers()
        provider = _registry.get(kind)
    return provider


def get_provider(kind: str) -> Provider:
    """The provider for a kind or its URL name (``"evolution"``, ``"whatsapp-web"``);
    UnknownProvider for anything else."""
    try:
        key = kind.strip().upper().replace("-", "_")
    except AttributeError as exc:
        raise UnknownProvider(f"unknown provider {kind!r}") from exc
    provider = find_provider(key)
    if provider is None:
        raise UnknownProvider(f"unknown provider {kind!r}")
    return provider


for _provider in _BUILTIN:
    register(_provider)

__all__ = [
    "BUILTIN_KINDS",
    "PROVIDERS",
    "PROVIDERS_ENV",
    "InvalidProvider",
    "UnknownProvider",
    "find_provider",
    "get_provider",
    "load_providers",
    "register",
    "registered",
]
