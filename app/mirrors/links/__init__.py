"""Links in mirrored offers: finding, expanding, rewriting with the organization's
affiliate tags, and the offer's identity for dedup.

The mirror worker builds one :class:`LinkService` at startup and calls
:func:`prepare_offer` once per source message::

    links = LinkService(httpx.AsyncClient(), shopee_url=..., aliexpress_url=...)
    offer = await prepare_offer(text, affiliate, unmapped="DROP", links=links)
    if offer.failed:            # park the post as REWRITE_FAILED, showing offer.failed
        ...
    # else post offer.text; dedup on offer.offer_key (a lower offer.price_cents re-opens
    # it) and, for link-less offers, similarity(old.fingerprint, offer.fingerprint)
    # >= FUZZY_THRESHOLD

:func:`offer_identity` and :func:`similarity` need no network. Each store's rules live
in their own module (``amazon``, ``mercadolivre``, ``magalu``, ``shopee``,
``aliexpress``); failures are :class:`LinkError` (see ``model``), and prepare_offer
turns them into ``PreparedOffer.failed`` rather than raising.
"""

from app.mirrors.links.identity import (
    FUZZY_THRESHOLD,
    fingerprint,
    offer_identity,
    price_cents,
    similarity,
)
from app.mirrors.links.model import (
    Affiliate,
    AffiliateApiError,
    ExpansionError,
    ExpansionRefused,
    LinkError,
    LinkResult,
    PreparedOffer,
    Store,
)
from app.mirrors.links.offer import Unmapped, prepare_offer
from app.mirrors.links.service import LinkService

__all__ = [
    "FUZZY_THRESHOLD",
    "Affiliate",
    "AffiliateApiError",
    "ExpansionError",
    "ExpansionRefused",
    "LinkError",
    "LinkResult",
    "LinkService",
    "PreparedOffer",
    "Store",
    "Unmapped",
    "fingerprint",
    "offer_identity",
    "prepare_offer",
    "price_cents",
    "similarity",
]
