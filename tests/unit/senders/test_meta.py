"""Meta Cloud API sender against the Graph stand-in (SEND_APIS.md §3)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from provider_apis import MetaStandIn

from providers.base import MediaIdRejected, MediaRef, OutboundMessage, SendError
from providers.http import RateLimited
from providers.meta import MetaProvider, sender

TO = "+5531991234567"
PATH = "/v23.0/106540352242922/messages"


def text(**kwargs: object) -> OutboundMessage:
    return OutboundMessage(message_id="m-1", to=TO, text="Oi, Carla!", **kwargs)  # type: ignore[arg-type]


async def test_text_with_bearer_and_wamid(meta_api: MetaStandIn, client: httpx.AsyncClient) -> None:
    result = await sender.send(text(), meta_api.config, client=client)

    request = meta_api.last
    assert request.path == PATH
    assert request.headers["authorization"] == "Bearer meta-token"
    assert request.json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "5531991234567",
        "type": "text",
        "text": {"preview_url": False, "body": "Oi, Carla!"},
    }
    assert result.provider_message_id == request.reply["messages"][0]["id"]
    assert result.provider_message_id.startswith("wamid.")


async def test_graph_version_is_configurable(
    meta_api: MetaStandIn, client: httpx.AsyncClient
) -> None:
    await sender.send(text(), {**meta_api.config, "graphVersion": "v24.0"}, client=client)

    assert meta_api.last.path == "/v24.0/106540352242922/messages"


async def test_quoted_reply_uses_context(meta_api: MetaStandIn, client: httpx.AsyncClient) -> None:
    wamid = "wamid.HBgMNTUzMTkxMjM0NTY3FQIAEhgUM0VCMDlGMkE="
    await sender.send(text(quoted_provider_message_id=wamid), meta_api.config, client=client)

    assert meta_api.last.json["context"] == {"message_id": wamid}


async def test_image_by_link_with_caption(meta_api: MetaStandIn, client: httpx.AsyncClient) -> None:
    media = MediaRef(kind="image", mimetype="image/jpeg", url="https://files.example/p.jpg")
    await sender.send(
        OutboundMessage(message_id="m-1", to=TO, text="Foto", media=media),
        meta_api.config,
        client=client,
    )

    body = meta_api.last.json
    assert body["type"] == "image"
    assert body["image"] == {"link": "https://files.example/p.jpg", "caption": "Foto"}


async def test_document_by_media_id_with_filename(
    meta_api: MetaStandIn, client: httpx.AsyncClient
) -> None:
    media = MediaRef(
        kind="document",
        mimetype="application/pdf",
        filename="boleto.pdf",
        media_id="4490709327384033",
    )
    await sender.send(
        OutboundMessage(message_id="m-1", to=TO, text="Boleto", media=media),
        meta_api.config,
        client=client,
    )

    assert meta_api.last.json["document"] == {
        "id": "4490709327384033",
        "caption": "Boleto",
        "filename": "boleto.pdf",
    }


async def test_voice_from_a_file_is_uploaded_then_sent_as_audio(
    meta_api: MetaStandIn, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    path = tmp_path / "voz.ogg"
    path.write_bytes(b"OggS-voice")
    media = MediaRef(kind="voice", mimetype="audio/ogg", filename="voz.ogg")
    message = OutboundMessage(
        message_id="m-1", to=TO, text="ignored", media=media, media_path=str(path)
    )
    result = await sender.send(message, meta_api.config, client=client)

    upload, send = meta_api.requests
    assert upload.path == "/v23.0/106540352242922/media"
    assert upload.headers["authorization"] == "Bearer meta-token"
    assert upload.form is not None
    assert upload.form["messaging_product"] == "whatsapp"
    assert upload.form["file"] == b"OggS-voice"
    assert upload.form["file.content_type"] == "audio/ogg"
    assert send.json["type"] == "audio"
    assert send.json["audio"] == {"id": upload.reply["id"]}
    assert result.provider_message_id == send.reply["messages"][0]["id"]


async def test_a_file_uploaded_ahead_is_sent_by_its_id_without_another_upload(
    meta_api: MetaStandIn, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    path = tmp_path / "promo.jpg"
    path.write_bytes(b"\xff\xd8\xff-promo")
    media = MediaRef(kind="image", mimetype="image/jpeg", filename="promo.jpg")
    message = OutboundMessage(message_id="m-1", to=TO, text="Oi", media=media, media_path=str(path))
    media_id = await MetaProvider().upload_media(message, meta_api.config, client=client)
    with_id = OutboundMessage(
        message_id="m-1",
        to=TO,
        text="Oi",
        media=MediaRef(kind="image", mimetype="image/jpeg", media_id=media_id),
        media_path=str(path),
    )
    await MetaProvider().send(with_id, meta_api.config, client=client)

    assert meta_api.uploads == [media_id]
    assert meta_api.uploaded[media_id]["file"] == b"\xff\xd8\xff-promo"
    assert meta_api.sends()[-1]["image"] == {"id": media_id, "caption": "Oi"}


@pytest.mark.parametrize(
    ("code", "title"),
    [
        (100, "Param image.id is not a valid whatsapp business account media attachment ID"),
        (131053, "Media upload error"),
    ],
)
async def test_a_refused_media_id_says_so(
    meta_api: MetaStandIn, client: httpx.AsyncClient, code: int, title: str
) -> None:
    meta_api.fail_with_code(code, title)
    media = MediaRef(kind="image", mimetype="image/jpeg", media_id="4490709327384033")

    with pytest.raises(MediaIdRejected) as raised:
        await sender.send(
            OutboundMessage(message_id="m-1", to=TO, media=media), meta_api.config, client=client
        )

    assert raised.value.media_id == "4490709327384033"
    assert f"(#{code})" in raised.value.detail


async def test_an_expired_media_id_is_refused_as_graph_refuses_it(
    meta_api: MetaStandIn, client: httpx.AsyncClient
) -> None:
    meta_api.expire_media("4490709327384033")
    media = MediaRef(kind="image", mimetype="image/jpeg", media_id="4490709327384033")

    with pytest.raises(MediaIdRejected):
        await sender.send(
            OutboundMessage(message_id="m-1", to=TO, media=media), meta_api.config, client=client
        )


async def test_an_invalid_parameter_without_a_media_id_is_an_ordinary_failure(
    meta_api: MetaStandIn, client: httpx.AsyncClient
) -> None:
    meta_api.fail_with_code(100, "Invalid parameter", "Param to is not a valid phone number")

    with pytest.raises(SendError) as raised:
        await sender.send(text(), meta_api.config, client=client)

    assert not isinstance(raised.value, MediaIdRejected)
    assert raised.value.transient is False


async def test_bad_token_is_permanent(meta_api: MetaStandIn, client: httpx.AsyncClient) -> None:
    with pytest.raises(SendError) as caught:
        await sender.send(text(), {**meta_api.config, "accessToken": "expired"}, client=client)

    assert caught.value.transient is False
    assert caught.value.status == 401
    assert caught.value.detail == "Meta 401: Invalid OAuth access token - Cannot parse access token"


async def test_unknown_phone_number_id_is_permanent(
    meta_api: MetaStandIn, client: httpx.AsyncClient
) -> None:
    with pytest.raises(SendError) as caught:
        await sender.send(text(), {**meta_api.config, "phoneNumberId": "1"}, client=client)

    assert caught.value.transient is False
    assert "Object with ID '1' does not exist" in caught.value.detail


async def test_not_on_whatsapp_is_accepted_as_meta_does(
    meta_api: MetaStandIn, client: httpx.AsyncClient
) -> None:
    meta_api.not_on_whatsapp.add("5531991234567")
    result = await sender.send(text(), meta_api.config, client=client)

    assert result.provider_message_id == meta_api.last.reply["messages"][0]["id"]


async def test_recipient_not_allowed_is_permanent_with_details(
    meta_api: MetaStandIn, client: httpx.AsyncClient
) -> None:
    meta_api.fail_with_code(
        131030, "Recipient phone number not in allowed list", "Add it to the list"
    )
    with pytest.raises(SendError) as caught:
        await sender.send(text(), meta_api.config, client=client)

    assert caught.value.transient is False
    assert caught.value.detail == (
        "Meta 400: (#131030) Recipient phone number not in allowed list — Add it to the list"
    )


async def test_the_per_user_marketing_limit_is_permanent_and_named(
    meta_api: MetaStandIn, client: httpx.AsyncClient
) -> None:
    meta_api.fail_with_code(131049, "This message was not delivered to maintain healthy ecosystem")
    with pytest.raises(SendError) as caught:
        await sender.send(text(), meta_api.config, client=client)

    assert caught.value.transient is False  # never retried at once
    assert "131049" in caught.value.detail and "marketing limit" in caught.value.detail


@pytest.mark.parametrize("code", [130429, 131056])
async def test_throttling_codes_are_rate_limited_despite_400(
    meta_api: MetaStandIn, client: httpx.AsyncClient, code: int
) -> None:
    meta_api.fail_with_code(code, "Rate limit hit")
    with pytest.raises(RateLimited) as caught:
        await sender.send(text(), meta_api.config, client=client)

    assert caught.value.transient is True
    assert caught.value.status == 400


async def test_scripted_rate_limit_carries_retry_after(
    meta_api: MetaStandIn, client: httpx.AsyncClient
) -> None:
    meta_api.fail_next("rate_limited", retry_after=30)
    with pytest.raises(RateLimited) as caught:
        await sender.send(text(), meta_api.config, client=client)

    assert caught.value.retry_after == 30
    assert "(#130429) Rate limit hit" in caught.value.detail


async def test_500_is_transient(meta_api: MetaStandIn, client: httpx.AsyncClient) -> None:
    meta_api.fail_next("server_error")
    with pytest.raises(SendError) as caught:
        await sender.send(text(), meta_api.config, client=client)

    assert caught.value.transient is True
    assert caught.value.detail.startswith("Meta 500: (#131000) Something went wrong")


async def test_timeout_is_transient(
    meta_api: MetaStandIn, impatient_client: httpx.AsyncClient
) -> None:
    meta_api.fail_next("timeout")
    with pytest.raises(SendError) as caught:
        await sender.send(text(), meta_api.config, client=impatient_client)

    assert caught.value.transient is True


async def test_typing_needs_a_received_message_and_read_marks_the_newest(
    meta_api: MetaStandIn, client: httpx.AsyncClient
) -> None:
    await sender.send_presence(TO, meta_api.config, typing=True, client=client)
    assert meta_api.requests == []

    await sender.send_presence(
        TO, meta_api.config, typing=True, client=client, message_id="wamid.A"
    )
    await sender.mark_read(TO, ["wamid.A", "wamid.B"], meta_api.config, client=client)

    typing, read = meta_api.requests
    assert typing.json == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.A",
        "typing_indicator": {"type": "text"},
    }
    assert read.json == {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.B"}
    assert read.reply == {"success": True}


async def test_group_recipient_is_refused_without_a_call(
    meta_api: MetaStandIn, client: httpx.AsyncClient
) -> None:
    message = OutboundMessage(message_id="m-1", to="120363025246125244@g.us", text="Oi")
    with pytest.raises(SendError) as caught:
        await sender.send(message, meta_api.config, client=client)

    assert caught.value.transient is False
    assert meta_api.requests == []
