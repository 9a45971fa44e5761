"""NATIVE sender against a native integration stand-in (API.md, "Connections")."""

from __future__ import annotations

import hashlib
import hmac

import httpx
import msgspec
import pytest
from provider_apis import NativeStandIn

from providers.base import MediaRef, OutboundMessage, SendError
from providers.http import RateLimited
from providers.native import sender

TO = "5511987654321"


async def test_text_is_signed_and_shaped_per_contract(
    native_api: NativeStandIn, client: httpx.AsyncClient
) -> None:
    message = OutboundMessage(message_id="m-1", to=TO, text="Olá")
    result = await sender.send(message, native_api.config, client=client)

    request = native_api.last
    assert request.path == "/balcao/outbound"
    assert request.json == {
        "messageId": "m-1",
        "to": TO,
        "type": "text",
        "text": "Olá",
        "media": None,
    }
    expected = hmac.new(b"native-secret", request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-balcao-signature"] == f"sha256={expected}"
    assert native_api.signature_ok(request)
    assert result.provider_message_id == request.reply["providerMessageId"]


async def test_media_and_quote(native_api: NativeStandIn, client: httpx.AsyncClient) -> None:
    media = MediaRef(
        kind="document", mimetype="application/pdf", filename="b.pdf", url="https://f/b.pdf"
    )
    message = OutboundMessage(
        message_id="m-2", to=TO, text="Boleto", media=media, quoted_provider_message_id="abc"
    )
    await sender.send(message, native_api.config, client=client)

    body = native_api.last.json
    assert body["type"] == "document"
    assert body["media"] == {
        "url": "https://f/b.pdf",
        "mimetype": "application/pdf",
        "filename": "b.pdf",
    }
    assert body["quotedMessageId"] == "abc"


async def test_voice_from_base64(native_api: NativeStandIn, client: httpx.AsyncClient) -> None:
    media = MediaRef(kind="voice", mimetype="audio/ogg", base64="data:audio/ogg;base64,T2dnUw==")
    await sender.send(
        OutboundMessage(message_id="m-3", to=TO, media=media), native_api.config, client=client
    )

    body = native_api.last.json
    assert (body["type"], body["media"]["base64"]) == ("voice", "T2dnUw==")


async def test_wrong_secret_is_permanent(
    native_api: NativeStandIn, client: httpx.AsyncClient
) -> None:
    config = {**native_api.config, "secret": "other"}
    with pytest.raises(SendError) as caught:
        await sender.send(OutboundMessage(message_id="m-1", to=TO, text="x"), config, client=client)

    assert caught.value.transient is False
    assert caught.value.detail == "Native 401: invalid signature"


async def test_not_on_whatsapp_is_permanent(
    native_api: NativeStandIn, client: httpx.AsyncClient
) -> None:
    native_api.not_on_whatsapp.add(TO)
    with pytest.raises(SendError) as caught:
        await sender.send(
            OutboundMessage(message_id="m-1", to=TO, text="x"), native_api.config, client=client
        )

    assert caught.value.transient is False
    assert caught.value.detail == "Native 422: recipient not on WhatsApp"


@pytest.mark.parametrize("kind", ["server_error", "rate_limited"])
async def test_5xx_and_429_are_transient(
    native_api: NativeStandIn, client: httpx.AsyncClient, kind: str
) -> None:
    native_api.fail_next(kind, retry_after=2)  # type: ignore[arg-type]
    with pytest.raises(SendError) as caught:
        await sender.send(
            OutboundMessage(message_id="m-1", to=TO, text="x"), native_api.config, client=client
        )

    assert caught.value.transient is True
    assert isinstance(caught.value, RateLimited) == (kind == "rate_limited")


async def test_timeout_is_transient(
    native_api: NativeStandIn, impatient_client: httpx.AsyncClient
) -> None:
    native_api.fail_next("timeout")
    with pytest.raises(SendError) as caught:
        await sender.send(
            OutboundMessage(message_id="m-1", to=TO, text="x"),
            native_api.config,
            client=impatient_client,
        )

    assert caught.value.transient is True


async def test_connection_refused_is_transient(client: httpx.AsyncClient) -> None:
    config = {"sendUrl": "http://127.0.0.1:9/none", "secret": "s"}
    with pytest.raises(SendError) as caught:
        await sender.send(OutboundMessage(message_id="m-1", to=TO, text="x"), config, client=client)

    assert caught.value.transient is True
    assert caught.value.detail.startswith("Native: connection failed")


def test_signature_is_over_the_exact_bytes() -> None:
    body = msgspec.json.encode({"a": 1})
    digest = hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert sender.sign(body, "k") == f"sha256={digest}"
