"""Media of Meta webhooks: they carry a media id, not a link (SOURCES.md §4); the Graph API
answers ``GET /{version}/{media-id}`` with a short-lived URL that needs the same bearer
token as the file itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from ..base import FetchBytes, MediaLookupFailed
from . import wire
from .sender import DEFAULT_GRAPH, DEFAULT_VERSION

# The answer is a few hundred bytes of JSON; anything bigger is not one.
LOOKUP_MAX_BYTES = 64 * 1024


def auth_headers(config: Mapping[str, Any]) -> dict[str, str]:
    token = config.get("accessToken")
    return {"Authorization": f"Bearer {token}"} if token else {}


async def media_url(media_id: str, config: Mapping[str, Any], fetch: FetchBytes) -> str:
    """The download URL of ``media_id``, read through the caller's guarded ``fetch``
    (``graphBaseUrl`` is a setting, so the lookup gets the same SSRF guard as a file)."""
    base = str(config.get("graphBaseUrl") or DEFAULT_GRAPH).rstrip("/")
    version = str(config.get("graphVersion") or DEFAULT_VERSION)
    answer = await fetch(
        f"{base}/{version}/{media_id}", headers=auth_headers(config), max_bytes=LOOKUP_MAX_BYTES
    )
    try:
        return msgspec.json.decode(answer, type=wire.GraphMedia).url
    except msgspec.ValidationError as exc:
        raise MediaLookupFailed(f"Graph API media lookup: {exc}") from None
