"""WAHA and Meta beyond the captured fixtures: other engines, batches, BSUID users."""

from __future__ import annotations

from typing import Any

import pytest
from provider_cases import dumps, load

from providers import get_provider
from providers.base import (
    InboundConnection,
    InboundEdit,
    InboundMessage,
    InboundRevoke,
    InboundStatus,
)

waha = get_provider("waha").parse
meta = get_provider("meta").parse


def waha_event(event: str, payload: dict[str, Any], engine: str = "GOWS") -> bytes:
    return dumps(
        {
            "id": "evt_1",
            "timestamp": 1769958080958,
            "event": event,
            "session": "vendas",
            "me": None,
            "payload": payload,
            "engine": engine,
        }
    )


def test_waha_gows_lid_message_takes_the_phone_from_sender_alt() -> None:
    payload = {
        "id": "false_99887766554433@lid_3EB0123",
        "timestamp": 1769958080,
        "from": "99887766554433@lid",
        "fromMe": False,
        "source": "app",
        "to": None,
        "participant": None,
        "body": "Olá!",
        "hasMedia": False,
        "media": None,
        "_data": {
            "Info": {
                "Chat": "99887766554433@lid",
                "Sender": "99887766554433@lid",
                "SenderAlt": "351912345678@s.whatsapp.net",
                "PushName": "Inês",
                "Timestamp": "2026-02-01T15:01:20Z",
                "Type": "text",
                "MediaType": "",
            }
        },
    }
    [message] = waha(waha_event("message", payload))
    assert isinstance(message, InboundMessage)
    assert (message.chat_id, message.contact.phone, message.contact.lid, message.contact.name) == (
        "99887766554433@lid",
        "351912345678",
        "99887766554433",
        "Inês",
    )
    assert (message.type, message.text, message.instance) == ("text", "Olá!", "vendas")


def test_waha_gows_voice_note_without_download() -> None:
    payload = {
        "id": "false_5511912345678@c.us_AB",
        "timestamp": 1769958080,
        "from": "5511912345678@c.us",
        "fromMe": False,
        "body": None,
        "hasMedia": True,
        "media": None,
        "_data": {"Info": {"MediaType": "ptt", "PushName": "Rui"}},
    }
    [message] = waha(waha_event("message", payload))
    assert isinstance(message, InboundMessage) and message.type == "voice"
    assert message.media is not None and message.media.url is None and message.text is None


def test_waha_media_download_error_is_not_a_url() -> None:
    body = load("waha/message.image.webjs.json")
    body["payload"]["media"]["error"] = {"message": "timeout"}
    [message] = waha(dumps(body))
    assert (
        isinstance(message, InboundMessage)
        and message.media is not None
        and message.media.url is None
    )


def test_waha_noweb_minimal_ack_and_group_ack() -> None:
    [status] = waha(
        waha_event(
            "message.ack",
            {
                "id": "true_5521912345678@c.us_3EB0X",
                "from": "5521912345678@c.us",
                "fromMe": True,
                "ack": 2,
                "ackName": "DEVICE",
            },
            "NOWEB",
        )
    )
    assert isinstance(status, InboundStatus)
    assert (status.status, status.chat_id, status.contact.phone) == (
        "delivered",
        "5521912345678@c.us",
        "5521912345678",
    )
    group = {
        "id": "true_120363000111222@g.us_3EB0Y_5521912345678@c.us",
        "from": "120363000111222@g.us",
        "participant": "5521912345678@c.us",
        "fromMe": True,
        "ack": 3,
        "ackName": "READ",
    }
    [status] = waha(waha_event("message.ack.group", group, "NOWEB"))
    assert (
        isinstance(status, InboundStatus)
        and status.status == "read"
        and status.contact.phone == "5521912345678"
    )


def test_waha_api_echo_versus_phone_message() -> None:
    body = load("waha/message.any.fromme_api.webjs.json")
    [echo] = waha(dumps(body))
    assert isinstance(echo, InboundMessage) and echo.from_api and echo.from_me
    body["payload"]["source"] = "app"
    [typed] = waha(dumps(body))
    assert isinstance(typed, InboundMessage) and not typed.from_api and typed.contact.name is None


def test_waha_revoked_and_edited() -> None:
    after = {
        "id": "false_5511912345678@c.us_REV",
        "timestamp": 1769958100,
        "from": "5511912345678@c.us",
        "fromMe": False,
        "body": "",
    }
    [revoke] = waha(
        waha_event("message.revoked", {"after": after, "before": None, "revokedMessageId": "ORIG1"})
    )
    assert (
        isinstance(revoke, InboundRevoke)
        and revoke.message_id == "ORIG1"
        and revoke.chat_id == "5511912345678@c.us"
    )
    edited = {
        "id": "false_5511912345678@c.us_ED",
        "from": "5511912345678@c.us",
        "fromMe": False,
        "body": "novo",
        "editedMessageId": "ORIG2",
    }
    [edit] = waha(waha_event("message.edited", edited))
    assert isinstance(edit, InboundEdit) and (edit.message_id, edit.text) == ("ORIG2", "novo")


@pytest.mark.parametrize(
    ("status", "state"),
    [("STARTING", "connecting"), ("STOPPED", "disconnected"), ("WORKING", "connected")],
)
def test_waha_session_states(status: str, state: str) -> None:
    [event] = waha(waha_event("session.status", {"status": status}))
    assert isinstance(event, InboundConnection) and event.state == state


def test_waha_qr_and_unknown_events() -> None:
    # The QR is not in WAHA's webhook: only the state is stored, so the QR the health
    # check fetched stays on screen instead of being blanked at every refresh.
    [qr] = waha(waha_event("session.status", {"status": "SCAN_QR_CODE"}))
    assert isinstance(qr, InboundConnection) and qr.state == "qr_pending"
    assert waha(waha_event("presence.update", {"id": "x"})) == []
    assert waha(waha_event("engine.event", {"event": "x"})) == []


def meta_body(values: list[dict[str, Any]]) -> bytes:
    changes = [
        {
            "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "351210000000", "phone_number_id": "PNID7"},
                **v,
            },
            "field": "messages",
        }
        for v in values
    ]
    return dumps(
        {"object": "whatsapp_business_account", "entry": [{"id": "WABA1", "changes": changes}]}
    )


def test_meta_bsuid_only_user() -> None:
    value = {
        "contacts": [
            {
                "profile": {"name": "Zé", "username": "@ze"},
                "wa_id": "",
                "user_id": "US.13491208655302741918",
            }
        ],
        "messages": [
            {
                "from": "",
                "from_user_id": "US.13491208655302741918",
                "id": "wamid.B1",
                "timestamp": "1769958000",
                "type": "text",
                "text": {"body": "oi"},
            }
        ],
    }
    [message] = meta(meta_body([value]))
    assert isinstance(message, InboundMessage)
    assert (message.chat_id, message.contact.phone, message.contact.lid, message.contact.name) == (
        "US.13491208655302741918",
        None,
        "US.13491208655302741918",
        "Zé",
    )
    status = {
        "statuses": [
            {
                "id": "wamid.S1",
                "status": "read",
                "timestamp": "1769958001",
                "recipient_id": "",
                "recipient_user_id": "US.1",
            }
        ]
    }
    [ack] = meta(meta_body([status]))
    assert (
        isinstance(ack, InboundStatus)
        and ack.chat_id == "US.1"
        and ack.contact.lid == "US.1"
        and ack.contact.phone is None
    )


def test_meta_batch_iterates_every_entry_change_message_and_status() -> None:
    text = {
        "from": "14155552671",
        "id": "wamid.A",
        "timestamp": "1769958000",
        "type": "text",
        "text": {"body": "hi"},
    }
    listed = {
        "from": "5561988887777",
        "id": "wamid.B",
        "timestamp": "1769958001",
        "type": "interactive",
        "interactive": {
            "type": "list_reply",
            "list_reply": {"id": "row1", "title": "Bolo de fubá", "description": "R$ 38"},
        },
        "context": {"from": "351210000000", "id": "wamid.LIST"},
    }
    values = [
        {
            "contacts": [
                {"profile": {"name": "Amy"}, "wa_id": "14155552671"},
                {"profile": {"name": "Rita"}, "wa_id": "5561988887777"},
            ],
            "messages": [text, listed],
        },
        {
            "statuses": [
                {
                    "id": "wamid.O1",
                    "status": "sent",
                    "timestamp": "1769958002",
                    "recipient_id": "556188887777",
                },
                {
                    "id": "wamid.O2",
                    "status": "played",
                    "timestamp": "1769958003",
                    "recipient_id": "447911123456",
                },
            ]
        },
    ]
    events = meta(meta_body(values))
    assert [type(e).__name__ for e in events] == [
        "InboundMessage",
        "InboundMessage",
        "InboundStatus",
        "InboundStatus",
    ]
    first, second, sent, played = events
    assert isinstance(first, InboundMessage) and (first.contact.phone, first.contact.name) == (
        "14155552671",
        "Amy",
    )
    assert isinstance(second, InboundMessage) and (
        second.type,
        second.text,
        second.quoted_message_id,
    ) == ("list-reply", "Bolo de fubá", "wamid.LIST")
    assert second.contact.name == "Rita" and second.instance == "PNID7"
    assert isinstance(sent, InboundStatus) and sent.contact.phone == "5561988887777"
    assert (
        isinstance(played, InboundStatus)
        and played.status == "played"
        and played.contact.phone == "447911123456"
    )


def test_meta_failed_status_carries_the_error_text() -> None:
    [status] = meta(dumps(load("meta/statuses.failed.json")))
    assert isinstance(status, InboundStatus) and status.error is not None
    assert "131047" in status.error and "24 hours" in status.error


def test_meta_unsupported_system_and_other_fields() -> None:
    unsupported = {
        "from": "5511987654321",
        "id": "wamid.U",
        "timestamp": "1769958000",
        "type": "unsupported",
        "errors": [{"code": 131051}],
    }
    system = {
        "from": "5511987654321",
        "id": "wamid.Y",
        "timestamp": "1769958000",
        "type": "system",
        "system": {"body": "changed number"},
    }
    events = meta(meta_body([{"messages": [unsupported, system]}]))
    assert (
        len(events) == 1
        and isinstance(events[0], InboundMessage)
        and events[0].type == "unsupported"
    )
    other = dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "1",
                    "changes": [
                        {"field": "message_template_status_update", "value": {"event": "APPROVED"}}
                    ],
                }
            ],
        }
    )
    assert meta(other) == []


def test_meta_forwarded_context_without_id_is_not_a_reply() -> None:
    msg = {
        "from": "5511987654321",
        "id": "wamid.F",
        "timestamp": "1769958000",
        "type": "text",
        "text": {"body": "fwd"},
        "context": {"forwarded": True},
    }
    [message] = meta(meta_body([{"messages": [msg]}]))
    assert isinstance(message, InboundMessage) and message.quoted_message_id is None
