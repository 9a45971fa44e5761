"""Mercado Livre: the MLB item id, and the product link with our ``matt_word``/``matt_tool``.

There is no public affiliate API; the community-confirmed form is the product URL with
those two parameters. Every other parameter and the fragment (``#position=…``, search
tracking) are dropped.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_ITEM = re.compile(r"\bMLB-?(\d{6,})", re.IGNORECASE)


def item_id(url: str) -> str | None:
    """``MLB123`` from ``…/MLB-123-slug``, ``/p/MLB123``, or ``?item_id=MLB123``."""
    parts = urlsplit(url)
    for candidate in (parts.path, parts.query):
        match = _ITEM.search(candidate)
        if match:
            return "MLB" + match.group(1)
    return None


def rewrite(url: str, matt_word: str, matt_tool: str | None) -> str:
    parts = urlsplit(url)
    params = [("matt_word", matt_word)]
    if matt_tool:
        params.append(("matt_tool", matt_tool))
    kept = [(k, v) for k, v in parse_qsl(parts.query) if k.lower() == "item_id"]
    host = parts.hostname or "www.mercadolivre.com.br"
    return urlunsplit(("https", host.lower(), parts.path, urlencode([*kept, *params]), ""))
