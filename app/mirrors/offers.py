"""The seam between intake and link rewriting (``app.mirrors.links``, its own package).

Intake calls only what this module exports. Until the links package is on this
branch, the stand-ins below keep the safe side of the contract: a text with any link
is never posted (``failed`` → REWRITE_FAILED, for review), a link-less text goes
through unchanged with a text fingerprint as its identity, and fuzzy matching uses
difflib. Once the package lands these names are re-exported from it instead."""

from __future__ import annotations

import difflib
import enum
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

FUZZY_THRESHOLD = 90.0
_URL = re.compile(r"https?://\S+|\bwww\.\S+", re.IGNORECASE)
_PRICE = re.compile(r"R\$\s*(\d{1,3}(?:\.\d{3})*|\d+)(?:,(\d{2}))?")


class Store(enum.StrEnum):
    AMAZON = "AMAZON"
    MERCADO_LIVRE = "MERCADO_LIVRE"
    SHOPEE = "SHOPEE"
    ALIEXPRESS = "ALIEXPRESS"
    MAGALU = "MAGALU"
    OTHER = "OTHER"


@dataclass(frozen=True, slots=True)
class Affiliate:
    amazon_tag: str | None = None
    ml_matt_word: str | None = None
    ml_matt_tool: str | None = None
    magalu_store: str | None = None
    shopee_app_id: str | None = None
    shopee_secret: str | None = None
    aliexpress_app_key: str | None = None
    aliexpress_secret: str | None = None
    aliexpress_tracking_id: str | None = None


@dataclass(frozen=True, slots=True)
class LinkResult:
    original: str
    resolved: str | None
    rewritten: str | None
    store: Store | None


@dataclass(frozen=True, slots=True)
class PreparedOffer:
    text: str
    links: list[LinkResult] = field(default_factory=list)
    store: Store | None = None
    offer_key: str | None = None
    price_cents: int | None = None
    fingerprint: str = ""
    failed: bool = False


def normalized(text: str) -> str:
    """Lower case, accents and punctuation off, spaces collapsed."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", plain).split())


def _fingerprint(text: str) -> str:
    return hashlib.sha256(normalized(_URL.sub(" ", text)).encode()).hexdigest()[:32]


def price_of(text: str) -> int | None:
    match = _PRICE.search(text)
    if match is None:
        return None
    return int(match.group(1).replace(".", "")) * 100 + int(match.group(2) or 0)


def offer_identity(text: str) -> tuple[Store | None, str]:
    return None, "text:" + _fingerprint(text)


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normalized(a), normalized(b)).ratio() * 100


async def prepare_offer(text: str, affiliate: Affiliate, *, unmapped: str) -> PreparedOffer:
    del affiliate, unmapped  # used by the real rewriter
    links = [LinkResult(u, None, None, None) for u in _URL.findall(text)]
    store, key = offer_identity(text)
    return PreparedOffer(
        text=text,
        links=links,
        store=store,
        offer_key=key,
        price_cents=price_of(text),
        fingerprint=_fingerprint(text),
        failed=bool(links),
    )
