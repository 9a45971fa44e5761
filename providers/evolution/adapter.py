"""Evolution API v2: webhook authentication and parsing (SOURCES.md §2)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

import httpx
import msgspec

from .._baileys import (
    Content,
    Parsed,
    Protocol,
    edited_text,
    int64,
    message_type,
    quoted_text,
    read_content,
)
from .._common import (
    check_webhook,
    decode,
    header,
    make_party,
    non_empty,
    present,
    to_int,
    to_seconds,
)
from .._forwarding import ForwardsToSender, SendApi
from ..base import (
    AckStatus,
    Capabilities,
    ConfigKey,
    ConnectionState,
    GroupInfo,
    InboundConnection,
    InboundEdit,
    InboundEvent,
    InboundMessage,
    InboundQr,
    InboundRevoke,
    InboundStatus,
    MediaRef,
    Party,
    ProviderKind,
    ProvisionState,
    UnparseablePayload,
    WebhookRequest,
)
from ..phone import is_group_jid, normalize_phone
from . import provision as provisioning
from . import sender, wire

T = TypeVar("T")

_STATUS_NAMES: dict[str | int, AckStatus | None] = {
    "ERROR": "failed",
    "PENDING": "pending",
    "SERVER_ACK": "sent",
    "DELIVERY_ACK": "delivered",
    "READ": "read",
    "PLAYED": "played",
    # Baileys' numeric WAMessageStatus, sent by versions that skipped renderStatus.
    0: "failed",
    1: "pending",
    2: "sent",
    3: "delivered",
    4: "read",
    5: "played",
}
_CONNECTION_STATES: dict[str, ConnectionState] = {
    "open": "connected",
    "connecting": "connecting",
    "close": "disconnected",
    "refused": "failed",
}
# Chats that are not conversations with a customer: status stories and channels.
_IGNORED_SERVERS = ("@broadcast", "@newsletter")


class EvolutionProvider(ForwardsToSender):
    sender: ClassVar[SendApi] = sender
    kind = ProviderKind.EVOLUTION
    capabilities = Capabilities(
        groups=True,
        presence=True,
        presence_holds=True,  # chat/sendPresence answers after `delay` (SEND_APIS.md §1.2)
        media=frozenset({"image", "audio", "voice", "video", "document", "sticker"}),
        pairing="qr",
    )
    config_keys = (
        ConfigKey(name="baseUrl", required=True, url=True),
        ConfigKey(name="apiKey", required=True, secret=True),
        ConfigKey(name="instance", required=True),
    )

    def verify(self, request: WebhookRequest, config: Mapping[str, Any], token: str) -> None:
        # Evolution cannot sign; it sends the instance apikey as header (custom headers)
        # or in the body when AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES is on (quirk 6).
        def presented() -> str | None:
            return header(request, "apikey") or _body_apikey(request.body)

        check_webhook(request, token, alternatives=[(config.get("apiKey"), presented)])

    def parse(self, body: bytes) -> list[InboundEvent]:
        envelope = decode(body, wire.Envelope, "evolution webhook")
        event = envelope.event.lower().replace("_", ".").replace("-", ".")
        handler = _HANDLERS.get(event)
        if handler is None or not present(envelope.data):
            return []
        return handler(envelope.data, envelope.instance)

    def media_headers(self, config: Mapping[str, Any]) -> dict[str, str]:
        key = config.get("apiKey")
        return {"apikey": str(key)} if key else {}

    async def list_groups(
        self, config: Mapping[str, Any], *, client: httpx.AsyncClient
    ) -> list[GroupInfo]:
        return await sender.list_groups(config, client=client)

    async def provision(
        self, config: Mapping[str, Any], *, webhook_url: str, client: httpx.AsyncClient
    ) -> ProvisionState:
        return await provisioning.provision(config, webhook_url=webhook_url, client=client)

    async def check(
        self, config: Mapping[str, Any], *, client: httpx.AsyncClient
    ) -> ProvisionState:
        return await provisioning.check(config, client=client)


def _body_apikey(body: bytes) -> str | None:
    try:
        return msgspec.json.decode(body, type=wire.ApiKey).apikey
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def _each(raw: msgspec.Raw, type_: type[T], what: str) -> list[T]:
    """One item, or a list of them (tolerated: some integrations batch)."""
    if bytes(raw).lstrip().startswith(b"["):
        return decode(raw, list[type_], what)  # type: ignore[valid-type]
    return [decode(raw, type_, what)]


def _upserts(raw: msgspec.Raw, instance: str | None, *, from_api: bool) -> list[InboundEvent]:
    events: list[InboundEvent] = []
    for data in _each(raw, wire.Upsert, "evolution message"):
        events.extend(_message(data, instance, from_api=from_api))
    return events


def _message(data: wire.Upsert, instance: str | None, *, from_api: bool) -> list[InboundEvent]:
    key = data.key
    if key.remoteJid.endswith(_IGNORED_SERVERS):
        return []
    parsed = read_content(data.message) if data.message else Parsed(kind="unsupported")
    timestamp = to_seconds(int64(data.messageTimestamp))
    changes = _content_change(parsed, instance, key.remoteJid, timestamp)
    if changes is not None:
        return changes
    is_group = is_group_jid(key.remoteJid)
    quoted = parsed.quoted_id or (
        non_empty(data.contextInfo.stanzaId) if data.contextInfo else None
    )
    quoted_copy = parsed.quoted_text or quoted_text(data.contextInfo)
    message = InboundMessage(
        instance=instance,
        chat_id=key.remoteJid,
        is_group=is_group,
        contact=_contact(key, data.pushName),
        message_id=key.id,
        from_me=key.fromMe,
        from_api=from_api,
        timestamp=timestamp,
        type=message_type(parsed) or "unsupported",
        text=parsed.text,
        media=_media(parsed, data.message),
        quoted_message_id=quoted,
        quoted_text=quoted_copy if quoted else None,
        participant=non_empty(key.participant) if is_group else None,
    )
    return [message]


def _content_change(
    parsed: Parsed, instance: str | None, chat_id: str | None, timestamp: int | None
) -> list[InboundEvent] | None:
    """Events for a protocol message (edit, revoke, chatter); None for a real message."""
    if parsed.kind == "revoke" and parsed.target_id:
        revoke = InboundRevoke(
            instance=instance, chat_id=chat_id, message_id=parsed.target_id, timestamp=timestamp
        )
        return [revoke]
    if parsed.kind == "edit" and parsed.target_id:
        edit = InboundEdit(
            instance=instance,
            chat_id=chat_id,
            message_id=parsed.target_id,
            text=parsed.text,
            timestamp=timestamp,
        )
        return [edit]
    return [] if message_type(parsed) is None else None


def _contact(key: wire.MessageKey, push_name: str | None) -> Party:
    # Our own push name ("Você" for API sends, quirk 7) is never the customer's.
    name = None if key.fromMe else push_name
    if is_group_jid(key.remoteJid):
        if key.fromMe:
            return Party()
        jids = [key.participantAlt, key.participantPn, key.participant, key.participantLid]
    else:
        jids = [key.remoteJid, key.remoteJidAlt, key.senderPn, key.senderLid, key.previousRemoteJid]
    return make_party(jids, name)


def _media(parsed: Parsed, content: Content | None) -> MediaRef | None:
    media = parsed.media
    if media is None or parsed.media_kind is None:
        return None
    return MediaRef(
        kind=parsed.media_kind,
        mimetype=media.mimetype,
        filename=non_empty(media.fileName),
        # imageMessage.url is the encrypted CDN file; only these two are usable (quirk 9).
        url=non_empty(content.mediaUrl) if content else None,
        base64=non_empty(content.base64) if content else None,
        size=int64(media.fileLength),
        duration=to_int(int64(media.seconds)),
    )


def _updates(raw: msgspec.Raw, instance: str | None) -> list[InboundEvent]:
    events: list[InboundEvent] = []
    for data in _each(raw, wire.Update, "evolution messages.update"):
        events.extend(_update(data, instance))
    return events


def _update(data: wire.Update, instance: str | None) -> list[InboundEvent]:
    message_id = non_empty(data.keyId, data.key.id if data.key else None)
    chat_id = non_empty(data.remoteJid, data.key.remoteJid if data.key else None)
    if message_id is None:
        raise UnparseablePayload("evolution messages.update without keyId")
    status = _ack(data.status)
    # 2.3.7 forwards content updates as SERVER_ACK (or no status) with a `message`: an
    # edit, not an ack (quirk 4).
    if data.message is not None and status in (None, "sent"):
        return [
            InboundEdit(
                instance=instance,
                chat_id=chat_id,
                message_id=message_id,
                text=edited_text(data.message),
            )
        ]
    if data.status == "DELETED":  # 2.3.6's default for status-less updates: revokes
        return [InboundRevoke(instance=instance, chat_id=chat_id, message_id=message_id)]
    from_me = data.fromMe if data.fromMe is not None else (data.key.fromMe if data.key else None)
    if status is None or from_me is False:  # receipts of *their* messages are ours to send
        return []
    jids = [data.participant] if is_group_jid(chat_id) else [chat_id]
    return [
        InboundStatus(
            instance=instance,
            chat_id=chat_id,
            message_id=message_id,
            status=status,
            contact=make_party(jids),
        )
    ]


def _ack(status: str | int | None) -> AckStatus | None:
    if isinstance(status, str):
        return _STATUS_NAMES.get(status.upper())
    if isinstance(status, int) and not isinstance(status, bool):
        return _STATUS_NAMES.get(status)
    return None


def _edited(raw: msgspec.Raw, instance: str | None) -> list[InboundEvent]:
    events: list[InboundEvent] = []
    for data in _each(raw, wire.Edited, "evolution messages.edited"):
        content = data.message or Content(
            protocolMessage=Protocol(key=data.key, type=data.type, editedMessage=data.editedMessage)
        )
        chat_id = data.key.remoteJid if data.key else None
        timestamp = to_seconds(int64(data.timestampMs))
        events.extend(_content_change(read_content(content), instance, chat_id, timestamp) or [])
    return events


def _deleted(raw: msgspec.Raw, instance: str | None) -> list[InboundEvent]:
    events: list[InboundEvent] = []
    for data in _each(raw, wire.Deleted, "evolution messages.delete"):
        message_id = non_empty(data.id, data.key.id if data.key else None)
        chat_id = non_empty(data.remoteJid, data.key.remoteJid if data.key else None)
        if message_id:
            events.append(InboundRevoke(instance=instance, chat_id=chat_id, message_id=message_id))
    return events


def _connection(raw: msgspec.Raw, instance: str | None) -> list[InboundEvent]:
    data = decode(raw, wire.ConnectionUpdate, "evolution connection.update")
    state = _CONNECTION_STATES.get((data.state or "").lower())
    if state is None:
        return []
    reason = data.statusReason
    return [
        InboundConnection(
            instance=instance,
            state=state,
            phone=normalize_phone(data.wuid) if data.wuid and state == "connected" else None,
            reason=str(reason) if reason not in (None, 200, "200") else None,
        )
    ]


def _qr(raw: msgspec.Raw, instance: str | None) -> list[InboundEvent]:
    data = decode(raw, wire.QrUpdate, "evolution qrcode.updated")
    if data.qrcode is None or not (data.qrcode.base64 or data.qrcode.code):
        return []
    return [
        InboundQr(
            instance=instance,
            qr_code=non_empty(data.qrcode.base64),
            qr_text=non_empty(data.qrcode.code),
        )
    ]


_Handler = Callable[[msgspec.Raw, str | None], list[InboundEvent]]
_HANDLERS: dict[str, _Handler] = {
    "messages.upsert": lambda raw, instance: _upserts(raw, instance, from_api=False),
    # Our own API sends, echoed before WhatsApp acknowledges them (status PENDING).
    "send.message": lambda raw, instance: _upserts(raw, instance, from_api=True),
    "messages.update": _updates,
    "messages.edited": _edited,
    "messages.delete": _deleted,
    "connection.update": _connection,
    "qrcode.updated": _qr,
}
