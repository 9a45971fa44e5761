"""Evolution v2 sender against the Evolution stand-in (SEND_APIS.md §1)."""

from __future__ import annotations

import base64

import httpx
import pytest
from provider_apis import EvolutionStandIn

from providers.base import MediaRef, OutboundMessage, SendError
from providers.evolution import sender
from providers.http import RateLimited

TO = "+55 (11) 98765-4321"


def text(**kwargs: object) -> OutboundMessage:
    return OutboundMessage(message_id="m-1", to=TO, text="Olá, Ana!", **kwargs)  # type: ignore[arg-type]


async def test_text_goes_to_send_text_with_apikey(
    evolution_api: EvolutionStandIn, client: httpx.AsyncClient
) -> None:
    result = await sender.send(text(), evolution_api.config, client=client)

    request = evolution_api.last
    assert request.method == "POST"
    assert request.path == "/message/sendText/loja-centro"
    assert request.headers["apikey"] == "evo-global-key"
    assert request.json == {"number": "5511987654321", "text": "Olá, Ana!"}
    assert request.status == 201
    assert result.provider_message_id == request.reply["key"]["id"]
    assert result.provider_message_id.startswith("3EB0")


async def test_quoted_reply_sends_the_key_id(
    evolution_api: EvolutionStandIn, client: httpx.AsyncClient
) -> None:
    message = text(quoted_provider_message_id="3EB0F1A2B3C4D5E6F7A8")
    await sender.send(message, evolution_api.config, client=client)

    assert evolution_api.last.json["quoted"] == {"key": {"id": "3EB0F1A2B3C4D5E6F7A8"}}


async def test_group_id_is_passed_through(
    evolution_api: EvolutionStandIn, client: httpx.AsyncClient
) -> None:
    message = OutboundMessage(message_id="m-1", to="120363025246125244@g.us", text="Oi, grupo")
    await sender.send(message, evolution_api.config, client=client)

    assert evolution_api.last.json["number"] == "120363025246125244@g.us"


async def test_image_by_url_with_caption(
    evolution_api: EvolutionStandIn, client: httpx.AsyncClient
) -> None:
    media = MediaRef(kind="image", mimetype="image/png", url="https://files.example/p.png")
    message = OutboundMessage(message_id="m-1", to=TO, text="Seu pedido", media=media)
    result = await sender.send(message, evolution_api.config, client=client)

    request = evolution_api.last
    assert request.path == "/message/sendMedia/loja-centro"
    assert request.json == {
        "number": "5511987654321",
        "mediatype": "image",
        "mimetype": "image/png",
        "media": "https://files.example/p.png",
        "caption": "Seu pedido",
    }
    assert result.provider_message_id == request.reply["key"]["id"]


async def test_base64_document_carries_its_file_name(
    evolution_api: EvolutionStandIn, client: httpx.AsyncClient
) -> None:
    data = base64.b64encode(b"%PDF-1.4 boleto").decode()
    media = MediaRef(
        kind="document", mimetype="application/pdf", filename="boleto-4821.pdf", base64=data
    )
    message = OutboundMessage(message_id="m-1", to=TO, text="Segue o boleto", media=media)
    await sender.send(message, evolution_api.config, client=client)

    body = evolution_api.last.json
    assert body["mediatype"] == "document"
    assert body["media"] == data
    assert body["fileName"] == "boleto-4821.pdf"
    assert body["caption"] == "Segue o boleto"
    assert evolution_api.last.status == 201


async def test_document_from_a_file_without_name_gets_one(
    evolution_api: EvolutionStandIn, client: httpx.AsyncClient, tmp_path: object
) -> None:
    path = __import__("pathlib").Path(str(tmp_path)) / "x.bin"
    path.write_bytes(b"%PDF-1.4")
    media = MediaRef(kind="document", mimetype="application/pdf")
    message = OutboundMessage(message_id="m-1", to=TO, media=media, media_path=str(path))
    await sender.send(message, evolution_api.config, client=client)

    body = evolution_api.last.json
    assert base64.b64decode(body["media"]) == b"%PDF-1.4"
    assert body["fileName"] == "document.pdf"
    assert evolution_api.last.status == 201


async def test_voice_goes_to_send_whatsapp_audio(
    evolution_api: EvolutionStandIn, client: httpx.AsyncClient
) -> None:
    media = MediaRef(kind="voice", mimetype="audio/ogg", url="https://files.example/a.ogg")
    message = OutboundMessage(
        message_id="m-1", to=TO, media=media, quoted_provider_message_id="3EB0AA"
    )
    result = await sender.send(message, evolution_api.config, client=client)

    request = evolution_api.last
    assert request.path == "/message/sendWhatsAppAudio/loja-centro"
    assert request.json == {"number": "5511987654321", "audio": "https://files.example/a.ogg"}
    assert request.reply["message"]["audioMessage"]["ptt"] is True
    assert result.provider_message_id == request.reply["key"]["id"]


async def test_wrong_apikey_is_permanent_with_evolutions_message(
    evolution_api: EvolutionStandIn, client: httpx.AsyncClient
) -> None:
    config = {**evolution_api.config, "apiKey": "wrong"}
    with pytest.raises(SendError) as caught:
        await sender.send(text(), config, client=client)

    assert caught.value.transient is False
    assert caught.value.status == 401
    assert caught.value.detail == "Evolution 401: Unauthorized"


async def test_unknown_instance_is_permanent(
    evolution_api: EvolutionStandIn, client: httpx.AsyncClient
) -> None:
    config = {**evolution_api.config, "instance": "loja-norte"}
    with pytest.raises(SendError) as caught:
        await sender.send(text(), config, client=client)

    assert caught.value.transient is False
    assert caught.value.status == 404
    assert 'The "loja-norte" instance does not exist' in caught.value.detail


async def test_number_not_on_whatsapp_is_permanent(
    evolution_api: EvolutionStandIn, client: httpx.AsyncClient
) -> None:
    evolution_api.not_on_whatsapp.add("5531991234567")
    message = OutboundMessage(message_id="m-1", to="5531991234567", text="Oi")
    with pytest.raises(SendError) as caught:
        await sender.send(message, evolution_api.config, client=client)

    assert caught.value.transient is False
    assert caught.value.detail.startswith("Evolution 400: number not on WhatsApp: 5531991234567")
    assert '"exists":false' in caught.value.detail


@pytest.mark.parametrize("kind", ["server_error", "rate_limited"])
async def test_server_errors_and_429_are_transient(
    evolution_api: EvolutionStandIn, client: httpx.AsyncClient, kind: str
) -> None:
    evolution_api.fail_next(kind, retry_after=7)  # type: ignore[arg-type]
    with pytest.raises(SendError) as caught:
        await sender.send(text(), evolution_api.config, client=client)

    assert caught.value.transient is True
    if kind == "rate_limited":
        assert isinstance(caught.value, RateLimited)
        assert caught.value.retry_after == 7
    else:
        assert caught.value.detail == "Evolution 500: Error: Connection Closed"


async def test_connection_closed_400_is_transient(
    evolution_api: EvolutionStandIn, client: httpx.AsyncClient
) -> None:
    reply = EvolutionStandIn.error(400, ["Error: Connection Closed"])
    evolution_api.respond_next(reply.status, reply.body)
    with pytest.raises(SendError) as caught:
        await sender.send(text(), evolution_api.config, client=client)

    assert caught.value.transient is True


async def test_timeout_is_transient(
    evolution_api: EvolutionStandIn, impatient_client: httpx.AsyncClient
) -> None:
    evolution_api.fail_next("timeout")
    with pytest.raises(SendError) as caught:
        await sender.send(text(), evolution_api.config, client=impatient_client)

    assert caught.value.transient is True
    assert "timed out" in caught.value.detail


async def test_presence_blocks_for_the_delay_and_mark_read_sends_keys(
    evolution_api: EvolutionStandIn, client: httpx.AsyncClient
) -> None:
    await sender.send_presence(TO, evolution_api.config, typing=True, client=client, duration_ms=50)
    await sender.mark_read(
        "5511987654321@s.whatsapp.net",
        ["3EB0C767D097B7C7C030"],
        evolution_api.config,
        client=client,
    )

    presence, read = evolution_api.requests
    assert presence.path == "/chat/sendPresence/loja-centro"
    assert presence.json == {"number": "5511987654321", "presence": "composing", "delay": 50}
    assert read.path == "/chat/markMessageAsRead/loja-centro"
    assert read.json == {
        "readMessages": [
            {
                "remoteJid": "5511987654321@s.whatsapp.net",
                "fromMe": False,
                "id": "3EB0C767D097B7C7C030",
            }
        ]
    }
    assert read.status == 201


async def test_shared_client_is_used_when_none_is_given(evolution_api: EvolutionStandIn) -> None:
    result = await sender.send(text(), evolution_api.config)

    assert result.provider_message_id == evolution_api.last.reply["key"]["id"]


async def test_a_text_with_a_link_to_a_group_asks_for_its_preview(
    evolution_api: EvolutionStandIn, client: httpx.AsyncClient
) -> None:
    offer = OutboundMessage(
        message_id="m-2",
        to="120363499999999991@g.us",
        text="🔥 *Fone JBL* por R$ 199,90 https://www.amazon.com.br/dp/B0C1JBL520?tag=loja-20",
    )
    await sender.send(offer, evolution_api.config, client=client)

    assert evolution_api.last.json["number"] == "120363499999999991@g.us"
    assert evolution_api.last.json["linkPreview"] is True
