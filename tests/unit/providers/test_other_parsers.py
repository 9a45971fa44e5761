"""UAZapi, native, WPPConnect and whatsapp-web.js beyond the fixtures, and the registry."""

from __future__ import annotations

from typing import Any

import pytest
from provider_cases import dumps, load

from providers import PROVIDERS, UnknownProvider, get_provider
from providers.base import (
    InboundConnection,
    InboundMessage,
    InboundQr,
    InboundRevoke,
    InboundStatus,
    Provider,
    ProviderKind,
    UnparseablePayload,
)
from providers.wppconnect import parse_wppconnect
from providers.wwebjs import parse_wwebjs_message

uazapi = get_provider("uazapi").parse
native = get_provider("native").parse


def test_uazapi_receipt_batch_with_boolean_flags() -> None:
    body = load("uazapi/messages_update.delivered.json")
    body["event"].update(
        Type="Read",
        IsFromMe=False,
        IsGroup=False,
        MessageIDs=["A1", "A2"],
        Chat="556599887766@s.whatsapp.net",
    )
    body["event"]["sender_pn"] = "556599887766@s.whatsapp.net"
    events = uazapi(dumps(body))
    assert [e.message_id for e in events if isinstance(e, InboundStatus)] == ["A1", "A2"]
    assert all(
        isinstance(e, InboundStatus) and e.status == "read" and e.contact.phone == "5565999887766"
        for e in events
    )


def test_uazapi_self_receipts_are_not_acks() -> None:
    body = load("uazapi/messages_update.delivered.json")
    body["event"]["Type"] = "ReadSelf"
    assert uazapi(dumps(body)) == []


def test_uazapi_api_echo_and_lid_only_chat() -> None:
    body = load("uazapi/messages.fromme.json")
    body["message"].update(wasSentByApi=True, messageTimestamp=1769961900.5)
    [echo] = uazapi(dumps(body))
    assert isinstance(echo, InboundMessage) and echo.from_api and echo.timestamp == 1769961900
    incoming = load("uazapi/messages.text.conversation.json")
    incoming["message"].update(
        chatid="201234567890123@lid", sender_pn="", chatlid="201234567890123@lid"
    )
    [message] = uazapi(dumps(incoming))
    assert (
        isinstance(message, InboundMessage)
        and message.contact.phone is None
        and message.contact.lid == "201234567890123"
    )


def test_uazapi_other_events_and_plain_connecting() -> None:
    assert uazapi(dumps({"EventType": "presence", "instanceName": "x", "token": "t"})) == []
    body = load("uazapi/connection.connecting_qr.json")
    del body["instance"]["qrcode"]
    [event] = uazapi(dumps(body))
    assert isinstance(event, InboundConnection) and event.state == "connecting"
    [qr] = uazapi(dumps(load("uazapi/connection.connecting_qr.json")))
    assert (
        isinstance(qr, InboundQr)
        and qr.qr_code is not None
        and qr.qr_code.startswith("data:image/png;base64,")
    )


def test_native_single_and_batch() -> None:
    single = {
        "event": "message",
        "messageId": "n1",
        "from": "+351 912 345 678",
        "name": "Inês",
        "timestamp": 1732250000123,
        "type": "voice",
        "media": {"base64": "T2dnUw==", "mimetype": "audio/ogg"},
    }
    [message] = native(dumps(single))
    assert isinstance(message, InboundMessage)
    assert (message.chat_id, message.contact.phone, message.timestamp, message.type) == (
        "351912345678",
        "351912345678",
        1732250000,
        "voice",
    )
    assert (
        message.media is not None
        and message.media.base64 == "T2dnUw=="
        and message.media.kind == "voice"
    )
    batch = {
        "events": [
            single,
            {"event": "status", "messageId": "o1", "status": "failed", "error": "blocked"},
            {"event": "typing"},
        ]
    }
    events = native(dumps(batch))
    assert (
        len(events) == 2
        and isinstance(events[1], InboundStatus)
        and events[1].status == "failed"
        and events[1].error == "blocked"
    )


@pytest.mark.parametrize(
    "body",
    [
        {"event": "status", "messageId": "o1", "status": "LOST"},
        {"event": "message", "messageId": "n1"},
        {"event": "message", "messageId": "n1", "from": "5511987654321", "type": "hologram"},
        {"messageId": "n1"},
        {"events": "nope"},
    ],
)
def test_native_invalid_events(body: dict[str, Any]) -> None:
    with pytest.raises(UnparseablePayload):
        native(dumps(body))


def test_wppconnect_ack_states_and_revoke() -> None:
    body = load("wppconnect/onack.read.json")
    for ack, status in [
        (-1, "failed"),
        (1, "sent"),
        (2, "delivered"),
        (4, "played"),
        (-7, "failed"),
    ]:
        body["ack"] = ack
        [event] = parse_wppconnect(dumps(body))
        assert isinstance(event, InboundStatus) and event.status == status
    revoked = {
        "event": "onrevokedmessage",
        "session": "s",
        "from": "5511987654321@c.us",
        "refId": {"_serialized": "false_5511987654321@c.us_ORIG", "remote": "5511987654321@c.us"},
    }
    [event] = parse_wppconnect(dumps(revoked))
    assert isinstance(event, InboundRevoke) and event.message_id == "false_5511987654321@c.us_ORIG"
    assert parse_wppconnect(dumps({"event": "onpresencechanged", "session": "s"})) == []


def test_wppconnect_qr_gets_a_data_uri() -> None:
    [qr] = parse_wppconnect(dumps(load("wppconnect/qrcode.json")))
    assert (
        isinstance(qr, InboundQr)
        and qr.qr_code is not None
        and qr.qr_code.startswith("data:image/png;base64,")
    )
    assert qr.qr_text is not None and qr.qr_text.startswith("2@")


def test_wwebjs_own_message_voice_and_downloaded_media() -> None:
    obj = load("wwebjs/message.text.json")
    obj.update(fromMe=True, to="447911123456@c.us", **{"from": "5511955554444@c.us"})
    [mine] = parse_wwebjs_message(obj, instance="conn-1")
    assert (
        isinstance(mine, InboundMessage)
        and mine.chat_id == "447911123456@c.us"
        and mine.contact.phone == "447911123456"
    )
    assert mine.contact.name is None and mine.instance == "conn-1"
    voice = load("wwebjs/message.text.json")
    voice.update(
        type="ptt",
        body="",
        hasMedia=True,
        mediaData={"data": "T2dnUw==", "mimetype": "audio/ogg; codecs=opus"},
    )
    [note] = parse_wwebjs_message(voice)
    assert isinstance(note, InboundMessage) and note.type == "voice" and note.text is None
    assert (
        note.media is not None
        and note.media.base64 == "T2dnUw=="
        and note.media.mimetype == "audio/ogg; codecs=opus"
    )


def test_wwebjs_location_vcard_revoked_and_garbage() -> None:
    obj = load("wwebjs/message.text.json")
    obj.update(type="location", body="/9j/4AAQSkZJRg==")
    [location] = parse_wwebjs_message(obj)
    assert (
        isinstance(location, InboundMessage)
        and location.type == "location"
        and location.text is None
    )
    obj.update(type="revoked")
    [revoke] = parse_wwebjs_message(obj)
    assert isinstance(revoke, InboundRevoke)
    for bad in [[], {"id": "x"}, {"id": {"_serialized": 5}}]:
        with pytest.raises(UnparseablePayload):
            parse_wwebjs_message(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name",
    [
        "evolution",
        "EVOLUTION",
        "waha",
        "uazapi",
        "meta",
        "native",
        "whatsapp-web",
        ProviderKind.META,
    ],
)
def test_registry_names(name: str) -> None:
    provider = get_provider(name)
    assert isinstance(provider, Provider)
    assert provider is PROVIDERS[provider.kind]


@pytest.mark.parametrize("name", ["zapi", "", "whatsapp-webs", "evolution2", 3])
def test_registry_unknown(name: Any) -> None:
    with pytest.raises(UnknownProvider):
        get_provider(name)
