"""The providers a connection can be made on, and the settings each one takes: what a
client (the web app's "new number" form, a CRM's setup screen) needs to build exactly
that provider's form without knowing the providers itself."""

from __future__ import annotations

from litestar import Controller, get

from app.schemas import Camel
from providers import registered
from providers.base import Provider, Provisioner
from providers.names import DISPLAY_NAMES as _NAMES


class ProviderConfigKey(Camel):
    name: str
    required: bool  # sends fail without it (the API still accepts it missing)
    secret: bool  # write-only: never returned by the connections API
    url: bool  # must be an http(s) URL


class ProviderCapabilities(Camel):
    groups: bool
    presence: bool
    paces_itself: bool
    media: list[str]
    # How a number is paired: "qr" (scan a QR code), "token" (credentials, and our
    # webhook URL pasted in the provider's dashboard: Meta), "none".
    pairing: str


class ProviderInfo(Camel):
    kind: str
    name: str
    config_keys: list[ProviderConfigKey]
    capabilities: ProviderCapabilities
    # The platform sets this provider's session up itself and checks its state
    # periodically (POST /api/v1/connections/{id}/provision starts it again).
    provisioned: bool


def provider_info(provider: Provider) -> ProviderInfo:
    caps = provider.capabilities
    name = getattr(provider, "name", None)
    return ProviderInfo(
        kind=provider.kind,
        name=name if isinstance(name, str) and name else _NAMES.get(provider.kind, provider.kind),
        config_keys=[
            ProviderConfigKey(name=k.name, required=k.required, secret=k.secret, url=k.url)
            for k in provider.config_keys
        ],
        capabilities=ProviderCapabilities(
            groups=caps.groups,
            presence=caps.presence,
            paces_itself=caps.paces_itself,
            media=sorted(caps.media),
            pairing=caps.pairing,
        ),
        provisioned=isinstance(provider, Provisioner),
    )


class ProviderController(Controller):
    path = "/api/v1/providers"
    tags = ["connections"]

    @get("/")
    async def list_providers(self) -> list[ProviderInfo]:
        """Every registered provider with the ``config`` keys its connections accept."""
        return [provider_info(p) for p in registered().values()]
