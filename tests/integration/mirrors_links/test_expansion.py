"""Short-link expansion against the stand-in, through the real hostnames.

Every request the code under test makes lands on the stand-in (see affiliate_apis), so
``web.hosts()`` is the list of hosts it actually contacted: a refused hop never shows.
"""

from __future__ import annotations

import asyncio

import pytest
from affiliate_apis import AMAZON_PRODUCT, MAGALU_PRODUCT, ML_PRODUCT, AffiliateStandIn

from app.mirrors.links import ExpansionError, ExpansionRefused, LinkService
from app.mirrors.links.service import USER_AGENT


async def test_an_amazon_short_link_expands_to_the_product(
    links: LinkService, web: AffiliateStandIn
) -> None:
    assert await links.expand("https://amzn.to/3xyzJBL") == AMAZON_PRODUCT
    [request] = web.requests
    assert request.method == "GET"
    assert request.headers["host"] == "amzn.to"
    assert request.headers["user-agent"] == USER_AGENT


async def test_a_chain_of_short_links_is_followed_hop_by_hop(
    links: LinkService, web: AffiliateStandIn
) -> None:
    assert await links.expand("https://a.co/d/7Kf2Qw") == AMAZON_PRODUCT
    assert web.hosts() == ["a.co", "amzn.to"]


async def test_the_product_page_itself_is_never_requested(
    links: LinkService, web: AffiliateStandIn
) -> None:
    assert await links.expand("https://meli.la/1AbCdEf") == ML_PRODUCT
    assert "produto.mercadolivre.com.br" not in web.hosts()
    assert await links.expand(AMAZON_PRODUCT) == AMAZON_PRODUCT
    assert web.hosts() == ["meli.la"]


async def test_mercado_livre_sec_links_are_expanded(
    links: LinkService, web: AffiliateStandIn
) -> None:
    resolved = await links.expand("https://mercadolivre.com/sec/2xYzW9")
    assert resolved.startswith("https://www.mercadolivre.com.br/p/MLB19876543")


async def test_a_meta_refresh_page_is_followed(links: LinkService) -> None:
    assert await links.expand("https://magalu.me/tv50") == MAGALU_PRODUCT


async def test_five_redirects_are_followed(links: LinkService, web: AffiliateStandIn) -> None:
    assert await links.expand("https://amzn.to/five1") == AMAZON_PRODUCT
    assert len(web.requests) == 5


async def test_a_sixth_redirect_is_refused(links: LinkService, web: AffiliateStandIn) -> None:
    with pytest.raises(ExpansionError, match="more than 5 redirects"):
        await links.expand("https://amzn.to/six1")
    assert len(web.requests) == 6


async def test_a_redirect_loop_stops(links: LinkService, web: AffiliateStandIn) -> None:
    with pytest.raises(ExpansionError, match="loop"):
        await links.expand("https://amzn.to/loop")
    assert web.hosts() == ["amzn.to", "a.co"]


@pytest.mark.parametrize(
    ("short", "reason"),
    [
        ("https://amzn.to/loopback", "IP address (127.0.0.1)"),
        ("https://amzn.to/private", "IP address (10.0.0.5)"),
        ("https://meli.la/metadata", "IP address (169.254.169.254)"),
        ("https://amzn.to/ipv6", "IP address (::1)"),
        ("https://amzn.to/userinfo", "IP address (10.0.0.1)"),
        ("https://amzn.to/schemeless", "IP address (10.0.0.7)"),
        ("https://a.co/decimal", "non-store host (2130706433)"),
        ("https://a.co/intranet", "non-store host (intranet)"),
        ("https://shope.ee/phish", "non-store host (evil.example.com)"),
        ("https://amzn.to/lookalike", "non-store host (amazon.com.br.evil.example.com)"),
        ("https://amzn.to/port", "port 2375"),
        ("https://amzn.to/file", "file link"),
    ],
)
async def test_a_redirect_off_the_store_allowlist_is_refused_before_it_is_requested(
    links: LinkService, web: AffiliateStandIn, short: str, reason: str
) -> None:
    with pytest.raises(ExpansionRefused, match="refused") as raised:
        await links.expand(short)
    assert reason in str(raised.value)
    assert len(web.requests) == 1  # the short link; the hop it pointed to was never sent


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/",
        "http://10.1.2.3/x",
        "http://[fd00::1]/",
        "http://localhost/",
        "http://redis:6379/",
        "https://bit.ly/3xyz",
        "ftp://amzn.to/x",
    ],
)
async def test_a_non_store_link_is_never_requested(
    links: LinkService, web: AffiliateStandIn, url: str
) -> None:
    with pytest.raises(ExpansionRefused):
        await links.expand(url)
    assert web.requests == []


async def test_a_dead_short_link_fails(links: LinkService) -> None:
    with pytest.raises(ExpansionError, match="HTTP 404"):
        await links.expand("https://amzn.to/doesnotexist")


async def test_a_server_error_fails(links: LinkService, web: AffiliateStandIn) -> None:
    web.respond_next(503, {"error": "busy"})
    with pytest.raises(ExpansionError, match="HTTP 503"):
        await links.expand("https://amzn.to/3xyzJBL")


async def test_a_shortener_that_does_not_answer_times_out(web: AffiliateStandIn) -> None:
    web.reset()
    gate = web.hold_next()
    try:
        async with web.client() as client:
            links = LinkService(client, hop_timeout=0.2)
            with pytest.raises(ExpansionError, match="did not answer in time"):
                await links.expand("https://amzn.to/3xyzJBL")
    finally:
        gate.release()


async def test_a_big_page_is_not_downloaded(links: LinkService, web: AffiliateStandIn) -> None:
    filler = "x" * 2_000_000
    web.pages[("magalu.me", "/big")] = f"<html><body>{filler}</body></html>"
    with pytest.raises(ExpansionError, match="did not redirect"):
        await links.expand("https://magalu.me/big")


async def test_resolutions_are_cached(web: AffiliateStandIn) -> None:
    web.reset()
    now = [1000.0]
    async with web.client() as client:
        links = LinkService(client, cache_ttl=60.0, clock=lambda: now[0])
        assert await links.expand("https://amzn.to/3xyzJBL") == AMAZON_PRODUCT
        assert await links.expand("https://amzn.to/3xyzJBL") == AMAZON_PRODUCT
        assert len(web.requests) == 1
        now[0] += 61
        assert await links.expand("https://amzn.to/3xyzJBL") == AMAZON_PRODUCT
        assert len(web.requests) == 2


async def test_failures_are_not_cached(links: LinkService, web: AffiliateStandIn) -> None:
    web.respond_next(503, {"error": "busy"})
    with pytest.raises(ExpansionError):
        await links.expand("https://amzn.to/3xyzJBL")
    assert await links.expand("https://amzn.to/3xyzJBL") == AMAZON_PRODUCT


async def test_concurrent_expansions_of_one_link_share_a_request(
    links: LinkService, web: AffiliateStandIn
) -> None:
    results = await asyncio.gather(*(links.expand("https://amzn.to/3xyzJBL") for _ in range(20)))
    assert set(results) == {AMAZON_PRODUCT}
    assert len(web.requests) == 1
