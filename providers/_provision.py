"""What the provisioners share (``provision``/``check`` of WAHA, Evolution, UAZapi and
Meta): one HTTP call with short timeouts whose failures become :class:`ProvisionError`
with a reason an administrator can act on, and the QR as a ``data:`` URL.

Classification follows :mod:`providers.http`: timeouts, connection errors, 408, 425,
429 and 5xx are transient (the job retries with back-off); 401/403 say the key was
refused and anything else says the configuration is wrong, both permanent until the
administrator changes it."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from . import http
from .base import ProvisionError, SendError

# Management calls answer at once, except Evolution's create (it waits 5 s for a QR
# when asked to) and WAHA's session update (it restarts the session).
TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=10.0, pool=5.0)
_REASON_LIMIT = 300


def require(config: Mapping[str, Any], key: str, provider: str) -> str:
    value = config.get(key)
    if not isinstance(value, str) or not value:
        raise ProvisionError(f"{provider}: the setting {key!r} is missing", transient=False)
    return value


def base_url(config: Mapping[str, Any], key: str, provider: str) -> str:
    return require(config, key, provider).rstrip("/")


async def call(
    client: httpx.AsyncClient | None,
    method: str,
    url: str,
    *,
    provider: str,
    **kwargs: Any,
) -> httpx.Response:
    """One request; a transport failure becomes a ProvisionError (transient, except a
    URL that is not http(s))."""
    try:
        return await http.request(
            client, method, url, provider=provider, http_timeout=TIMEOUT, **kwargs
        )
    except SendError as exc:
        raise ProvisionError(_short(exc.detail), transient=exc.transient) from exc


def refused(
    provider: str, response: httpx.Response, doing: str, message: str | None
) -> ProvisionError:
    """The ProvisionError for a non-2xx answer to ``doing`` ("creating the session")."""
    status = response.status_code
    said = f": {message}" if message else ""
    if status in (401, 403):
        detail = f"{provider} refused the credentials while {doing} (HTTP {status}){said}"
        return ProvisionError(_short(detail), transient=False, status=status)
    transient = status in http.TRANSIENT_STATUSES or status >= 500
    detail = f"{provider} answered HTTP {status} while {doing}{said}"
    return ProvisionError(_short(detail), transient=transient, status=status)


def json_of(response: httpx.Response) -> Any:
    return http.json_body(response)


def data_url(value: str | None, mimetype: str = "image/png") -> str | None:
    """A QR image as a ``data:`` URL: kept when it already is one, prefixed when it is
    bare base64, None when empty."""
    if not value:
        return None
    if value.startswith("data:"):
        return value
    return f"data:{mimetype};base64,{value}"


def png_data_url(raw: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(raw).decode()


def same_endpoint(url: str | None, ours: str) -> bool:
    """Whether a webhook URL found on the provider is ours, ignoring its query (an
    older token) — so a rotated token or base URL replaces it instead of adding one."""
    if not isinstance(url, str):
        return False
    found, wanted = urlsplit(url), urlsplit(ours)
    return found.path.rstrip("/") == wanted.path.rstrip("/")


def _short(text: str) -> str:
    return text if len(text) <= _REASON_LIMIT else text[: _REASON_LIMIT - 1] + "…"
