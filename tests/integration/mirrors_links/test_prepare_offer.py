"""prepare_offer end to end: real-format promo texts through the stand-in."""

from __future__ import annotations

import pytest
from affiliate_apis import (
    ALIEXPRESS_APP_KEY,
    ALIEXPRESS_SECRET,
    ALIEXPRESS_TRACKING_ID,
    SHOPEE_APP_ID,
    SHOPEE_SECRET,
    AffiliateStandIn,
)

from app.mirrors.links import Affiliate, LinkService, Store, offer_identity, prepare_offer

EVERY_STORE = Affiliate(
    amazon_tag="balcao-20",
    ml_matt_word="balcaopromo",
    ml_matt_tool="77001122",
    magalu_store="magazinebalcao",
    shopee_app_id=SHOPEE_APP_ID,
    shopee_secret=SHOPEE_SECRET,
    aliexpress_app_key=ALIEXPRESS_APP_KEY,
    aliexpress_secret=ALIEXPRESS_SECRET,
    aliexpress_tracking_id=ALIEXPRESS_TRACKING_ID,
)
AMAZON_ONLY = Affiliate(amazon_tag="balcao-20")

JBL = "🔥 *Fone JBL Tune 520BT* de ~R$ 399~ por *R$ 229,90* 👉 https://amzn.to/3xyzJBL"


async def test_an_amazon_short_link_is_expanded_and_tagged(links: LinkService) -> None:
    offer = await prepare_offer(JBL, AMAZON_ONLY, unmapped="DROP", links=links)
    assert offer.text == (
        "🔥 *Fone JBL Tune 520BT* de ~R$ 399~ por *R$ 229,90* 👉 "
        "https://www.amazon.com.br/dp/B0C1JBL520?tag=balcao-20"
    )
    assert offer.store is Store.AMAZON
    assert offer.offer_key == "AMAZON:B0C1JBL520"
    assert offer.price_cents == 22990
    assert offer.fingerprint == "fone jbl tune 520bt de por"
    assert offer.failed is None
    [link] = offer.links
    assert link.original == "https://amzn.to/3xyzJBL"
    assert link.resolved is not None and "tag=outrapromo-20" in link.resolved
    assert link.rewritten == "https://www.amazon.com.br/dp/B0C1JBL520?tag=balcao-20"


async def test_every_store_is_rewritten_and_invites_are_stripped(links: LinkService) -> None:
    text = (
        "🛍️ *OFERTAS DO DIA* 🛍️\n\n"
        "🎧 Fone JBL por *R$ 229,90*\n👉 amzn.to/3xyzJBL\n\n"
        "🍟 _Air Fryer Mondial_ por R$ 249,90\n👉 https://meli.la/1AbCdEf\n\n"
        "👟 Tênis ~R$ 199~ R$ 89,90\n👉 https://s.shopee.com.br/7AbCdEfGh\n\n"
        "📱 Capinha: https://s.click.aliexpress.com/e/_oFq1Ab2\n\n"
        '📺 TV 50": https://maga.lu/bXyZ12\n\n'
        "📲 Entre no nosso grupo: https://chat.whatsapp.com/KxYz123AbC\n"
        "Fale comigo wa.me/5511999998888"
    )
    offer = await prepare_offer(text, EVERY_STORE, unmapped="DROP", links=links)
    assert offer.failed is None
    rewritten = [link.rewritten for link in offer.links]
    assert rewritten[0] == "https://www.amazon.com.br/dp/B0C1JBL520?tag=balcao-20"
    assert rewritten[1] == (
        "https://produto.mercadolivre.com.br/MLB-3456789012-air-fryer-mondial-4l-_JM"
        "?matt_word=balcaopromo&matt_tool=77001122"
    )
    assert rewritten[2] is not None and rewritten[2].startswith("https://s.shopee.com.br/")
    assert rewritten[3] is not None and rewritten[3].startswith("https://s.click.aliexpress.com/e/")
    assert rewritten[4] == (
        "https://www.magazinevoce.com.br/magazinebalcao/smart-tv-50-samsung-crystal"
        "/p/237184100/et/tv4k/"
    )
    assert rewritten[5:] == [None, None]
    assert [link.store for link in offer.links] == [
        Store.AMAZON,
        Store.MERCADO_LIVRE,
        Store.SHOPEE,
        Store.ALIEXPRESS,
        Store.MAGALU,
        None,
        None,
    ]
    assert offer.text.startswith(
        "🛍️ *OFERTAS DO DIA* 🛍️\n\n🎧 Fone JBL por *R$ 229,90*\n👉 https://www.amazon"
    )
    assert "🍟 _Air Fryer Mondial_ por R$ 249,90" in offer.text
    assert "👟 Tênis ~R$ 199~ R$ 89,90" in offer.text
    for gone in ("whatsapp", "wa.me", "grupo", "outrapromo", "utm_", "af_siteid", "aff_"):
        assert gone not in offer.text
    assert offer.text.endswith(
        "https://www.magazinevoce.com.br/magazinebalcao/smart-tv-50-samsung-crystal/p/237184100/et/tv4k/"
    )
    assert "Fale comigo" not in offer.text
    assert offer.offer_key == "AMAZON:B0C1JBL520"


async def test_an_unmapped_store_link_is_dropped_without_any_request(
    links: LinkService, web: AffiliateStandIn
) -> None:
    text = (
        "Air fryer por R$ 249,90\n👉 https://meli.la/1AbCdEf\nou na Amazon https://amzn.to/3xyzJBL"
    )
    offer = await prepare_offer(text, AMAZON_ONLY, unmapped="DROP", links=links)
    assert offer.text == (
        "Air fryer por R$ 249,90\nou na Amazon https://www.amazon.com.br/dp/B0C1JBL520?tag=balcao-20"
    )
    assert offer.links[0].rewritten is None and offer.links[0].store is Store.MERCADO_LIVRE
    assert web.hosts() == ["amzn.to"]
    assert offer.failed is None


async def test_an_unmapped_store_link_is_kept_clean_under_keep(links: LinkService) -> None:
    text = "Air fryer 👉 https://meli.la/1AbCdEf"
    offer = await prepare_offer(text, AMAZON_ONLY, unmapped="KEEP", links=links)
    assert offer.text == (
        "Air fryer 👉 https://produto.mercadolivre.com.br/MLB-3456789012-air-fryer-mondial-4l-_JM"
    )
    assert offer.offer_key == "MERCADO_LIVRE:MLB3456789012"


async def test_a_non_store_link_follows_the_unmapped_rule(links: LinkService) -> None:
    text = "Cupons aqui: https://cupons.example.com/jbl?utm_source=grupo&cupom=JBL10 🔥"
    dropped = await prepare_offer(text, AMAZON_ONLY, unmapped="DROP", links=links)
    kept = await prepare_offer(text, AMAZON_ONLY, unmapped="KEEP", links=links)
    assert dropped.text == ""
    assert kept.text == "Cupons aqui: https://cupons.example.com/jbl?cupom=JBL10 🔥"
    assert kept.links[0].store is Store.OTHER
    assert dropped.store is None and dropped.offer_key.startswith("LINKS:")


async def test_a_foreign_tag_on_a_full_amazon_link_is_replaced(links: LinkService) -> None:
    text = "Kindle 👉 https://www.amazon.com.br/Kindle/dp/B0CP31L73X?tag=outro-20&ref=x"
    offer = await prepare_offer(text, AMAZON_ONLY, unmapped="DROP", links=links)
    assert offer.text == "Kindle 👉 https://www.amazon.com.br/dp/B0CP31L73X?tag=balcao-20"
    assert offer_identity(text) == (offer.store, offer.offer_key)


@pytest.mark.parametrize("short", ["https://amzn.to/private", "https://amzn.to/six1"])
async def test_a_failed_expansion_fails_the_offer(links: LinkService, short: str) -> None:
    offer = await prepare_offer(f"Fone JBL {short}", AMAZON_ONLY, unmapped="DROP", links=links)
    assert offer.failed is not None and offer.failed.startswith(f"AMAZON link {short}: ")
    assert offer.links[0].rewritten is None
    assert "amzn.to" not in offer.text


async def test_a_wrong_shopee_signature_fails_the_offer(links: LinkService) -> None:
    wrong = Affiliate(shopee_app_id=SHOPEE_APP_ID, shopee_secret="errado")
    offer = await prepare_offer(
        "Tênis R$ 89,90 https://s.shopee.com.br/7AbCdEfGh", wrong, unmapped="DROP", links=links
    )
    assert offer.failed == (
        "SHOPEE link https://s.shopee.com.br/7AbCdEfGh: Shopee API error 10020: Invalid Signature"
    )
    assert offer.links[0].resolved is not None and offer.links[0].rewritten is None
    assert offer.offer_key == "SHOPEE:123456789.23456789012"


async def test_a_wrong_aliexpress_signature_fails_the_offer(links: LinkService) -> None:
    wrong = Affiliate(
        aliexpress_app_key=ALIEXPRESS_APP_KEY,
        aliexpress_secret="errado",
        aliexpress_tracking_id=ALIEXPRESS_TRACKING_ID,
    )
    offer = await prepare_offer(
        "Capinha https://s.click.aliexpress.com/e/_oFq1Ab2", wrong, unmapped="KEEP", links=links
    )
    assert offer.failed is not None and "IncompleteSignature" in offer.failed
    assert offer.offer_key == "ALIEXPRESS:1005006123456789"


async def test_a_short_link_under_keep_is_expanded_so_the_foreign_tag_goes(
    links: LinkService, web: AffiliateStandIn
) -> None:
    offer = await prepare_offer(JBL, Affiliate(), unmapped="KEEP", links=links)
    [link] = offer.links
    assert link.rewritten is not None and "outrapromo" not in link.rewritten
    assert "tag=" not in offer.text and "amzn.to" not in offer.text


async def test_a_text_without_links_is_keyed_by_its_text(links: LinkService) -> None:
    offer = await prepare_offer(
        "*Cafeteira Nespresso* por R$ 349,90 🔥", EVERY_STORE, unmapped="DROP", links=links
    )
    assert offer.text == "*Cafeteira Nespresso* por R$ 349,90 🔥"
    assert offer.links == [] and offer.store is None
    assert offer.offer_key == offer_identity("cafeteira nespresso por")[1]
    assert offer.price_cents == 34990
