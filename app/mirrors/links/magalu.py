"""Magalu: the product code, and the link through the organization's Magazine Você store.

No public API: a Magazine Você link is the Magalu path behind the partner's store slug,
``https://www.magazinevoce.com.br/<store>/<slug>/p/<code>/<cat>/<sub>/``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from app.mirrors.links.urls import host_of

_CODE = re.compile(r"/p/([0-9a-z]{6,})(?:/|$)", re.IGNORECASE)


def product_code(url: str) -> str | None:
    match = _CODE.search(urlsplit(url).path)
    return match.group(1).lower() if match else None


def rewrite(url: str, store: str) -> str:
    """Keeps the path parts the link has (slug, code, category, subcategory); a link of
    somebody else's Magazine Você store loses that store's slug."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if host_of(url).endswith("magazinevoce.com.br") and segments:
        segments = segments[1:]
    path = "/".join([store, *segments])
    return f"https://www.magazinevoce.com.br/{path}/"
