"""Finding links in WhatsApp promo texts, recognising their store, cleaning them."""

from __future__ import annotations

import pytest

from app.mirrors.links import Store
from app.mirrors.links.urls import (
    clean_url,
    find_links,
    is_invite,
    is_shortener,
    normalized,
    store_of,
)

JBL = "🔥 *Fone JBL Tune 520BT* de ~R$ 399~ por *R$ 229,90* 👉 https://amzn.to/3xyz"


def written(text: str) -> list[str]:
    return [found.written for found in find_links(text)]


def test_a_link_after_an_emoji_is_found_whole() -> None:
    assert written(JBL) == ["https://amzn.to/3xyz"]


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("*https://amzn.to/3xyz*", "https://amzn.to/3xyz"),
        ("_https://amzn.to/3xyz_", "https://amzn.to/3xyz"),
        ("~https://amzn.to/3xyz~", "https://amzn.to/3xyz"),
        ("Corre: https://amzn.to/3xyz.", "https://amzn.to/3xyz"),
        ("(link: https://amzn.to/3xyz)", "https://amzn.to/3xyz"),
        ("👉https://amzn.to/3xyz🔥", "https://amzn.to/3xyz"),
        (
            "veja https://en.wikipedia.org/wiki/JBL_(company), ok",
            "https://en.wikipedia.org/wiki/JBL_(company)",
        ),
    ],
)
def test_formatting_and_punctuation_around_a_link_stay_outside_it(text: str, link: str) -> None:
    assert written(text) == [link]


def test_bare_store_and_invite_hosts_are_links() -> None:
    text = (
        "Oferta amzn.to/3xyz e meli.la/1AbC\n"
        "Grupo: chat.whatsapp.com/KxYz123 ou www.amazon.com.br/dp/B0C1JBL520"
    )
    assert written(text) == [
        "amzn.to/3xyz",
        "meli.la/1AbC",
        "chat.whatsapp.com/KxYz123",
        "www.amazon.com.br/dp/B0C1JBL520",
    ]
    assert find_links(text)[0].url == "https://amzn.to/3xyz"


def test_bare_unknown_domains_and_emails_are_not_links() -> None:
    assert written("fale com vendas@amzn.to/x ou exemplo.com/abc, 10.5/kg") == []


def test_positions_point_at_the_link_in_the_text() -> None:
    [found] = find_links(JBL)
    assert JBL[found.start : found.end] == found.written


@pytest.mark.parametrize(
    ("url", "store"),
    [
        ("https://www.amazon.com.br/dp/B0C1JBL520", Store.AMAZON),
        ("https://amzn.to/3xyz", Store.AMAZON),
        ("https://a.co/d/7Kf2Qw", Store.AMAZON),
        ("https://produto.mercadolivre.com.br/MLB-123456789-x-_JM", Store.MERCADO_LIVRE),
        ("https://www.mercadolivre.com/sec/2xYz", Store.MERCADO_LIVRE),
        ("https://meli.la/1AbC", Store.MERCADO_LIVRE),
        ("https://shopee.com.br/x-i.1.2", Store.SHOPEE),
        ("https://s.shopee.com.br/7AbC", Store.SHOPEE),
        ("https://shope.ee/abc", Store.SHOPEE),
        ("https://shp.ee/abc", Store.SHOPEE),
        ("https://pt.aliexpress.com/item/1005006123456789.html", Store.ALIEXPRESS),
        ("https://s.click.aliexpress.com/e/_oFq", Store.ALIEXPRESS),
        ("https://www.magazineluiza.com.br/tv/p/237184100/et/tv4k/", Store.MAGALU),
        ("https://www.magazinevoce.com.br/magazineoutro/tv/p/237184100/", Store.MAGALU),
        ("https://maga.lu/bXyZ", Store.MAGALU),
        ("https://magalu.me/abc", Store.MAGALU),
        ("HTTPS://WWW.AMAZON.COM.BR./dp/B0C1JBL520", Store.AMAZON),
    ],
)
def test_stores_are_recognised_by_registered_domain(url: str, store: Store) -> None:
    assert store_of(url) is store


@pytest.mark.parametrize(
    "url",
    [
        "https://amazon.com.br.evil.example.com/dp/B0C1JBL520",
        "https://evilamazon.com.br/dp/B0C1JBL520",
        "https://notshopee.com.br/x-i.1.2",
        "https://amazon.com.br@10.0.0.1/",
        "https://aliexpress.com.ru.example/item/1.html",
        "https://onelink.me/abc",
        "https://bit.ly/3xyz",
    ],
)
def test_look_alike_hosts_are_not_stores(url: str) -> None:
    assert store_of(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://chat.whatsapp.com/KxYz123",
        "https://wa.me/5511999998888",
        "https://api.whatsapp.com/send?phone=5511999998888",
        "https://whatsapp.com/channel/0029VaAbC",
        "https://t.me/promocoes",
        "https://telegram.me/joinchat/AbC",
    ],
)
def test_group_and_contact_invites_are_recognised(url: str) -> None:
    assert is_invite(url)


def test_short_links_are_recognised() -> None:
    assert is_shortener("https://amzn.to/3xyz")
    assert is_shortener("https://www.mercadolivre.com/sec/2xYz")
    assert is_shortener("https://www.mercadolivre.com.br/social/promo123")
    assert not is_shortener("https://www.amazon.com.br/dp/B0C1JBL520")
    assert not is_shortener("https://produto.mercadolivre.com.br/MLB-123456789-x-_JM")


def test_cleaning_drops_foreign_affiliate_and_tracking_parameters_only() -> None:
    url = (
        "https://loja.example.com/p/1?cor=azul&tag=outro-20&utm_source=grupo&aff_fcid=1"
        "&af_siteid=9&matt_word=outro&smid=A1&linkCode=ll1&ref=abc&tamanho=G#position=3&x=1"
    )
    assert clean_url(url) == "https://loja.example.com/p/1?cor=azul&tamanho=G"


def test_normalized_links_compare_equal_whatever_the_tracking() -> None:
    a = "https://www.loja.example.com/p/1/?b=2&a=1&utm_source=x"
    b = "http://LOJA.example.com/p/1?a=1&b=2&tag=y"
    assert normalized(a) == normalized(b) == "loja.example.com/p/1?a=1&b=2"
