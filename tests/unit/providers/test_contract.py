"""The provider contract holds for every registered provider and for one from outside
the tree (tests/fixtures/provider_plugin/acme); the checker refuses what breaks it; the
registry opens to ``BALCAO_PROVIDERS``; and nothing outside ``providers/`` names a
provider kind's members (the registry is the one place that lists them)."""

from __future__ import annotations

import ast
import inspect
import json
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from expectations import as_expected

import providers
from providers import InvalidProvider, UnknownProvider, contract, get_provider, registered
from providers.base import (
    Capabilities,
    ChallengeResponder,
    ConfigKey,
    ConnectionHooks,
    MediaKind,
    MediaUploader,
    Provider,
    ProviderKind,
    Provisioner,
    media_uploader_of,
)

ROOT = Path(__file__).resolve().parents[3]
PLUGINS = ROOT / "tests" / "fixtures" / "provider_plugin"
sys.path.insert(0, str(PLUGINS))

import acme  # noqa: E402  the plugin folder is put on the path just above

ALL: list[Provider] = [*registered().values(), acme.PROVIDER]
IDS = [p.kind for p in ALL]
# What the connections API accepted before the keys moved into the providers (API.md
# "Provider config keys"): names, then which are write-only, then which must be URLs.
BUILTIN_CONFIG = {
    "EVOLUTION": ({"baseUrl", "apiKey", "instance"}, {"apiKey"}, {"baseUrl"}),
    "WAHA": (
        {"baseUrl", "apiKey", "session", "webhookHmacKey"},
        {"apiKey", "webhookHmacKey"},
        {"baseUrl"},
    ),
    "UAZAPI": ({"baseUrl", "token", "instance"}, {"token"}, {"baseUrl"}),
    "META": (
        {"phoneNumberId", "accessToken", "appSecret", "verifyToken"}
        | {"graphBaseUrl", "graphVersion"},
        {"accessToken", "appSecret", "verifyToken"},
        {"graphBaseUrl"},
    ),
    "NATIVE": ({"sendUrl", "secret", "groupsUrl"}, {"secret"}, {"sendUrl", "groupsUrl"}),
    "WHATSAPP_WEB": ({"webUrl"}, set(), {"webUrl"}),
}


# -- every provider -----------------------------------------------------------------


@pytest.mark.parametrize("provider", ALL, ids=IDS)
def test_the_provider_satisfies_the_contract(provider: Provider) -> None:
    assert contract.problems(provider) == []
    assert isinstance(provider, Provider)
    for name in ("send", "send_presence", "resolve_media"):
        assert inspect.iscoroutinefunction(getattr(provider, name)), name
    for name in ("verify", "parse", "media_headers"):
        assert not inspect.iscoroutinefunction(getattr(provider, name)), name


@pytest.mark.parametrize("provider", ALL, ids=IDS)
def test_capabilities_are_declared_and_consistent(provider: Provider) -> None:
    caps = provider.capabilities
    assert isinstance(caps, Capabilities)
    assert caps.media <= set(typing.get_args(MediaKind))
    assert not caps.presence_holds or caps.presence  # only a real indicator can hold
    assert not (caps.paces_itself and caps.presence)  # it types; there is nothing to show


@pytest.mark.parametrize("provider", ALL, ids=IDS)
def test_config_keys_are_sane(provider: Provider) -> None:
    keys = provider.config_keys
    assert all(isinstance(key, ConfigKey) for key in keys)
    assert len({key.name for key in keys}) == len(keys)
    assert not any(key.secret and key.url for key in keys)  # a URL is shown, a secret never
    assert provider.media_headers({}) == {}  # no credentials configured, none sent


@pytest.mark.parametrize("kind", sorted(BUILTIN_CONFIG))
def test_builtin_config_keys_are_what_the_api_accepted(kind: str) -> None:
    keys = get_provider(kind).config_keys
    names, secrets, urls = BUILTIN_CONFIG[kind]
    assert {k.name for k in keys} == names
    assert {k.name for k in keys if k.secret} == secrets
    assert {k.name for k in keys if k.url} == urls


def test_the_registry_holds_the_builtin_kinds_under_their_url_names() -> None:
    assert set(providers.BUILTIN_KINDS) == {k.value for k in ProviderKind}
    for kind in providers.BUILTIN_KINDS:
        provider = get_provider(kind.lower().replace("_", "-"))
        assert provider.kind == kind and provider is providers.PROVIDERS[kind]


def test_optional_protocols_are_where_the_providers_need_them() -> None:
    handshakes = {k for k, p in registered().items() if isinstance(p, ChallengeResponder)}
    hooked = {k for k, p in registered().items() if isinstance(p, ConnectionHooks)}
    assert ProviderKind.META in handshakes and ProviderKind.EVOLUTION not in handshakes
    assert hooked == {ProviderKind.WHATSAPP_WEB}
    provisioned = {k for k, p in registered().items() if isinstance(p, Provisioner)}
    assert provisioned == {
        ProviderKind.WAHA, ProviderKind.EVOLUTION, ProviderKind.UAZAPI, ProviderKind.META
    }  # fmt: skip
    uploaders = {k for k, p in registered().items() if media_uploader_of(p) is not None}
    assert uploaders == {ProviderKind.META}  # the others keep taking the file per send
    assert all(isinstance(registered()[k], MediaUploader) for k in uploaders)


@pytest.mark.parametrize(
    "path", sorted((PLUGINS / "acme" / "payloads").glob("*[!d].json")), ids=lambda p: p.name
)
def test_the_plugins_payloads_parse_to_their_expectations(path: Path) -> None:
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text())
    events = acme.PROVIDER.parse(path.read_bytes())
    assert [as_expected("acme", e) for e in events] == [expected]


# -- the checker finds what breaks the contract ------------------------------------


class _Broken(acme.AcmeProvider):
    pass


def _problems_with(**changes: Any) -> list[str]:
    broken = type("Broken", (_Broken,), changes)()
    return contract.problems(broken)


async def _send_without_client(self: Any, message: Any, config: Any) -> Any: ...
async def _send_with_extra(
    self: Any, message: Any, config: Any, extra: Any, *, client: Any
) -> Any: ...
async def _send_one_positional(self: Any, message: Any, *, client: Any) -> Any: ...
async def _presence_by_other_names(self: Any, to: Any, config: Any, **kwargs: Any) -> None: ...
async def _presence_missing_reply_to(
    self: Any, to: Any, config: Any, *, typing: Any, duration_ms: Any, client: Any
) -> None: ...
def _sync_send(self: Any, message: Any, config: Any, *, client: Any) -> Any: ...
async def _async_parse(self: Any, body: bytes) -> Any: ...
async def _upload(self: Any, message: Any, config: Any, *, client: Any) -> str: ...
def _sync_upload(self: Any, message: Any, config: Any, *, client: Any) -> str: ...


_UPLOADS = Capabilities(media_reuse_days=25)


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"kind": "acme"}, "kind 'acme'"),
        ({"kind": "A" * 25}, "kind"),
        ({"kind": 7}, "kind 7"),
        ({"capabilities": {"groups": True}}, "capabilities"),
        ({"config_keys": [ConfigKey(name="token")]}, "config_keys"),
        ({"config_keys": (ConfigKey(name="token"), ConfigKey(name="token"))}, "twice: token"),
        ({"config_keys": (ConfigKey(name="base url"),)}, "'base url'"),
        ({"send": None}, "send() is missing"),
        ({"send": _sync_send}, "send() must be async"),
        ({"parse": _async_parse}, "parse() must not be async"),
        ({"send": _send_without_client}, "keyword argument 'client'"),
        ({"send": _send_with_extra}, "never passes: extra"),
        ({"send": _send_one_positional}, "takes 1 positional arguments, not 2"),
        ({"send_presence": _presence_missing_reply_to}, "keyword argument 'reply_to'"),
        ({"capabilities": _UPLOADS}, "upload_media() is missing"),
        ({"upload_media": _upload}, "media_reuse_days is 0"),
        ({"capabilities": _UPLOADS, "upload_media": _sync_upload}, "upload_media() must be async"),
        ({"capabilities": Capabilities(media_reuse_days=-1)}, "media_reuse_days -1"),
    ],
)
def test_the_checker_refuses_a_broken_provider(changes: dict[str, Any], complaint: str) -> None:
    found = _problems_with(**changes)
    assert any(complaint in problem for problem in found), found


def test_the_checker_accepts_what_binds_the_same_calls() -> None:
    assert _problems_with(send_presence=_presence_by_other_names) == []
    assert _problems_with(capabilities=_UPLOADS, upload_media=_upload) == []


# -- the registry opens to providers from outside the tree --------------------------


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The registry as it was, after the test (it is process-wide)."""
    monkeypatch.delenv(providers.PROVIDERS_ENV, raising=False)
    saved, loaded = dict(providers._registry), set(providers._loaded_modules)
    try:
        yield
    finally:
        providers._registry.clear()
        providers._registry.update(saved)
        providers._loaded_modules.clear()
        providers._loaded_modules.update(loaded)


@pytest.mark.usefixtures("sandbox")
def test_a_module_named_in_the_setting_is_loaded_on_first_need(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(UnknownProvider):
        get_provider("acme")
    monkeypatch.setenv(providers.PROVIDERS_ENV, " acme , ")
    assert get_provider("acme") is acme.PROVIDER
    assert providers.find_provider("ACME") is acme.PROVIDER
    assert "ACME" in registered() and set(providers.BUILTIN_KINDS) < set(registered())
    assert providers.load_providers() == []  # once per module


@pytest.mark.usefixtures("sandbox")
def test_a_kind_is_held_by_one_provider() -> None:
    providers.register(acme.PROVIDER)
    providers.register(acme.PROVIDER)  # the same object again: nothing happens
    with pytest.raises(InvalidProvider, match="already registered"):
        providers.register(acme.AcmeProvider())
    with pytest.raises(InvalidProvider, match="already registered"):
        providers.register(type("Evo", (acme.AcmeProvider,), {"kind": "EVOLUTION"})())


@pytest.mark.usefixtures("sandbox")
def test_a_broken_provider_is_refused_at_registration() -> None:
    with pytest.raises(InvalidProvider, match="send\\(\\) is missing"):
        providers.register(type("NoSend", (_Broken,), {"kind": "NOSEND", "send": None})())
    assert "NOSEND" not in registered()


@pytest.mark.usefixtures("sandbox")
@pytest.mark.parametrize(
    ("modules", "complaint"),
    [("no_such_provider_module", "cannot import"), ("acme.wire", "has no PROVIDER")],
)
def test_a_wrong_setting_fails_loudly(modules: str, complaint: str) -> None:
    with pytest.raises(InvalidProvider, match=complaint):
        providers.load_providers(modules)


# -- nothing outside providers/ names a provider ------------------------------------

SCANNED = ("app", "workers", "runner")
# The runner is the WhatsApp-Web provider's own process (ARCHITECTURE.md) and the CLI
# serves that provider's look-alike page for `balcao run --demo`.
ALLOWED_IMPORTS = {"runner": {"whatsapp_web"}, "app/cli.py": {"whatsapp_web"}}


def _provider_folders() -> set[str]:
    base = ROOT / "providers"
    return {p.name for p in base.iterdir() if (p / "__init__.py").exists()}


def _kind_names() -> set[str]:
    kinds = {*registered(), acme.PROVIDER.kind}  # the plugin's kind is named nowhere either
    return kinds | {k.lower() for k in kinds} | {k.lower().replace("_", "-") for k in kinds}


def _allowed(relative: str) -> set[str]:
    return next((v for k, v in ALLOWED_IMPORTS.items() if relative.startswith(k)), set())


def _named_folders(node: ast.AST) -> list[str]:
    """The provider folders an import or a dotted string names (``providers.meta``)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and node.module:
        names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        names = [w for w in node.value.replace(";", " ").split() if w.startswith("providers.")]
    else:
        return []
    return sorted({n.split(".")[1] for n in names if n.startswith("providers.")})


def _violations(source: str, relative: str) -> list[str]:
    kinds, members = _kind_names(), {k.name for k in ProviderKind}
    folders, allowed = _provider_folders(), _allowed(relative)
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        line = f"{relative}:{getattr(node, 'lineno', '?')}"
        for folder in _named_folders(node):
            if folder in folders and folder not in allowed:
                found.append(f"{line} names providers.{folder}")
        if isinstance(node, ast.Attribute) and node.attr in members:
            base = node.value
            if isinstance(base, ast.Name | ast.Attribute) and ast.unparse(base).endswith("Kind"):
                found.append(f"{line} names {ast.unparse(node)}")
        text = node.value if isinstance(node, ast.Constant) else None
        if isinstance(text, str) and (text in kinds or any(f"'{k}'" in text for k in registered())):
            found.append(f"{line} spells the kind {text[:40]!r}")
    return found


def test_nothing_outside_providers_names_a_provider_kind() -> None:
    found: list[str] = []
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            found.extend(_violations(path.read_text(), relative))
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        "from providers.meta import verify_challenge",
        "import providers.evolution.sender",
        "from providers import evolution",
        "x = ProviderKind.META",
        "x = enums.ProviderKind.WAHA",
        "if kind == 'NATIVE': pass",
        "if kind == 'whatsapp-web': pass",
        "SQL = \"SELECT id FROM connection WHERE provider = 'UAZAPI'\"",
        "m = importlib.import_module('providers.waha.sender')",
    ],
)
def test_the_scan_sees_each_way_of_naming_a_provider(source: str) -> None:
    assert _violations(source, "app/example.py"), source


def test_the_scan_leaves_kinds_as_data_alone() -> None:
    allowed = "\n".join(
        [
            "from providers import get_provider",
            "from providers.base import ProviderKind, SendError",
            "from providers.whatsapp_web.adapter import KIND",  # in runner/ only
            "kind = row.provider",
            '"""A WHATSAPP_WEB connection is driven by the runner."""',
        ]
    )
    assert _violations(allowed, "runner/example.py") == []
