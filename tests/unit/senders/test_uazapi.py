"""UAZapi sender against the uazapiGO stand-in (SEND_APIS.md §4)."""

from __future__ import annotations

import httpx
import pytest
from provider_apis import UazapiStandIn

from providers.base import MediaRef, OutboundMessage, SendError
from providers.http import RateLimited
from providers.uazapi import sender

TO = "5511987654321"


def text(**kwargs: object) -> OutboundMessage:
    body = kwargs.pop("body", "Olá! Seu atendimento foi encerrado.")
    return OutboundMessage(message_id="m-1", to=TO, text=body, **kwargs)  # type: ignore[arg-type]


async def test_text_is_checked_then_sent_with_token(
    uazapi_api: UazapiStandIn, client: httpx.AsyncClient
) -> None:
    result = await sender.send(text(), uazapi_api.config, client=client)

    check, request = uazapi_api.requests
    assert check.path == "/chat/check"
    assert check.json == {"numbers": [TO]}
    assert request.path == "/send/text"
    assert request.headers["token"] == "uaz-token"
    assert request.json == {"number": TO, "text": "Olá! Seu atendimento foi encerrado."}
    assert result.provider_message_id == request.reply["messageid"]
    assert request.reply["id"] == f"5511955554444:{result.provider_message_id}"


async def test_check_is_cached(uazapi_api: UazapiStandIn, client: httpx.AsyncClient) -> None:
    await sender.send(text(), uazapi_api.config, client=client)
    await sender.send(text(), uazapi_api.config, client=client)

    assert [r.path for r in uazapi_api.requests] == ["/chat/check", "/send/text", "/send/text"]


async def test_placeholders_are_not_left_for_uazapi_to_substitute(
    uazapi_api: UazapiStandIn, client: httpx.AsyncClient
) -> None:
    await sender.send(text(body="Use {{name}} no modelo"), uazapi_api.config, client=client)

    assert uazapi_api.last.json["text"] == "Use {\u200b{name}} no modelo"


async def test_quoted_reply_uses_replyid(
    uazapi_api: UazapiStandIn, client: httpx.AsyncClient
) -> None:
    await sender.send(
        text(quoted_provider_message_id="3EB0538DA65A59F6D8A251"), uazapi_api.config, client=client
    )

    assert uazapi_api.last.json["replyid"] == "3EB0538DA65A59F6D8A251"


async def test_image_by_url(uazapi_api: UazapiStandIn, client: httpx.AsyncClient) -> None:
    media = MediaRef(kind="image", mimetype="image/jpeg", url="https://files.example/p.jpg")
    message = OutboundMessage(message_id="m-1", to=TO, text="Foto", media=media)
    result = await sender.send(message, uazapi_api.config, client=client)

    request = uazapi_api.last
    assert request.path == "/send/media"
    assert request.json == {
        "number": TO,
        "type": "image",
        "file": "https://files.example/p.jpg",
        "mimetype": "image/jpeg",
        "text": "Foto",
    }
    assert result.provider_message_id == request.reply["messageid"]


async def test_document_has_doc_name(uazapi_api: UazapiStandIn, client: httpx.AsyncClient) -> None:
    media = MediaRef(
        kind="document", mimetype="application/pdf", filename="boleto.pdf", base64="JVBERi0xLjQ="
    )
    message = OutboundMessage(message_id="m-1", to=TO, media=media)
    await sender.send(message, uazapi_api.config, client=client)

    body = uazapi_api.last.json
    assert (body["type"], body["file"], body["docName"]) == (
        "document",
        "JVBERi0xLjQ=",
        "boleto.pdf",
    )
    assert uazapi_api.last.status == 200


async def test_voice_is_ptt(uazapi_api: UazapiStandIn, client: httpx.AsyncClient) -> None:
    media = MediaRef(kind="voice", mimetype="audio/ogg", url="https://files.example/a.ogg")
    await sender.send(
        OutboundMessage(message_id="m-1", to=TO, media=media), uazapi_api.config, client=client
    )

    assert uazapi_api.last.json["type"] == "ptt"
    assert uazapi_api.last.reply["messageType"] == "AudioMessage"


async def test_wrong_token_is_permanent(
    uazapi_api: UazapiStandIn, client: httpx.AsyncClient
) -> None:
    config = {**uazapi_api.config, "token": "nope"}
    with pytest.raises(SendError) as caught:
        await sender.send(text(), config, client=client)

    assert caught.value.transient is False
    assert caught.value.detail == "UAZapi 401: Invalid token"


async def test_number_not_on_whatsapp_is_permanent(
    uazapi_api: UazapiStandIn, client: httpx.AsyncClient
) -> None:
    uazapi_api.not_on_whatsapp.add(TO)
    with pytest.raises(SendError) as caught:
        await sender.send(text(), uazapi_api.config, client=client)

    assert caught.value.transient is False
    assert caught.value.detail == f"UAZapi: number not on WhatsApp: {TO}"
    assert uazapi_api.requests_to("/send/text") == []


async def test_failed_status_in_a_200_is_permanent(
    uazapi_api: UazapiStandIn, client: httpx.AsyncClient
) -> None:
    body = {"messageid": "3EB0AA", "status": "Failed", "error": "Recipient unavailable"}
    uazapi_api.respond_next(200, body, path="/send/text")
    with pytest.raises(SendError) as caught:
        await sender.send(text(), uazapi_api.config, client=client)

    assert caught.value.transient is False
    assert caught.value.detail == "UAZapi 200: Recipient unavailable"


async def test_bad_request_is_permanent(
    uazapi_api: UazapiStandIn, client: httpx.AsyncClient
) -> None:
    media = MediaRef(kind="image", url="ftp://nowhere")
    uazapi_api.respond_next(400, {"error": "Invalid media type or file format"}, path="/send/media")
    message = OutboundMessage(message_id="m-1", to=TO, media=media)
    with pytest.raises(SendError) as caught:
        await sender.send(message, uazapi_api.config, client=client)

    assert caught.value.transient is False
    assert caught.value.detail == "UAZapi 400: Invalid media type or file format"


async def test_500_is_transient(uazapi_api: UazapiStandIn, client: httpx.AsyncClient) -> None:
    uazapi_api.fail_next("server_error", path="/send/text")
    with pytest.raises(SendError) as caught:
        await sender.send(text(), uazapi_api.config, client=client)

    assert caught.value.transient is True
    assert caught.value.detail == "UAZapi 500: Failed to send message"


async def test_429_is_rate_limited(uazapi_api: UazapiStandIn, client: httpx.AsyncClient) -> None:
    uazapi_api.fail_next("rate_limited", retry_after=12, path="/send/text")
    with pytest.raises(RateLimited) as caught:
        await sender.send(text(), uazapi_api.config, client=client)

    assert caught.value.retry_after == 12
    assert caught.value.detail == "UAZapi 429: Rate limit exceeded"


async def test_timeout_is_transient(
    uazapi_api: UazapiStandIn, impatient_client: httpx.AsyncClient
) -> None:
    uazapi_api.fail_next("timeout")
    with pytest.raises(SendError) as caught:
        await sender.send(text(), uazapi_api.config, client=impatient_client)

    assert caught.value.transient is True


async def test_presence_and_markread(uazapi_api: UazapiStandIn, client: httpx.AsyncClient) -> None:
    await sender.send_presence(TO, uazapi_api.config, typing=True, client=client, duration_ms=8000)
    await sender.send_presence(TO, uazapi_api.config, typing=False, client=client)
    await sender.mark_read("ignored", ["3EB0C767D097B7C7C030"], uazapi_api.config, client=client)

    typing, paused, read = uazapi_api.requests
    assert typing.json == {"number": TO, "presence": "composing", "delay": 8000}
    assert paused.json == {"number": TO, "presence": "paused"}
    assert (read.path, read.json) == ("/message/markread", {"id": ["3EB0C767D097B7C7C030"]})
    assert read.status == 200


async def test_a_text_with_a_link_asks_for_its_preview(
    uazapi_api: UazapiStandIn, client: httpx.AsyncClient
) -> None:
    await sender.send(
        text(body="Oferta: https://shopee.com.br/x-i.1.2"), uazapi_api.config, client=client
    )

    assert uazapi_api.requests[-1].path == "/send/text"
    assert uazapi_api.requests[-1].json["linkPreview"] is True
