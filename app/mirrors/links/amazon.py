"""Amazon Brasil: the ASIN, and the canonical tagged product link.

Amazon accepts ``/dp/<ASIN>`` whatever slug came before it, so the affiliate link is
rebuilt from the ASIN alone (``?tag=`` replaces any tag; nothing else is carried over).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from app.mirrors.links.urls import clean_url

_ASIN = re.compile(
    r"/(?:dp|gp/product|gp/aw/d|exec/obidos/asin|o/asin)/([A-Z0-9]{10})(?:[/?]|$)", re.IGNORECASE
)


def asin(url: str) -> str | None:
    match = _ASIN.search(urlsplit(url).path + "/")
    return match.group(1).upper() if match else None


def rewrite(url: str, tag: str) -> str:
    """``https://www.amazon.com.br/dp/<ASIN>?tag=<tag>``; a link without an ASIN (a
    search, a deals page) keeps its path and gets the tag."""
    product = asin(url)
    if product is not None:
        return f"https://www.amazon.com.br/dp/{product}?{urlencode({'tag': tag})}"
    parts = urlsplit(clean_url(url))
    query = [*parse_qsl(parts.query, keep_blank_values=True), ("tag", tag)]
    return urlunsplit(("https", "www.amazon.com.br", parts.path or "/", urlencode(query), ""))
