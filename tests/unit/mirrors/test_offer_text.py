"""The posted text: links replaced in place, removed links take their labels, formatting
and emoji untouched. Full store links need no network, so the client here refuses every
request: a test that reached it would fail."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.mirrors.links import (
    Affiliate,
    LinkService,
    Store,
    amazon,
    magalu,
    mercadolivre,
    prepare_offer,
)

TAGS = Affiliate(
    amazon_tag="balcao-20",
    ml_matt_word="balcaopromo",
    ml_matt_tool="77001122",
    magalu_store="magazinebalcao",
)


def _no_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"unexpected request to {request.url}")


@pytest.fixture
async def offline() -> AsyncIterator[LinkService]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(_no_network)) as client:
        yield LinkService(client)


async def test_formatting_and_emoji_around_a_rewritten_link_are_kept(
    offline: LinkService,
) -> None:
    text = (
        "🔥🔥 *SUPER OFERTA* 🔥🔥\n"
        "_Echo Dot 5ª geração_ de ~R$ 429~ por *R$ 284,05* 😱\n"
        "🛒 *https://www.amazon.com.br/Echo-Dot/dp/B09B8VGCR8?tag=outro-20&smid=X*\n"
        "⚠️ Preço sujeito a alteração"
    )
    offer = await prepare_offer(text, TAGS, unmapped="DROP", links=offline)
    assert offer.text == (
        "🔥🔥 *SUPER OFERTA* 🔥🔥\n"
        "_Echo Dot 5ª geração_ de ~R$ 429~ por *R$ 284,05* 😱\n"
        "🛒 *https://www.amazon.com.br/dp/B09B8VGCR8?tag=balcao-20*\n"
        "⚠️ Preço sujeito a alteração"
    )
    assert offer.price_cents == 28405


async def test_invite_lines_and_their_labels_are_removed(offline: LinkService) -> None:
    text = (
        "Kindle 11ª geração por R$ 474,05\n"
        "https://www.amazon.com.br/dp/B09SWW583J\n\n"
        "📲 Entre no grupo VIP: https://chat.whatsapp.com/KxYz123AbC\n"
        "👉 https://t.me/promocoesdodia\n"
        "Fale comigo: wa.me/5511999998888\n"
        "Mais ofertas no canal https://whatsapp.com/channel/0029VaAbC"
    )
    offer = await prepare_offer(text, TAGS, unmapped="DROP", links=offline)
    assert offer.text == (
        "Kindle 11ª geração por R$ 474,05\nhttps://www.amazon.com.br/dp/B09SWW583J?tag=balcao-20"
    )
    assert [link.store for link in offer.links] == [Store.AMAZON, None, None, None, None]


async def test_a_dropped_link_in_a_sentence_leaves_the_sentence(offline: LinkService) -> None:
    text = "Tênis por R$ 89,90 https://www.netshoes.com.br/tenis-x?utm_source=grupo no site"
    offer = await prepare_offer(text, TAGS, unmapped="DROP", links=offline)
    assert offer.text == "Tênis por R$ 89,90 no site"


async def test_a_dropped_link_with_only_a_label_takes_the_label(offline: LinkService) -> None:
    text = "Cafeteira por R$ 349,90\n🔗 Link: https://www.kabum.com.br/produto/123\nCorre!"
    offer = await prepare_offer(text, TAGS, unmapped="DROP", links=offline)
    assert offer.text == "Cafeteira por R$ 349,90\nCorre!"


async def test_an_invite_inside_an_offer_line_removes_only_the_link(
    offline: LinkService,
) -> None:
    text = "Air fryer por R$ 249,90 no grupo https://chat.whatsapp.com/KxYz123 😍"
    offer = await prepare_offer(text, TAGS, unmapped="KEEP", links=offline)
    assert offer.text == "Air fryer por R$ 249,90 no grupo 😍"


async def test_keep_cleans_foreign_parameters_off_other_links(offline: LinkService) -> None:
    text = "Cupom: https://www.kabum.com.br/produto/123?utm_source=grupo&ref=promo&cor=preta"
    offer = await prepare_offer(text, TAGS, unmapped="KEEP", links=offline)
    assert offer.text == "Cupom: https://www.kabum.com.br/produto/123?cor=preta"


async def test_bare_links_are_rewritten_as_full_links(offline: LinkService) -> None:
    text = "Fone 👉 www.amazon.com.br/gp/product/B0C1JBL520 ✅"
    offer = await prepare_offer(text, TAGS, unmapped="DROP", links=offline)
    assert offer.text == "Fone 👉 https://www.amazon.com.br/dp/B0C1JBL520?tag=balcao-20 ✅"


async def test_a_store_without_a_mapping_costs_no_request_under_drop(
    offline: LinkService,
) -> None:
    offer = await prepare_offer(
        "Tênis https://s.shopee.com.br/7AbCdEfGh", TAGS, unmapped="DROP", links=offline
    )
    assert offer.text == "Tênis"
    assert offer.failed is None and offer.store is Store.SHOPEE


def test_amazon_rewrite_replaces_any_tag() -> None:
    url = "https://www.amazon.com.br/Fone/dp/B0C1JBL520/ref=sr_1_1?tag=outro-20&linkCode=ll1"
    assert (
        amazon.rewrite(url, "balcao-20") == "https://www.amazon.com.br/dp/B0C1JBL520?tag=balcao-20"
    )
    deals = "https://www.amazon.com.br/deals?tag=outro-20&ref=nav"
    assert amazon.rewrite(deals, "balcao-20") == "https://www.amazon.com.br/deals?tag=balcao-20"


def test_mercado_livre_rewrite_keeps_only_our_parameters() -> None:
    url = (
        "https://www.mercadolivre.com.br/p/MLB19876543?pdp_filters=x&matt_word=outro"
        "&matt_tool=1&item_id=MLB123456789#reco_item_pos=1"
    )
    assert mercadolivre.rewrite(url, "balcaopromo", None) == (
        "https://www.mercadolivre.com.br/p/MLB19876543?item_id=MLB123456789&matt_word=balcaopromo"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.magazineluiza.com.br/smart-tv-50/p/237184100/et/tv4k/?seller_id=x",
            "https://www.magazinevoce.com.br/magazinebalcao/smart-tv-50/p/237184100/et/tv4k/",
        ),
        (
            "https://www.magazinevoce.com.br/magazineoutro/smart-tv-50/p/237184100/et/tv4k/",
            "https://www.magazinevoce.com.br/magazinebalcao/smart-tv-50/p/237184100/et/tv4k/",
        ),
        (
            "https://www.magazineluiza.com.br/smart-tv-50/p/237184100/",
            "https://www.magazinevoce.com.br/magazinebalcao/smart-tv-50/p/237184100/",
        ),
    ],
)
def test_magalu_rewrite_puts_our_store_in_the_path(url: str, expected: str) -> None:
    assert magalu.rewrite(url, "magazinebalcao") == expected
