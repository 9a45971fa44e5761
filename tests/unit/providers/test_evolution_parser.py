"""Evolution API beyond the captured fixtures: other versions' encodings and addressing,
edits, revokes, and values other than the fixtures' own."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from provider_cases import dumps, load

from providers import get_provider
from providers.base import InboundEdit, InboundMessage, InboundRevoke, InboundStatus

parse = get_provider("evolution").parse


def upsert(**key: Any) -> dict[str, Any]:
    body = load("evolution/messages.upsert.text.json")
    body["data"]["key"] = {"fromMe": False, "id": "3EB0AAAA", "participant": "", **key}
    return body


def only_message(body: dict[str, Any]) -> InboundMessage:
    events = parse(dumps(body))
    assert len(events) == 1 and isinstance(events[0], InboundMessage)
    return events[0]


def test_lid_chat_of_2_3_6_keeps_the_chat_and_takes_the_phone_from_remote_jid_alt() -> None:
    body = upsert(
        remoteJid="287654321098765@lid",
        remoteJidAlt="556291112222@s.whatsapp.net",
        addressingMode="lid",
    )
    message = only_message(body)
    assert message.chat_id == "287654321098765@lid"
    assert message.contact.phone == "5562991112222"
    assert message.contact.lid == "287654321098765"


def test_2_4_pn_chat_with_the_lid_as_alternate() -> None:
    body = upsert(
        remoteJid="5548988776655@s.whatsapp.net",
        remoteJidAlt="99887766554433@lid",
        addressingMode="pn",
    )
    contact = only_message(body).contact
    assert (contact.phone, contact.lid) == ("5548988776655", "99887766554433")


def test_2_3_1_sender_pn_rewrite_keeps_the_previous_lid() -> None:
    body = upsert(
        remoteJid="447911123456@s.whatsapp.net",
        previousRemoteJid="11122233344455@lid",
        senderPn="447911123456@s.whatsapp.net",
    )
    contact = only_message(body).contact
    assert (contact.phone, contact.lid) == ("447911123456", "11122233344455")


def test_lid_only_chat_has_no_phone() -> None:
    contact = only_message(upsert(remoteJid="287654321098765@lid")).contact
    assert contact.phone is None and contact.lid == "287654321098765"


def test_group_sender_from_participant_alt_and_our_group_messages_have_no_contact_phone() -> None:
    body = upsert(
        remoteJid="120363999888777666@g.us",
        participant="5550001112223@lid",
        participantAlt="556799001122@s.whatsapp.net",
    )
    message = only_message(body)
    assert message.is_group and message.participant == "5550001112223@lid"
    assert message.contact.phone == "5567999001122"
    body["data"]["key"]["fromMe"] = True
    mine = only_message(body)
    assert mine.from_me and mine.contact.phone is None and mine.contact.name is None


def _image(variant: str) -> dict[str, Any]:
    body = load("evolution/messages.upsert.image.json")
    media = body["data"]["message"]["imageMessage"]
    if variant == "legacy_v2_2":  # <= 2.3.2: base64 strings, decimal strings, enum names
        media.update(fileLength="53624", mediaKey="P56UxPi6qGx7w0/0I2z/i8EfQEuYCLWo6OxH2FAwL+g=")
        media.update(
            mediaKeyTimestamp="1769958598",
            fileSha256="tfrmegSO8YbSeQ70zkLNEDDP+H5db3O9p0iwOb93R7Y=",
        )
        body["data"]["message"]["messageContextInfo"] = {"deviceListMetadataVersion": 2}
    elif variant == "v2_3_4":  # numbers and index objects
        media.update(fileLength=53624, mediaKeyTimestamp=1769958598)
    return body


@pytest.mark.parametrize("variant", ["legacy_v2_2", "v2_3_4", "v2_3_7"])
def test_every_int64_encoding_reads_the_same(variant: str) -> None:
    message = only_message(_image(variant))
    assert message.type == "image" and message.media is not None
    assert message.media.size == 53624
    assert message.text == "Olha a foto do bolo que eu quero, igualzinho a esse 😍"


@pytest.mark.parametrize(
    ("long", "value"),
    [
        ({"low": 5, "high": 1, "unsigned": True}, 2**32 + 5),
        ({"low": -1, "high": 0, "unsigned": True}, 2**32 - 1),
        ({"low": 18734}, 18734),
    ],
)
def test_long_objects(long: dict[str, Any], value: int) -> None:
    body = load("evolution/messages.upsert.audio.ptt.json")
    body["data"]["message"]["audioMessage"]["fileLength"] = long
    media = only_message(body).media
    assert (
        media is not None and media.size == value and media.kind == "voice" and media.duration == 9
    )


def test_timestamps_in_milliseconds_or_long_objects_become_seconds() -> None:
    body = upsert(remoteJid="5511912345678@s.whatsapp.net")
    body["data"]["messageTimestamp"] = 1769958000123
    assert only_message(body).timestamp == 1769958000
    body["data"]["messageTimestamp"] = {"low": 1769958000, "high": 0, "unsigned": True}
    assert only_message(body).timestamp == 1769958000


def test_wrapped_and_extended_text() -> None:
    body = upsert(remoteJid="5511912345678@s.whatsapp.net")
    body["data"]["message"] = {
        "ephemeralMessage": {
            "message": {
                "extendedTextMessage": {"text": "sumindo", "contextInfo": {"stanzaId": "ABC123"}}
            }
        }
    }
    message = only_message(body)
    assert (message.type, message.text, message.quoted_message_id) == ("text", "sumindo", "ABC123")


def test_send_message_is_our_api_echo_and_fromme_upsert_is_not() -> None:
    echo = only_message(load("evolution/send.message.text.json"))
    assert echo.from_me and echo.from_api and echo.contact.name is None
    phone = only_message(load("evolution/messages.upsert.fromme.json"))
    assert phone.from_me and not phone.from_api


def test_event_names_in_other_spellings() -> None:
    body = load("evolution/messages.upsert.text.json")
    body["event"] = "MESSAGES_UPSERT"
    assert only_message(body).message_id == "AC6BE1679F6AE28652EB6FA7CD62DE96"


def _update(**data: Any) -> list[Any]:
    body = load("evolution/messages.update.delivered.json")
    body["data"] = {
        "keyId": "3EB0FFFF",
        "remoteJid": "5521912345678@s.whatsapp.net",
        "fromMe": True,
        **data,
    }
    return parse(dumps(body))


@pytest.mark.parametrize(
    ("status", "ack"),
    [
        ("SERVER_ACK", "sent"),
        ("DELIVERY_ACK", "delivered"),
        ("READ", "read"),
        ("PLAYED", "played"),
        ("ERROR", "failed"),
        (4, "read"),
    ],
)
def test_update_statuses(status: Any, ack: str) -> None:
    [event] = _update(status=status)
    assert isinstance(event, InboundStatus)
    assert (event.status, event.message_id, event.contact.phone) == (
        ack,
        "3EB0FFFF",
        "5521912345678",
    )


def test_update_with_message_is_an_edit() -> None:
    message = {
        "editedMessage": {
            "message": {
                "protocolMessage": {
                    "key": {"id": "3EB0FFFF"},
                    "type": 14,
                    "editedMessage": {"conversation": "corrigido"},
                }
            }
        }
    }
    [event] = _update(status="SERVER_ACK", message=message)
    assert (
        isinstance(event, InboundEdit)
        and event.text == "corrigido"
        and event.message_id == "3EB0FFFF"
    )


def test_receipts_of_their_messages_and_unknown_statuses_are_ignored() -> None:
    assert _update(status="READ", fromMe=False) == []
    assert _update(status="WHATEVER") == []


def test_deleted_status_is_a_revoke() -> None:
    [event] = _update(status="DELETED")
    assert isinstance(event, InboundRevoke) and event.message_id == "3EB0FFFF"


@pytest.mark.parametrize("kind", [0, "REVOKE"])
def test_messages_edited_revoke(kind: Any) -> None:
    body = {
        "event": "messages.edited",
        "instance": "loja",
        "data": {"key": {"remoteJid": "5511912345678@s.whatsapp.net", "id": "ABCD"}, "type": kind},
    }
    [event] = parse(dumps(body))
    assert (
        isinstance(event, InboundRevoke) and event.message_id == "ABCD" and event.instance == "loja"
    )


@pytest.mark.parametrize("kind", [14, "MESSAGE_EDIT"])
def test_messages_edited_edit(kind: Any) -> None:
    data = {
        "key": {"remoteJid": "5511912345678@s.whatsapp.net", "id": "ABCD"},
        "type": kind,
        "editedMessage": {"extendedTextMessage": {"text": "novo texto"}},
        "timestampMs": {"low": 1769958000, "high": 0},
    }
    [event] = parse(dumps({"event": "messages.edited", "instance": "loja", "data": data}))
    assert isinstance(event, InboundEdit) and event.text == "novo texto"


def test_protocol_message_inside_upsert() -> None:
    body = upsert(remoteJid="5511912345678@s.whatsapp.net")
    body["data"]["message"] = {"protocolMessage": {"key": {"id": "OLD1"}, "type": "REVOKE"}}
    [event] = parse(dumps(body))
    assert isinstance(event, InboundRevoke) and event.message_id == "OLD1"
    body["data"]["message"] = {"protocolMessage": {"type": 5}}  # history sync notification
    assert parse(dumps(body)) == []


def test_messages_delete() -> None:
    body = {
        "event": "messages.delete",
        "instance": "loja",
        "data": {"remoteJid": "5511912345678@s.whatsapp.net", "fromMe": False, "id": "GONE"},
    }
    [event] = parse(dumps(body))
    assert isinstance(event, InboundRevoke) and event.message_id == "GONE"


@pytest.mark.parametrize(
    "event",
    [
        "contacts.update",
        "presence.update",
        "chats.upsert",
        "groups.upsert",
        "call",
        "application.startup",
    ],
)
def test_events_we_have_no_use_for(event: str) -> None:
    assert parse(dumps({"event": event, "instance": "loja", "data": {"anything": [1, 2]}})) == []


def test_status_broadcasts_are_not_conversations() -> None:
    assert parse(dumps(upsert(remoteJid="status@broadcast"))) == []


def test_unknown_content_is_unsupported_not_an_error() -> None:
    body = upsert(remoteJid="5511912345678@s.whatsapp.net")
    body["data"]["message"] = {"pollCreationMessageV3": {"name": "Sabor?", "options": []}}
    assert only_message(body).type == "unsupported"


def test_qr_limit_reached_has_no_qr() -> None:
    body = load("evolution/qrcode.updated.json")
    body["data"] = {"message": "QR code limit reached", "statusCode": 500}
    assert parse(dumps(body)) == []


def test_connection_open_carries_our_number_and_refused_fails() -> None:
    body = load("evolution/connection.update.open.json")
    body["data"]["wuid"] = "553188776655@s.whatsapp.net"
    [event] = parse(dumps(body))
    assert event.phone == "5531988776655"  # type: ignore[union-attr]
    refused = copy.deepcopy(body)
    refused["data"].update(state="refused", statusReason=500)
    [event] = parse(dumps(refused))
    assert (event.state, event.reason) == ("failed", "500")  # type: ignore[union-attr]
