"""WAHA sender against the WAHA stand-in (SEND_APIS.md §2)."""

from __future__ import annotations

import httpx
import pytest
from provider_apis import WahaStandIn

from providers.base import MediaRef, OutboundMessage, SendError
from providers.http import RateLimited
from providers.waha import sender

TO = "5511987654321"
CHAT = "5511987654321@c.us"


def text(**kwargs: object) -> OutboundMessage:
    return OutboundMessage(message_id="m-1", to=TO, text="Oi, Bruno!", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("engine", ["WEBJS", "NOWEB", "GOWS"])
async def test_text_send_and_id_per_engine(
    waha_api: WahaStandIn, client: httpx.AsyncClient, engine: str
) -> None:
    waha_api.engine = engine  # type: ignore[assignment]
    result = await sender.send(text(), waha_api.config, client=client)

    check, request = waha_api.requests
    assert check.method == "GET"
    assert check.path == "/api/contacts/check-exists"
    assert check.query == {"phone": TO, "session": "default"}
    assert request.path == "/api/sendText"
    assert request.headers["x-api-key"] == "waha-key"
    assert request.json == {"session": "default", "chatId": CHAT, "text": "Oi, Bruno!"}
    wid = {
        "WEBJS": lambda r: r["id"]["_serialized"],
        "GOWS": lambda r: r["id"],
        "NOWEB": lambda r: f"true_{CHAT}_{r['key']['id']}",
    }[engine](request.reply)
    assert result.provider_message_id == wid
    assert result.provider_message_id.startswith(f"true_{CHAT}_3EB0")


async def test_brazilian_number_goes_to_the_chat_id_check_exists_returns(
    waha_api: WahaStandIn, client: httpx.AsyncClient
) -> None:
    message = OutboundMessage(message_id="m-1", to="+55 31 99123-4567", text="Oi")
    await sender.send(message, waha_api.config, client=client)
    await sender.send(message, waha_api.config, client=client)

    assert [r.path for r in waha_api.requests] == [
        "/api/contacts/check-exists",
        "/api/sendText",
        "/api/sendText",
    ]
    assert waha_api.last.json["chatId"] == "553191234567@c.us"


async def test_group_chat_is_not_looked_up(
    waha_api: WahaStandIn, client: httpx.AsyncClient
) -> None:
    message = OutboundMessage(message_id="m-1", to="120363025246125244@g.us", text="Oi")
    await sender.send(message, waha_api.config, client=client)

    assert [r.path for r in waha_api.requests] == ["/api/sendText"]
    assert waha_api.last.json["chatId"] == "120363025246125244@g.us"


async def test_quoted_reply_uses_reply_to(waha_api: WahaStandIn, client: httpx.AsyncClient) -> None:
    quoted = f"false_{CHAT}_3EB0C4A1F2D3E4B5A6C7"
    await sender.send(text(quoted_provider_message_id=quoted), waha_api.config, client=client)

    assert waha_api.last.json["reply_to"] == quoted


async def test_image_by_url(waha_api: WahaStandIn, client: httpx.AsyncClient) -> None:
    media = MediaRef(kind="image", mimetype="image/jpeg", url="https://files.example/p.jpg")
    message = OutboundMessage(message_id="m-1", to=TO, text="Foto", media=media)
    result = await sender.send(message, waha_api.config, client=client)

    request = waha_api.last
    assert request.path == "/api/sendImage"
    assert request.json == {
        "session": "default",
        "chatId": CHAT,
        "file": {"mimetype": "image/jpeg", "url": "https://files.example/p.jpg"},
        "caption": "Foto",
    }
    assert result.provider_message_id == request.reply["id"]["_serialized"]


async def test_base64_document_with_filename(
    waha_api: WahaStandIn, client: httpx.AsyncClient
) -> None:
    media = MediaRef(
        kind="document", mimetype="application/pdf", filename="boleto.pdf", base64="JVBERi0xLjQ="
    )
    message = OutboundMessage(message_id="m-1", to=TO, text="Boleto", media=media)
    await sender.send(message, waha_api.config, client=client)

    request = waha_api.last
    assert request.path == "/api/sendFile"
    assert request.json["file"] == {
        "mimetype": "application/pdf",
        "data": "JVBERi0xLjQ=",
        "filename": "boleto.pdf",
    }
    assert request.json["caption"] == "Boleto"
    assert request.status == 201


async def test_voice_goes_to_send_voice_with_convert(
    waha_api: WahaStandIn, client: httpx.AsyncClient
) -> None:
    media = MediaRef(kind="voice", mimetype="audio/mpeg", url="https://files.example/a.mp3")
    await sender.send(
        OutboundMessage(message_id="m-1", to=TO, media=media), waha_api.config, client=client
    )

    request = waha_api.last
    assert request.path == "/api/sendVoice"
    assert request.json == {
        "session": "default",
        "chatId": CHAT,
        "file": {"mimetype": "audio/mpeg", "url": "https://files.example/a.mp3"},
        "convert": True,
    }
    assert request.status == 201


async def test_wrong_key_is_permanent(waha_api: WahaStandIn, client: httpx.AsyncClient) -> None:
    config = {**waha_api.config, "apiKey": "nope"}
    with pytest.raises(SendError) as caught:
        await sender.send(text(), config, client=client)

    assert caught.value.transient is False
    assert caught.value.detail == "WAHA 401: Unauthorized"


async def test_unknown_session_is_permanent(
    waha_api: WahaStandIn, client: httpx.AsyncClient
) -> None:
    config = {**waha_api.config, "session": "loja"}
    message = OutboundMessage(message_id="m-1", to=CHAT, text="Oi")
    with pytest.raises(SendError) as caught:
        await sender.send(message, config, client=client)

    assert caught.value.transient is False
    assert caught.value.status == 404
    assert "We didn't find a session with name 'loja'" in caught.value.detail


async def test_session_not_working_is_transient(
    waha_api: WahaStandIn, client: httpx.AsyncClient
) -> None:
    waha_api.session_status = "SCAN_QR_CODE"
    message = OutboundMessage(message_id="m-1", to=CHAT, text="Oi")
    with pytest.raises(SendError) as caught:
        await sender.send(message, waha_api.config, client=client)

    assert caught.value.transient is True
    assert "Session status is not as expected" in caught.value.detail
    assert "SCAN_QR_CODE" in caught.value.detail


async def test_plus_only_media_is_permanent(
    waha_api: WahaStandIn, client: httpx.AsyncClient
) -> None:
    waha_api.plus_only_media = True
    media = MediaRef(kind="image", mimetype="image/jpeg", url="https://files.example/p.jpg")
    message = OutboundMessage(message_id="m-1", to=CHAT, media=media)
    with pytest.raises(SendError) as caught:
        await sender.send(message, waha_api.config, client=client)

    assert caught.value.transient is False
    assert "only in Plus version" in caught.value.detail


async def test_number_not_on_whatsapp_is_permanent_before_sending(
    waha_api: WahaStandIn, client: httpx.AsyncClient
) -> None:
    waha_api.not_on_whatsapp.add(TO)
    with pytest.raises(SendError) as caught:
        await sender.send(text(), waha_api.config, client=client)

    assert caught.value.transient is False
    assert caught.value.detail == f"WAHA: number not on WhatsApp: {TO}"
    assert waha_api.requests_to("/api/sendText") == []


async def test_gows_no_lid_500_is_permanent(
    waha_api: WahaStandIn, client: httpx.AsyncClient
) -> None:
    waha_api.engine = "GOWS"
    waha_api.not_on_whatsapp.add(TO)
    message = OutboundMessage(message_id="m-1", to=CHAT, text="Oi")
    with pytest.raises(SendError) as caught:
        await sender.send(message, waha_api.config, client=client)

    assert caught.value.transient is False
    assert "no LID found for 5511987654321@s.whatsapp.net" in caught.value.detail


async def test_500_is_transient_with_the_exception_message(
    waha_api: WahaStandIn, client: httpx.AsyncClient
) -> None:
    waha_api.fail_next("server_error", path="/api/sendText")
    with pytest.raises(SendError) as caught:
        await sender.send(text(), waha_api.config, client=client)

    assert caught.value.transient is True
    assert caught.value.detail == "WAHA 500: Connection Closed"


async def test_429_is_rate_limited(waha_api: WahaStandIn, client: httpx.AsyncClient) -> None:
    waha_api.fail_next("rate_limited", retry_after=3)
    with pytest.raises(RateLimited) as caught:
        await sender.send(text(), waha_api.config, client=client)

    assert caught.value.transient is True
    assert caught.value.retry_after == 3


async def test_timeout_is_transient(
    waha_api: WahaStandIn, impatient_client: httpx.AsyncClient
) -> None:
    waha_api.fail_next("timeout", path="/api/sendText")
    with pytest.raises(SendError) as caught:
        await sender.send(text(), waha_api.config, client=impatient_client)

    assert caught.value.transient is True


async def test_typing_and_seen(waha_api: WahaStandIn, client: httpx.AsyncClient) -> None:
    await sender.send_presence(CHAT, waha_api.config, typing=True, client=client)
    await sender.send_presence(CHAT, waha_api.config, typing=False, client=client)
    seen = [f"false_{CHAT}_3EB0C767D097B7C7C030"]
    await sender.mark_read(CHAT, seen, waha_api.config, client=client)

    start, stop, read = waha_api.requests
    assert (start.path, stop.path, read.path) == (
        "/api/startTyping",
        "/api/stopTyping",
        "/api/sendSeen",
    )
    assert start.json == {"session": "default", "chatId": CHAT}
    assert read.json == {"session": "default", "chatId": CHAT, "messageIds": seen}
    assert read.status == 201


async def test_empty_201_body_gives_no_id(waha_api: WahaStandIn, client: httpx.AsyncClient) -> None:
    waha_api.respond_next(201, None, path="/api/sendText")
    message = OutboundMessage(message_id="m-1", to=CHAT, text="Oi")
    result = await sender.send(message, waha_api.config, client=client)

    assert result.provider_message_id is None
