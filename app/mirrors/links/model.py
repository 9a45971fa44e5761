"""The values the link module hands to the mirror worker, and its two failures."""

from __future__ import annotations

import enum

import msgspec


class Store(enum.StrEnum):
    AMAZON = "AMAZON"
    MERCADO_LIVRE = "MERCADO_LIVRE"
    SHOPEE = "SHOPEE"
    ALIEXPRESS = "ALIEXPRESS"
    MAGALU = "MAGALU"
    OTHER = "OTHER"


class Affiliate(msgspec.Struct, frozen=True, kw_only=True):
    """An organization's affiliate settings; a store whose fields are missing is unmapped.

    Mercado Livre needs ``ml_matt_word`` (``ml_matt_tool`` is added when set); Shopee
    needs its Open API app id and secret; AliExpress needs app key, secret and tracking id.
    """

    amazon_tag: str | None = None
    ml_matt_word: str | None = None
    ml_matt_tool: str | None = None
    magalu_store: str | None = None
    shopee_app_id: str | None = None
    shopee_secret: str | None = None
    aliexpress_app_key: str | None = None
    aliexpress_secret: str | None = None
    aliexpress_tracking_id: str | None = None

    def maps(self, store: Store) -> bool:
        """Whether links of ``store`` can carry this organization's tag."""
        match store:
            case Store.AMAZON:
                return bool(self.amazon_tag)
            case Store.MERCADO_LIVRE:
                return bool(self.ml_matt_word)
            case Store.MAGALU:
                return bool(self.magalu_store)
            case Store.SHOPEE:
                return bool(self.shopee_app_id and self.shopee_secret)
            case Store.ALIEXPRESS:
                return bool(
                    self.aliexpress_app_key
                    and self.aliexpress_secret
                    and self.aliexpress_tracking_id
                )
            case _:
                return False


class LinkResult(msgspec.Struct, kw_only=True):
    """One link of a source message, as written (``original``), where it led
    (``resolved``: set when it was expanded or rewritten) and what is posted instead
    (``rewritten``; None: removed, as an invite, an unmapped link under DROP or a failed
    rewrite are). ``store`` is None for an invite and ``OTHER`` for a non-store host."""

    original: str
    resolved: str | None
    rewritten: str | None
    store: Store | None


class PreparedOffer(msgspec.Struct, kw_only=True):
    text: str
    links: list[LinkResult]
    store: Store | None
    offer_key: str
    price_cents: int | None
    fingerprint: str
    failed: str | None


class LinkError(Exception):
    """A link could not be expanded or rewritten; ``str()`` is the reason shown on the
    post (REWRITE_FAILED).

    ::

        LinkError
        ├── ExpansionError         a short link did not lead to a product page
        │   └── ExpansionRefused   a hop outside the store allowlist (SSRF guard)
        └── AffiliateApiError      Shopee/AliExpress said no, or answered nothing usable
    """


class ExpansionError(LinkError):
    pass


class ExpansionRefused(ExpansionError):
    pass


class AffiliateApiError(LinkError):
    pass
