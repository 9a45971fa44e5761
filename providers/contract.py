"""Checks an object against :class:`providers.base.Provider` at run time.

mypy checks the providers of this tree statically (the registry's table is typed); a
provider loaded from ``BALCAO_PROVIDERS`` is only known at run time, and
``isinstance(obj, Provider)`` sees no more than the names. ``problems`` looks further:
the kind's shape, the declared capabilities and config keys, and each method's
signature as the platform calls it (positional arguments, the keyword names, sync or
async), so a wrong provider is refused when it registers rather than mid-delivery.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, get_args

from .base import (
    Capabilities,
    ConfigKey,
    GroupLister,
    GroupReporter,
    MediaUploader,
    Pairing,
    Provider,
    Provisioner,
)

KIND_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,23}$")  # 24: the width of connection.provider
_KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,63}$")
_METHODS = ("verify", "parse", "send", "send_presence", "media_headers", "resolve_media")
_PROVISIONER = ("provision", "check")
_GROUPS: tuple[tuple[str, type], ...] = (
    ("list_groups", GroupLister),
    ("request_groups", GroupReporter),
)
_ASYNC = frozenset(
    {
        "send",
        "send_presence",
        "resolve_media",
        "upload_media",
        "list_groups",
        "request_groups",
        *_PROVISIONER,
    }
)
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def problems(provider: object) -> list[str]:
    """What keeps ``provider`` from satisfying the contract; empty when nothing does."""
    found = _kind_problems(getattr(provider, "kind", None))
    capabilities = getattr(provider, "capabilities", None)
    if not isinstance(capabilities, Capabilities):
        found.append("capabilities is not a providers.base.Capabilities")
    elif capabilities.pairing not in get_args(Pairing):
        found.append(
            f"capabilities.pairing {capabilities.pairing!r} is not one of {get_args(Pairing)}"
        )
    found.extend(_config_problems(getattr(provider, "config_keys", None)))
    for name in _METHODS:
        found.extend(_method_problems(provider, name))
    if any(callable(getattr(provider, name, None)) for name in _PROVISIONER):
        # Optional, but whole: a provider that provisions also checks, both async.
        for name in _PROVISIONER:
            found.extend(_method_problems(provider, name, Provisioner))
    found.extend(_upload_problems(provider, capabilities))
    found.extend(_group_problems(provider, capabilities))
    return found


def _group_problems(provider: object, capabilities: Any) -> list[str]:
    """Listing groups is optional, and only for a provider that has groups."""
    found: list[str] = []
    for name, protocol in _GROUPS:
        if not callable(getattr(provider, name, None)):
            continue
        if not getattr(capabilities, "groups", False):
            found.append(f"{name}() is defined but capabilities.groups is False")
        found.extend(_method_problems(provider, name, protocol))
    return found


def _upload_problems(provider: object, capabilities: Any) -> list[str]:
    """Uploading ahead is optional, but whole: the method and a reuse window together."""
    days = getattr(capabilities, "media_reuse_days", 0)
    if not isinstance(days, int) or days < 0:
        return [f"capabilities.media_reuse_days {days!r} is not a whole number of days >= 0"]
    uploads = callable(getattr(provider, "upload_media", None))
    if days and not uploads:
        return ["capabilities.media_reuse_days is set but upload_media() is missing"]
    if uploads and not days:
        return ["upload_media() is defined but capabilities.media_reuse_days is 0"]
    return _method_problems(provider, "upload_media", MediaUploader) if uploads else []


def _kind_problems(kind: Any) -> list[str]:
    if not isinstance(kind, str) or not KIND_RE.match(kind):
        return [f"kind {kind!r} is not 1-24 characters of A-Z, 0-9 and _ (starting A-Z)"]
    return []


def _config_problems(keys: Any) -> list[str]:
    if not isinstance(keys, tuple) or not all(isinstance(k, ConfigKey) for k in keys):
        return ["config_keys is not a tuple of providers.base.ConfigKey"]
    names = [key.name for key in keys]
    found = [f"config key {n!r} is not a camelCase name" for n in names if not _KEY_RE.match(n)]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        found.append(f"config keys declared twice: {', '.join(repeated)}")
    return found


def _method_problems(provider: object, name: str, protocol: type = Provider) -> list[str]:
    method = getattr(provider, name, None)
    if not callable(method):
        return [f"{name}() is missing"]
    if inspect.iscoroutinefunction(method) != (name in _ASYNC):
        return [f"{name}() must {'' if name in _ASYNC else 'not '}be async"]
    try:
        actual = inspect.signature(method)
    except (TypeError, ValueError):
        return [f"{name}() has no readable signature"]
    return [f"{name}(): {p}" for p in _signature_problems(_expected(name, protocol), actual)]


def _expected(name: str, protocol: type = Provider) -> inspect.Signature:
    function: Callable[..., Any] = getattr(protocol, name)
    signature = inspect.signature(function)
    return signature.replace(parameters=list(signature.parameters.values())[1:])  # no self


def _signature_problems(expected: inspect.Signature, actual: inspect.Signature) -> list[str]:
    """Whether every call the platform makes with ``expected``'s shape binds to ``actual``:
    the same number of positional arguments, every keyword by its name, and nothing else
    required."""
    params = list(actual.parameters.values())
    kinds = {p.kind for p in params}
    wanted = list(expected.parameters.values())
    n_positional = len([p for p in wanted if p.kind in _POSITIONAL])
    keywords = [p.name for p in wanted if p.kind is inspect.Parameter.KEYWORD_ONLY]
    positional = [p for p in params if p.kind in _POSITIONAL]
    taken = positional[:n_positional]  # the parameters the positional arguments fill
    found: list[str] = []
    if len(taken) < n_positional and inspect.Parameter.VAR_POSITIONAL not in kinds:
        found.append(f"takes {len(taken)} positional arguments, not {n_positional}")
    by_name = {p.name: p for p in params if p.kind is not inspect.Parameter.POSITIONAL_ONLY}
    for keyword in keywords:
        param = by_name.get(keyword)
        unnamed = param is None and inspect.Parameter.VAR_KEYWORD not in kinds
        if unnamed or param in taken:
            found.append(f"does not take the keyword argument {keyword!r}")
    required = [
        p.name
        for p in params
        if p.default is inspect.Parameter.empty
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        and p not in taken
        and p.name not in keywords
    ]
    if required:
        found.append(f"requires arguments the platform never passes: {', '.join(required)}")
    return found
