"""What the providers' group lists share: one GET, and reading a group out of the
shapes the Baileys-, whatsmeow- and whatsapp-web.js-based servers answer with.

Baileys (Evolution, WAHA NOWEB) answers ``GroupMetadata``: ``{id, subject, size?,
participants: [...]}``; whatsmeow (UAZapi, WAHA GOWS) ``GroupInfo``: ``{JID, Name,
Participants: [...]}``; whatsapp-web.js (WAHA WEBJS) a ``GroupChat``: ``{id:
{_serialized}, name, groupMetadata: {subject, size?, participants}}``. A group without
a name is listed under its id, as WhatsApp shows an unnamed group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx

from providers import http
from providers.base import GroupInfo, SendError


async def get_json(
    client: httpx.AsyncClient | None,
    url: str,
    *,
    provider: str,
    headers: Mapping[str, str],
    params: Mapping[str, str] | None = None,
    error: Callable[[httpx.Response], SendError],
) -> Any:
    response = await http.request(
        client, "GET", url, provider=provider, headers=dict(headers), params=params
    )
    if not response.is_success:
        raise error(response)
    payload = http.json_body(response)
    if payload is None:
        raise SendError(f"{provider}: the group list is not JSON", transient=True)
    return payload


def read_groups(items: Iterable[Any]) -> list[GroupInfo]:
    """The groups among ``items``; entries that are not a group (no ``@g.us`` id) are
    skipped, a repeated id is listed once."""
    found: dict[str, GroupInfo] = {}
    for item in items:
        group = read_group(item)
        if group is not None and group.id not in found:
            found[group.id] = group
    return list(found.values())


def read_group(item: Any) -> GroupInfo | None:
    if not isinstance(item, dict):
        return None
    raw_meta = item.get("groupMetadata")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    group_id = _chat_id(item.get("id")) or _chat_id(item.get("JID")) or _chat_id(meta.get("id"))
    if not group_id or not group_id.endswith("@g.us"):
        return None
    name = _text(item.get("subject")) or _text(item.get("Name")) or _text(item.get("name"))
    name = name or _text(meta.get("subject")) or group_id
    return GroupInfo(id=group_id, name=name, participants=_count(item, meta))


def _chat_id(value: Any) -> str | None:
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        serialized = value.get("_serialized")
        if isinstance(serialized, str):
            return serialized
        user, server = value.get("user"), value.get("server")
        if isinstance(user, str) and isinstance(server, str):
            return f"{user}@{server}"
    return None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _count(item: Mapping[str, Any], meta: Mapping[str, Any]) -> int:
    for source in (item, meta):
        for key in ("participants", "Participants"):
            members = source.get(key)
            if isinstance(members, list) and members:
                return len(members)
        size = source.get("size")
        if isinstance(size, int) and not isinstance(size, bool) and size > 0:
            return size
    return 0
