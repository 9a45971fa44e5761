"""From a source group's message to the text a mirror posts, and the offer's identity.

Each link is handled on its own (concurrently): invites are removed; a store link the
organization has a tag for is expanded and rewritten; any other link is removed
(``DROP``) or kept without foreign parameters (``KEEP``, a short link expanded first so
that the other promoter's tag hidden behind it is not posted). A link that had to be
rewritten or expanded and could not be marks the offer failed: it is parked for review,
never posted with a clean untagged link.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Literal

from app.mirrors.links import amazon, magalu, mercadolivre
from app.mirrors.links.identity import fingerprint, offer_key, price_cents
from app.mirrors.links.model import Affiliate, LinkError, LinkResult, PreparedOffer, Store
from app.mirrors.links.service import LinkService
from app.mirrors.links.urls import Found, clean_url, find_links, is_invite, is_shortener, store_of

Unmapped = Literal["DROP", "KEEP"]
# A line left with only a label for the removed link ("Entre no grupo:", "🔗 Link:").
_LABEL = re.compile(r":\W*$")
_OFFER_CONTENT = re.compile(r"R\$|https?://|\w\.\w+/", re.IGNORECASE)


@dataclass(frozen=True)
class _Outcome:
    result: LinkResult
    failed: str | None = None


async def prepare_offer(
    text: str, affiliate: Affiliate, *, unmapped: Unmapped, links: LinkService
) -> PreparedOffer:
    found = find_links(text)
    outcomes = await asyncio.gather(*(_handle(item, affiliate, unmapped, links) for item in found))
    identity_urls = [
        outcome.result.resolved or item.url
        for item, outcome in zip(found, outcomes, strict=True)
        if not is_invite(item.url)
    ]
    store, key = offer_key(identity_urls, text)
    return PreparedOffer(
        text=_compose(text, found, [o.result.rewritten for o in outcomes]),
        links=[outcome.result for outcome in outcomes],
        store=store,
        offer_key=key,
        price_cents=price_cents(text),
        fingerprint=fingerprint(text),
        failed=next((o.failed for o in outcomes if o.failed is not None), None),
    )


async def _handle(
    item: Found, affiliate: Affiliate, unmapped: Unmapped, links: LinkService
) -> _Outcome:
    written = item.written
    if is_invite(item.url):
        return _Outcome(LinkResult(original=written, resolved=None, rewritten=None, store=None))
    store = store_of(item.url)
    if store is None:
        kept = clean_url(item.url) if unmapped == "KEEP" else None
        return _Outcome(
            LinkResult(original=written, resolved=None, rewritten=kept, store=Store.OTHER)
        )
    if not affiliate.maps(store) and unmapped == "DROP":
        return _Outcome(LinkResult(original=written, resolved=None, rewritten=None, store=store))
    resolved: str | None = None
    try:
        resolved = await links.expand(item.url) if is_shortener(item.url) else item.url
        store = store_of(resolved) or store
        if affiliate.maps(store):
            rewritten = await _rewrite(store, resolved, affiliate, links)
        elif unmapped == "KEEP":
            rewritten = clean_url(resolved)
        else:
            rewritten = None
    except LinkError as exc:
        return _Outcome(
            LinkResult(original=written, resolved=resolved, rewritten=None, store=store),
            failed=f"{store.value} link {written}: {exc}",
        )
    result = LinkResult(original=written, resolved=resolved, rewritten=rewritten, store=store)
    return _Outcome(result)


async def _rewrite(store: Store, url: str, affiliate: Affiliate, links: LinkService) -> str:
    match store:
        case Store.AMAZON if affiliate.amazon_tag:
            return amazon.rewrite(url, affiliate.amazon_tag)
        case Store.MERCADO_LIVRE if affiliate.ml_matt_word:
            return mercadolivre.rewrite(url, affiliate.ml_matt_word, affiliate.ml_matt_tool)
        case Store.MAGALU if affiliate.magalu_store:
            return magalu.rewrite(url, affiliate.magalu_store)
        case Store.SHOPEE:
            return await links.shopee_link(url, affiliate)
        case Store.ALIEXPRESS:
            return await links.aliexpress_link(url, affiliate)
    raise LinkError(f"no affiliate rewrite for {store.value}")


def _compose(text: str, found: list[Found], replacements: list[str | None]) -> str:
    """``text`` with each link replaced, or removed with its line when nothing but a
    label or decoration is left of it. An invite takes its whole line ("Fale comigo",
    "Entre no grupo VIP") unless the line also has a price or another link. Everything
    else, formatting and emoji included, is kept as it was."""
    for item, replacement in reversed(list(zip(found, replacements, strict=True))):
        if replacement is not None:
            text = text[: item.start] + replacement + text[item.end :]
            continue
        line_start = text.rfind("\n", 0, item.start) + 1
        line_end = text.find("\n", item.end)
        line_end = len(text) if line_end == -1 else line_end
        before, after = text[line_start : item.start], text[item.end : line_end]
        only_label = not _has_words(after) and bool(_LABEL.search(before))
        invite_line = is_invite(item.url) and not _OFFER_CONTENT.search(before + after)
        if not _has_words(before + after) or only_label or invite_line:
            text = text[:line_start] + text[line_end + 1 :]
        else:
            text = _join(text[: item.start], text[item.end :])
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _join(left: str, right: str) -> str:
    left, right = left.rstrip(" "), right.lstrip(" ")
    glue = " " if left and right and not left.endswith("\n") and not right.startswith("\n") else ""
    return left + glue + right


def _has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)
