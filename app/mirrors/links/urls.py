"""Links in WhatsApp text, the hosts they point to, and the parameters we never repost.

Stores are recognised by registered domain from a fixed table rather than tldextract:
the table is the allowlist, so matching ``host == domain or host.endswith("." + domain)``
is exact, and nothing here ever needs the public suffix list (or the network to fetch it).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from app.mirrors.links.model import Store

STORE_DOMAINS: dict[str, Store] = {
    "amazon.com.br": Store.AMAZON,
    "amzn.to": Store.AMAZON,
    "a.co": Store.AMAZON,
    "mercadolivre.com.br": Store.MERCADO_LIVRE,
    "mercadolivre.com": Store.MERCADO_LIVRE,
    "meli.la": Store.MERCADO_LIVRE,
    "shopee.com.br": Store.SHOPEE,
    "shope.ee": Store.SHOPEE,
    "shp.ee": Store.SHOPEE,
    "aliexpress.com": Store.ALIEXPRESS,
    "magazineluiza.com.br": Store.MAGALU,
    "magazinevoce.com.br": Store.MAGALU,
    "maga.lu": Store.MAGALU,
    "magalu.me": Store.MAGALU,
    # onelink.me is AppsFlyer's, shared by every brand: only Magalu's own host is a store.
    "magalu.onelink.me": Store.MAGALU,
}

# Hosts whose links are redirects to a product page rather than the page itself.
SHORTENER_HOSTS = frozenset(
    {
        "amzn.to",
        "a.co",
        "meli.la",
        "s.shopee.com.br",
        "shope.ee",
        "shp.ee",
        "s.click.aliexpress.com",
        "a.aliexpress.com",
        "maga.lu",
        "magalu.me",
        "magalu.onelink.me",
    }
)

INVITE_DOMAINS = (
    "chat.whatsapp.com",
    "wa.me",
    "api.whatsapp.com",
    "whatsapp.com",
    "t.me",
    "telegram.me",
    "telegram.dog",
)

# Parameters that credit somebody else or track the source group's audience.
_FOREIGN_PREFIXES = ("utm_", "aff_", "af_", "matt_", "mc_", "pd_rd_", "pf_rd_", "ref_")
_FOREIGN_NAMES = frozenset(
    {
        "tag",
        "ref",
        "smid",
        "linkcode",
        "linkid",
        "camp",
        "creative",
        "creativeasin",
        "ascsubtag",
        "fbclid",
        "gclid",
        "igshid",
        "si",
        "spm",
        "scm",
        "sk",
        "pvid",
        "algo_pvid",
        "terminal_id",
        "afsmartredirect",
        "smtt",
        "uls_trackid",
        "tracking_id",
        "sub_id",
        "subid",
        "sub_id1",
        "mkt_tid",
        "partner_id",
        "seller_id",
        "promoter_id",
        "c_id",
        "c_uid",
        "sid",
        "source",
        "forceinapp",
        "deal_id",
        "click_id",
    }
)

_URL_CHARS = r"A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%"
_BARE_DOMAINS = sorted({*STORE_DOMAINS, *SHORTENER_HOSTS, *INVITE_DOMAINS}, key=len, reverse=True)
_LINK = re.compile(
    rf"https?://[{_URL_CHARS}]+"
    rf"|(?<![\w@./-])(?:[a-z0-9-]+\.)*(?:{'|'.join(re.escape(d) for d in _BARE_DOMAINS)})"
    rf"/[{_URL_CHARS}]*",
    re.IGNORECASE,
)
# WhatsApp formatting and sentence punctuation that end up glued to a link's end.
_TRAILING = ".,;:!?*_~'\""


@dataclass(frozen=True)
class Found:
    """A link as written (``text[start:end]``) and as a URL with a scheme."""

    start: int
    end: int
    written: str
    url: str


def find_links(text: str) -> list[Found]:
    """The links in ``text``, in order: ``http(s)://`` ones and bare known hosts
    (``amzn.to/3xyz``), without the formatting marks or punctuation around them."""
    found: list[Found] = []
    for match in _LINK.finditer(text):
        written = _trim(match.group())
        start = match.start()
        url = written if "://" in written else "https://" + written
        found.append(Found(start, start + len(written), written, url))
    return found


def _trim(link: str) -> str:
    while link:
        last = link[-1]
        if last in _TRAILING or (last == ")" and link.count("(") < link.count(")")):
            link = link[:-1]
        else:
            break
    return link


def host_of(url: str) -> str:
    """The lower-case host without a trailing dot; "" when the URL has none."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".").lower()


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _under(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def store_of_host(host: str) -> Store | None:
    for domain, store in STORE_DOMAINS.items():
        if _under(host, domain):
            return store
    return None


def store_of(url: str) -> Store | None:
    return store_of_host(host_of(url))


def is_invite(url: str) -> bool:
    """Group and contact links of other promoters: WhatsApp groups, channels and chats,
    Telegram. Always stripped."""
    host = host_of(url)
    return any(_under(host, domain) for domain in INVITE_DOMAINS)


def is_shortener(url: str) -> bool:
    """Whether the link only redirects: a short-link host, or Mercado Livre's affiliate
    ``/sec/`` and ``/social/`` paths."""
    host = host_of(url)
    if host in SHORTENER_HOSTS:
        return True
    if store_of_host(host) is Store.MERCADO_LIVRE:
        path = urlsplit(url).path
        return path.startswith(("/sec/", "/social/"))
    return False


def is_foreign_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in _FOREIGN_NAMES or lowered.startswith(_FOREIGN_PREFIXES)


def clean_url(url: str) -> str:
    """``url`` without foreign affiliate and tracking parameters (the rest kept in order)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in query if not is_foreign_param(k)]
    fragment = "" if "=" in parts.fragment else parts.fragment
    return urlunsplit(
        (parts.scheme, parts.netloc, parts.path, urlencode(kept) if kept else "", fragment)
    )


def normalized(url: str) -> str:
    """A link as a comparable string: cleaned, no scheme or ``www.``, lower-case host,
    no trailing slash, parameters sorted. Two links to the same page compare equal."""
    parts = urlsplit(clean_url(url))
    host = host_of(url).removeprefix("www.")
    path = parts.path.rstrip("/")
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return f"{host}{path}" + (f"?{query}" if query else "")
