"""Product ids, offer keys, prices, fingerprints and the fuzzy match."""

from __future__ import annotations

import pytest

from app.mirrors.links import FUZZY_THRESHOLD, Store, offer_identity, price_cents, similarity
from app.mirrors.links.identity import fingerprint, product_id


@pytest.mark.parametrize(
    ("store", "url", "expected"),
    [
        (
            Store.AMAZON,
            "https://www.amazon.com.br/Fone-JBL/dp/B0C1JBL520/ref=sr_1_1?th=1",
            "B0C1JBL520",
        ),
        (Store.AMAZON, "https://www.amazon.com.br/gp/product/b0c1jbl520?psc=1", "B0C1JBL520"),
        (Store.AMAZON, "https://www.amazon.com.br/dp/8535914846", "8535914846"),
        (Store.AMAZON, "https://www.amazon.com.br/s?k=fone+jbl", None),
        (
            Store.MERCADO_LIVRE,
            "https://produto.mercadolivre.com.br/MLB-3456789012-air-fryer-_JM",
            "MLB3456789012",
        ),
        (
            Store.MERCADO_LIVRE,
            "https://www.mercadolivre.com.br/air-fryer/p/MLB19876543",
            "MLB19876543",
        ),
        (
            Store.MERCADO_LIVRE,
            "https://www.mercadolivre.com.br/p/MLB19876543?item_id=MLB123456789",
            "MLB19876543",
        ),
        (
            Store.SHOPEE,
            "https://shopee.com.br/Tenis-Casual-i.123456789.23456789012?x=1",
            "123456789.23456789012",
        ),
        (
            Store.SHOPEE,
            "https://shopee.com.br/product/123456789/23456789012",
            "123456789.23456789012",
        ),
        (Store.SHOPEE, "https://shopee.com.br/lojaoficial", None),
        (
            Store.ALIEXPRESS,
            "https://pt.aliexpress.com/item/1005006123456789.html?spm=a2g0o",
            "1005006123456789",
        ),
        (Store.ALIEXPRESS, "https://m.aliexpress.com/i/1005006123456789.html", "1005006123456789"),
        (
            Store.ALIEXPRESS,
            "https://star.aliexpress.com/share/share.htm?redirectUrl=https%3A%2F%2Fpt.aliexpress.com"
            "%2Fitem%2F1005006123456789.html",
            "1005006123456789",
        ),
        (
            Store.MAGALU,
            "https://www.magazineluiza.com.br/smart-tv/p/237184100/et/tv4k/",
            "237184100",
        ),
        (
            Store.MAGALU,
            "https://www.magazinevoce.com.br/magazineoutro/tv/p/ab12cd34ef/et/tv/",
            "ab12cd34ef",
        ),
    ],
)
def test_product_ids(store: Store, url: str, expected: str | None) -> None:
    assert product_id(store, url) == expected


def test_the_key_is_the_first_product_link() -> None:
    text = (
        "Ofertas do dia\nhttps://bit.ly/xyz\n"
        "https://www.amazon.com.br/dp/B0C1JBL520?tag=outro-20\n"
        "https://produto.mercadolivre.com.br/MLB-3456789012-x-_JM"
    )
    assert offer_identity(text) == (Store.AMAZON, "AMAZON:B0C1JBL520")


def test_the_same_product_from_two_groups_has_one_key() -> None:
    one = "🔥 *Fone JBL* por R$ 229,90 https://www.amazon.com.br/Fone/dp/B0C1JBL520?tag=a-20&smid=X"
    other = "CORRE!! JBL Tune www.amazon.com.br/gp/product/B0C1JBL520?tag=b-20"
    assert offer_identity(one)[1] == offer_identity(other)[1] == "AMAZON:B0C1JBL520"


def test_the_mercado_livre_id_is_normalised() -> None:
    store, key = offer_identity("https://produto.mercadolivre.com.br/MLB-3456789012-air-fryer-_JM")
    assert (store, key) == (Store.MERCADO_LIVRE, "MERCADO_LIVRE:MLB3456789012")


def test_links_without_a_product_id_key_by_their_normalised_set() -> None:
    one = "Cupons: https://loja.example.com/cupons?utm_source=g1 e https://amzn.to/3xyz"
    other = "https://amzn.to/3xyz\nhttps://www.loja.example.com/cupons/?utm_source=g2"
    store, key = offer_identity(one)
    assert store is Store.AMAZON
    assert key.startswith("LINKS:") and len(key) == len("LINKS:") + 40
    assert offer_identity(other)[1] == key


def test_invites_do_not_count_as_links_of_the_offer() -> None:
    with_invite = "Promo do dia\nhttps://chat.whatsapp.com/KxYz123"
    store, key = offer_identity(with_invite)
    assert store is None and key.startswith("TEXT:")
    assert key == offer_identity("Promo do dia")[1]


def test_a_text_key_ignores_case_accents_emoji_and_punctuation() -> None:
    a = "🔥🔥 *Promoção* relâmpago: Cafeteira Nespresso Essenza!!"
    b = "promocao RELAMPAGO cafeteira nespresso essenza"
    assert offer_identity(a)[1] == offer_identity(b)[1]
    assert fingerprint(a) == "promocao relampago cafeteira nespresso essenza"


def test_fingerprint_leaves_links_and_prices_out() -> None:
    text = "Fone JBL 520BT por R$ 229,90 👉 https://amzn.to/3xyz?tag=a"
    assert fingerprint(text) == "fone jbl 520bt por"
    assert fingerprint(fingerprint(text)) == fingerprint(text)


def test_a_cheaper_repost_of_a_link_less_offer_keeps_its_key() -> None:
    assert (
        offer_identity("Cafeteira Nespresso por R$ 349,90")[1]
        == (offer_identity("Cafeteira Nespresso por R$ 299,90")[1])
    )


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("🔥 *Fone JBL Tune 520BT* de ~R$ 399~ por *R$ 229,90* 👉 https://amzn.to/3xyz", 22990),
        ('Smart TV 50" R$ 1.299,90 à vista', 129990),
        ("De R$ 2.499,00 por R$ 1.899,00 ou por R$ 1.799,00 no Pix", 179900),
        ("~R$ 150,00~\nR$ 99,90 no app", 9990),
        ("Use o cupom de R$ 20 OFF e leve por R$ 89", 8900),
        ("Cupom R$ 30 OFF\nTênis Olympikus R$ 179,99", 17999),
        ("Apenas R$199", 19900),
        ("Notebook R$ 3.199,00 ou 10x de R$ 319,90 sem juros", 319900),
        ("Em até 12x R$ 99,92 | à vista R$ 1.099,00", 109900),
        ("R$ 12,5 cada", 1250),
        ("sem preço aqui, 50% off", None),
    ],
)
def test_price(text: str, cents: int | None) -> None:
    assert price_cents(text) == cents


def test_a_re_typed_offer_is_similar() -> None:
    original = "🔥 *Air Fryer Mondial 4L* de ~R$ 399~ por *R$ 249,90* — frete grátis!"
    retyped = "🚨 CORRE 🚨\nAir fryer MONDIAL 4l de R$ 399 por R$ 249,90 - frete gratis"
    assert similarity(original, retyped) >= FUZZY_THRESHOLD


def test_another_model_is_not_similar() -> None:
    a = "Fone de ouvido JBL Tune 520BT bluetooth por R$ 229,90"
    b = "Fone de ouvido JBL Tune 720BT bluetooth por R$ 329,90"
    assert similarity(a, b) < FUZZY_THRESHOLD


def test_another_product_is_not_similar() -> None:
    a = "🔥 *Air Fryer Mondial 4L* por *R$ 249,90*"
    b = "🔥 *Cafeteira Nespresso Essenza* por *R$ 349,90*"
    assert similarity(a, b) < 60


def test_short_texts_are_not_matched_by_word_subsets() -> None:
    assert similarity("Corre!", "Corre! Air fryer Mondial 4L por R$ 249,90") < FUZZY_THRESHOLD
    assert similarity("", "qualquer coisa") == 0.0


def test_similarity_of_fingerprints_is_the_similarity_of_the_texts() -> None:
    a = "🔥 *Air Fryer Mondial 4L* por *R$ 249,90* https://amzn.to/3xyz"
    b = "Air fryer Mondial 4L - só R$ 239,90!! corre"
    assert similarity(fingerprint(a), fingerprint(b)) == similarity(a, b)
