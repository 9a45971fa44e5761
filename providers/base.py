"""The provider contract: what every WhatsApp provider turns its webhooks into, and how
we send through it.

A provider folder (``providers/<name>/``) holds its wire format (``wire.py``: msgspec
Structs mirroring the provider's JSON, never imported outside the folder) and an
adapter (``adapter.py``) that implements :class:`Provider`. ``parse`` and ``verify`` do no
I/O: they run inside the webhook request. ``send`` runs in the delivery job.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Literal, Protocol, runtime_checkable

import msgspec

MessageType = Literal[
    "text",
    "image",
    "audio",
    "voice",
    "video",
    "document",
    "sticker",
    "location",
    "contact",
    "reaction",
    "button-reply",
    "list-reply",
    "unsupported",
]
MediaKind = Literal["image", "audio", "voice", "video", "document", "sticker"]
AckStatus = Literal["pending", "sent", "delivered", "read", "played", "failed"]
ConnectionState = Literal["connecting", "connected", "disconnected", "qr_pending", "failed"]


class ProviderKind(enum.StrEnum):
    EVOLUTION = "EVOLUTION"
    WAHA = "WAHA"
    UAZAPI = "UAZAPI"
    META = "META"
    WHATSAPP_WEB = "WHATSAPP_WEB"
    NATIVE = "NATIVE"


class MediaRef(msgspec.Struct, frozen=True, kw_only=True):
    """Where the media of a message can be fetched. Only ``url`` (a link that yields the
    decrypted file; it may need the provider's auth) or ``base64`` (the whole file
    inline) make it fetchable; encrypted CDN links are never put in ``url``."""

    kind: MediaKind
    mimetype: str | None = None
    filename: str | None = None
    url: str | None = None
    base64: str | None = None
    media_id: str | None = None  # Meta media id, resolvable via the Graph API
    size: int | None = None
    duration: int | None = None  # seconds


class Party(msgspec.Struct, frozen=True, kw_only=True):
    """The other party of a chat (the customer), as far as the payload tells.

    ``phone`` is E.164 digits without ``+`` with the Brazilian ninth digit restored, or
    None when only a LID/BSUID is known. ``lid`` is the WhatsApp LID (``123@lid`` without
    the suffix) or Meta BSUID when the payload carries one, so ingest can keep a
    LID↔phone map per connection."""

    phone: str | None = None
    lid: str | None = None
    name: str | None = None


class InboundMessage(msgspec.Struct, frozen=True, kw_only=True, tag_field="event", tag="message"):
    instance: str | None
    chat_id: str  # the provider's own chat identifier, verbatim
    is_group: bool
    contact: Party  # sender in groups, recipient for our own messages
    message_id: str  # the id the provider uses in its own API
    from_me: bool
    from_api: bool = False  # our own send echoed back by the provider
    timestamp: int | None  # unix seconds
    type: MessageType
    text: str | None = None
    media: MediaRef | None = None
    quoted_message_id: str | None = None  # for reactions: the reacted-to message
    participant: str | None = None  # group sender id, verbatim


class InboundStatus(msgspec.Struct, frozen=True, kw_only=True, tag_field="event", tag="status"):
    """An ack for one of our messages. ``contact`` may carry only a LID."""

    instance: str | None
    chat_id: str | None
    message_id: str
    status: AckStatus
    timestamp: int | None = None
    contact: Party = Party()
    error: str | None = None


class InboundEdit(msgspec.Struct, frozen=True, kw_only=True, tag_field="event", tag="edit"):
    instance: str | None
    chat_id: str | None
    message_id: str  # the edited message
    text: str | None
    timestamp: int | None = None


class InboundRevoke(msgspec.Struct, frozen=True, kw_only=True, tag_field="event", tag="revoke"):
    instance: str | None
    chat_id: str | None
    message_id: str  # the deleted message
    timestamp: int | None = None


class InboundConnection(
    msgspec.Struct, frozen=True, kw_only=True, tag_field="event", tag="connection"
):
    instance: str | None
    state: ConnectionState
    phone: str | None = None  # our own number once connected
    reason: str | None = None


class InboundQr(msgspec.Struct, frozen=True, kw_only=True, tag_field="event", tag="qr"):
    instance: str | None
    qr_code: str | None  # data:image/png;base64,... when the provider sends an image
    qr_text: str | None = None  # the raw QR string ("2@...") when present


InboundEvent = (
    InboundMessage | InboundStatus | InboundEdit | InboundRevoke | InboundConnection | InboundQr
)


class WebhookRequest(msgspec.Struct, frozen=True, kw_only=True):
    """What ``verify`` sees of an HTTP request: the raw body (signatures are computed over
    the exact bytes), lower-cased header names, and the query string."""

    body: bytes
    headers: Mapping[str, str]
    query: Mapping[str, str]


class OutboundMessage(msgspec.Struct, frozen=True, kw_only=True):
    """One message to deliver. ``message_id`` is ours (an idempotency key for providers
    that accept one); ``to`` is E.164 digits or a group chat id."""

    message_id: str
    to: str
    text: str | None = None
    media: MediaRef | None = None
    media_path: str | None = None  # local file, for providers that upload bytes
    quoted_provider_message_id: str | None = None


class SendResult(msgspec.Struct, frozen=True, kw_only=True):
    provider_message_id: str | None


class ProviderError(Exception):
    """Base of what providers raise. ``code`` is stable and machine readable."""

    code = "provider_error"


class InvalidSignature(ProviderError):
    code = "invalid_signature"


class UnparseablePayload(ProviderError):
    code = "unparseable_payload"


class SendError(ProviderError):
    """A send the provider refused. ``transient`` says whether retrying may help
    (timeouts, 429, 5xx) or not (invalid number, not on WhatsApp, bad auth)."""

    code = "send_failed"

    def __init__(self, detail: str, *, transient: bool, status: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.transient = transient
        self.status = status


@runtime_checkable
class Provider(Protocol):
    kind: ProviderKind

    def verify(self, request: WebhookRequest, config: Mapping[str, Any], token: str) -> None:
        """Raise InvalidSignature unless the request is authentic for this connection.
        ``token`` is the connection's webhook token (accepted as ``?token=``)."""
        ...

    def parse(self, body: bytes) -> list[InboundEvent]:
        """Turn one webhook body into events; raise UnparseablePayload. No I/O.
        Events the platform has no use for yield an empty list, not an error."""
        ...

    async def send(self, message: OutboundMessage, config: Mapping[str, Any]) -> SendResult:
        """Deliver one message; raise SendError."""
        ...
