"""What makes two offers the same: product ids, link sets, texts, and the price.

The key is the strongest identity a message has: ``<STORE>:<product id>`` for its first
product link, else ``LINKS:<sha1>`` of its normalised link set, else ``TEXT:<sha1>`` of
its normalised text. Texts without links that were re-typed or re-decorated are caught
by :func:`similarity` instead (rapidfuzz).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz

from app.mirrors.links import aliexpress, amazon, magalu, mercadolivre, shopee
from app.mirrors.links.model import Store
from app.mirrors.links.urls import find_links, is_invite, normalized, store_of

# The key of an offer known by its text alone (no store product, no link).
TEXT_KEY_PREFIX = "TEXT:"

# Two texts scoring at least this are the same offer. token_set_ratio scores 100 when one
# text's words are a subset of the other's (a "CORRE" header or an emoji line added) and
# stays above 90 for re-typed copies; a different product falls far below. Model codes
# (words with digits: "520bt", "4l", "50pol") weigh little among many shared words, so
# when both texts have codes and they differ, the score is capped by how alike the codes
# are: "jbl tune 520bt" vs "jbl tune 720bt" scores 80, not 96.
FUZZY_THRESHOLD = 90.0
# Below this many words a subset says little ("oferta", "corre"): compare whole strings.
_MIN_TOKENS_FOR_SUBSET = 4

_PRICE = re.compile(r"R\$\s*(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2}))?(?!\d)", re.IGNORECASE)
_POR = re.compile(r"\bpor\W{0,6}$", re.IGNORECASE)
# "12x de R$ 99,92": an instalment, not the price.
_INSTALMENT = re.compile(r"\d{1,2}\s*x\s*(?:de\s*)?\W{0,3}$", re.IGNORECASE)
_NOT_A_PRICE = re.compile(r"^\W{0,3}(?:off\b|de desconto|de cashback|cashback)", re.IGNORECASE)


def product_id(store: Store | None, url: str) -> str | None:
    match store:
        case Store.AMAZON:
            return amazon.asin(url)
        case Store.MERCADO_LIVRE:
            return mercadolivre.item_id(url)
        case Store.SHOPEE:
            ids = shopee.item_ids(url)
            return f"{ids[0]}.{ids[1]}" if ids else None
        case Store.ALIEXPRESS:
            return aliexpress.item_id(url)
        case Store.MAGALU:
            return magalu.product_code(url)
        case _:
            return None


def offer_key(urls: Iterable[str], text: str) -> tuple[Store | None, str]:
    """``(store of the first product link, key)`` from the links of a message (invites
    already left out) and its text."""
    urls = list(urls)
    for url in urls:
        store = store_of(url)
        product = product_id(store, url)
        if store is not None and product is not None:
            return store, f"{store.value}:{product}"
    first_store = next((s for s in map(store_of, urls) if s is not None), None)
    if urls:
        joined = "\n".join(sorted({normalized(url) for url in urls}))
        return first_store, "LINKS:" + _sha1(joined)
    return None, TEXT_KEY_PREFIX + _sha1(fingerprint(text))


def offer_identity(text: str) -> tuple[Store | None, str]:
    """The key from the links as written, without the network: enough to skip a repeat
    of a full product link before expanding or rewriting anything. A short link's key
    here is its ``LINKS:`` hash, not the product's."""
    urls = [found.url for found in find_links(text) if not is_invite(found.url)]
    return offer_key(urls, text)


def fingerprint(text: str) -> str:
    """``text`` without its links and prices, lower case, accents, emoji and punctuation
    removed, whitespace collapsed: what two copies of an ad have in common. Prices are
    left out because a cheaper repost is the same offer (the price is compared apart)."""
    for found in reversed(find_links(text)):
        text = text[: found.start] + " " + text[found.end :]
    text = _PRICE.sub(" ", text)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(
        ch if unicodedata.category(ch)[0] in "LN" else " "
        for ch in decomposed
        if not unicodedata.combining(ch)
    )
    return " ".join(kept.split())


def similarity(a: str, b: str) -> float:
    """0..100: how alike two message texts are, compared by :func:`fingerprint`."""
    left, right = fingerprint(a), fingerprint(b)
    if not left or not right:
        return 0.0
    if min(len(left.split()), len(right.split())) < _MIN_TOKENS_FOR_SUBSET:
        return float(fuzz.ratio(left, right))
    score = float(fuzz.token_set_ratio(left, right))
    codes_left, codes_right = _codes(left), _codes(right)
    if codes_left and codes_right and codes_left != codes_right:
        score = min(score, float(fuzz.token_set_ratio(codes_left, codes_right)))
    return score


def _codes(normal: str) -> str:
    return " ".join(sorted({word for word in normal.split() if any(c.isdigit() for c in word)}))


def price_cents(text: str) -> int | None:
    """The offer's price in cents: the lowest price that follows "por" (``de R$ 399 por
    R$ 229,90``), else the first price that is not struck through, else the first price.
    Discounts (``R$ 20 OFF``) and instalments (``10x de R$ 119,90``) are not prices. None
    when the text has no ``R$`` price."""
    prices: list[tuple[int, bool, bool]] = []
    for match in _PRICE.finditer(text):
        if _NOT_A_PRICE.match(text[match.end() : match.end() + 16]):
            continue
        if _INSTALMENT.search(text[max(0, match.start() - 12) : match.start()]):
            continue
        whole = int(match.group(1).replace(".", ""))
        cents = int((match.group(2) or "0").ljust(2, "0"))
        before = text[max(0, match.start() - 12) : match.start()]
        prices.append((whole * 100 + cents, bool(_POR.search(before)), _struck(text, match)))
    if not prices:
        return None
    after_por = [value for value, por, _ in prices if por]
    if after_por:
        return min(after_por)
    plain = [value for value, _, struck in prices if not struck]
    return plain[0] if plain else prices[0][0]


def _struck(text: str, match: re.Match[str]) -> bool:
    """Inside WhatsApp ``~strikethrough~`` on its line (the "de" price)."""
    line_start = text.rfind("\n", 0, match.start()) + 1
    return text[line_start : match.start()].count("~") % 2 == 1


def _sha1(value: str) -> str:
    return hashlib.sha1(value.encode(), usedforsecurity=False).hexdigest()
