"""Shopee's and AliExpress's affiliate link APIs, signed, against stand-ins that check."""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import parse_qsl

import pytest
from affiliate_apis import (
    ALIEXPRESS_APP_KEY,
    ALIEXPRESS_SECRET,
    ALIEXPRESS_TRACKING_ID,
    SHOPEE_APP_ID,
    SHOPEE_PRODUCT,
    SHOPEE_SECRET,
    AffiliateStandIn,
)

from app.mirrors.links import Affiliate, AffiliateApiError, LinkService

SHOPEE = Affiliate(shopee_app_id=SHOPEE_APP_ID, shopee_secret=SHOPEE_SECRET)
ALIEXPRESS = Affiliate(
    aliexpress_app_key=ALIEXPRESS_APP_KEY,
    aliexpress_secret=ALIEXPRESS_SECRET,
    aliexpress_tracking_id=ALIEXPRESS_TRACKING_ID,
)
ALI_ITEM = "https://pt.aliexpress.com/item/1005006123456789.html?spm=a2g0o&aff_fcid=x"


async def test_shopee_short_link_is_generated_with_a_valid_signature(
    links: LinkService, web: AffiliateStandIn
) -> None:
    link = await links.shopee_link(SHOPEE_PRODUCT, SHOPEE)
    assert re.fullmatch(r"https://s\.shopee\.com\.br/[0-9a-f]{10}", link)
    [call] = web.requests
    assert (call.method, call.headers["host"], call.path) == (
        "POST",
        "open-api.affiliate.shopee.com.br",
        "/graphql",
    )
    auth = re.fullmatch(
        r"SHA256 Credential=(\d+), Timestamp=(\d+), Signature=([0-9a-f]{64})",
        call.headers["authorization"],
    )
    assert auth is not None and auth[1] == SHOPEE_APP_ID
    expected = hashlib.sha256(
        f"{SHOPEE_APP_ID}{auth[2]}{call.body.decode()}{SHOPEE_SECRET}".encode()
    ).hexdigest()
    assert auth[3] == expected
    assert "generateShortLink" in call.json["query"]
    # the origin sent is the clean product page, not the foreign affiliate link
    assert '"https://shopee.com.br/product/123456789/23456789012"' in call.json["query"]


async def test_the_generated_shopee_link_leads_to_the_product(links: LinkService) -> None:
    link = await links.shopee_link(SHOPEE_PRODUCT, SHOPEE)
    assert await links.expand(link) == "https://shopee.com.br/product/123456789/23456789012"


async def test_a_wrong_shopee_secret_fails_with_shopees_reason(links: LinkService) -> None:
    wrong = Affiliate(shopee_app_id=SHOPEE_APP_ID, shopee_secret="not-the-secret")
    with pytest.raises(AffiliateApiError, match="Shopee API error 10020: Invalid Signature"):
        await links.shopee_link(SHOPEE_PRODUCT, wrong)


async def test_a_wrong_shopee_app_id_fails(links: LinkService) -> None:
    wrong = Affiliate(shopee_app_id="999", shopee_secret=SHOPEE_SECRET)
    with pytest.raises(AffiliateApiError, match="10020: Invalid Credential"):
        await links.shopee_link(SHOPEE_PRODUCT, wrong)


async def test_a_shopee_answer_without_a_link_fails(
    links: LinkService, web: AffiliateStandIn
) -> None:
    web.respond_next(200, {"data": {"generateShortLink": None}})
    with pytest.raises(AffiliateApiError, match="without a short link"):
        await links.shopee_link(SHOPEE_PRODUCT, SHOPEE)


async def test_a_shopee_answer_pointing_elsewhere_fails(
    links: LinkService, web: AffiliateStandIn
) -> None:
    web.respond_next(200, {"data": {"generateShortLink": {"shortLink": "https://evil.example/x"}}})
    with pytest.raises(AffiliateApiError, match="outside Shopee"):
        await links.shopee_link(SHOPEE_PRODUCT, SHOPEE)


async def test_a_shopee_outage_fails(links: LinkService, web: AffiliateStandIn) -> None:
    web.respond_next(502, None)
    with pytest.raises(AffiliateApiError, match="Shopee API unreachable"):
        await links.shopee_link(SHOPEE_PRODUCT, SHOPEE)


async def test_the_shopee_url_can_point_anywhere(web: AffiliateStandIn) -> None:
    web.reset()
    async with web.client() as client:
        links = LinkService(client, shopee_url="https://shopee-proxy.internal.example/graphql")
        await links.shopee_link(SHOPEE_PRODUCT, SHOPEE)
    assert web.hosts() == ["shopee-proxy.internal.example"]


async def test_aliexpress_link_is_generated_with_a_valid_signature(
    links: LinkService, web: AffiliateStandIn
) -> None:
    link = await links.aliexpress_link(ALI_ITEM, ALIEXPRESS)
    assert re.fullmatch(r"https://s\.click\.aliexpress\.com/e/_o[0-9a-f]{10}", link)
    [call] = web.requests
    assert (call.method, call.headers["host"], call.path) == (
        "POST",
        "api-sg.aliexpress.com",
        "/sync",
    )
    params = dict(parse_qsl(call.body.decode()))
    assert params["method"] == "aliexpress.affiliate.link.generate"
    assert params["promotion_link_type"] == "0"
    assert params["tracking_id"] == ALIEXPRESS_TRACKING_ID
    assert params["source_values"] == "https://www.aliexpress.com/item/1005006123456789.html"
    assert params["sign_method"] == "sha256"
    assert len(params["timestamp"]) == 13  # milliseconds
    given = params.pop("sign")
    message = "".join(f"{k}{params[k]}" for k in sorted(params))
    assert (
        given
        == hmac.new(ALIEXPRESS_SECRET.encode(), message.encode(), hashlib.sha256)
        .hexdigest()
        .upper()
    )


async def test_a_wrong_aliexpress_secret_fails_with_aliexpress_reason(links: LinkService) -> None:
    wrong = Affiliate(
        aliexpress_app_key=ALIEXPRESS_APP_KEY,
        aliexpress_secret="wrong",
        aliexpress_tracking_id=ALIEXPRESS_TRACKING_ID,
    )
    with pytest.raises(AffiliateApiError, match="IncompleteSignature"):
        await links.aliexpress_link(ALI_ITEM, wrong)


async def test_an_aliexpress_refusal_inside_the_result_fails(
    links: LinkService, web: AffiliateStandIn
) -> None:
    web.respond_next(
        200,
        {
            "aliexpress_affiliate_link_generate_response": {
                "resp_result": {"resp_code": 402, "resp_msg": "Invalid input parameters"},
                "request_id": "x",
            }
        },
    )
    with pytest.raises(AffiliateApiError, match="402 Invalid input parameters"):
        await links.aliexpress_link(ALI_ITEM, ALIEXPRESS)


async def test_missing_credentials_fail_without_a_call(
    links: LinkService, web: AffiliateStandIn
) -> None:
    with pytest.raises(AffiliateApiError, match="not set"):
        await links.aliexpress_link(ALI_ITEM, Affiliate(aliexpress_app_key="1"))
    assert web.requests == []


async def test_a_shopee_api_that_does_not_answer_times_out(web: AffiliateStandIn) -> None:
    web.reset()
    gate = web.hold_next("/graphql")
    try:
        async with web.client() as client:
            links = LinkService(client, api_timeout=0.2)
            with pytest.raises(AffiliateApiError, match="did not answer in time"):
                await links.shopee_link(SHOPEE_PRODUCT, SHOPEE)
    finally:
        gate.release()


async def test_a_shopee_shop_page_is_sent_without_foreign_parameters(
    links: LinkService, web: AffiliateStandIn
) -> None:
    await links.shopee_link("https://shopee.com.br/lojaoficial?af_siteid=9&utm_source=x", SHOPEE)
    assert '"https://shopee.com.br/lojaoficial"' in web.last.json["query"]
