"""The provider contract: what every WhatsApp provider turns its webhooks into, and how
we send through it.

A provider folder (``providers/<name>/``) holds its wire format (``wire.py``: msgspec
Structs mirroring the provider's JSON, never imported outside the folder), its send API
(``sender.py``, over :mod:`providers.http`) and an adapter (``adapter.py``) that
implements :class:`Provider` — the only thing the platform ever calls. ``parse`` and
``verify`` do no I/O: they run inside the webhook request. ``send``, ``send_presence`` and
``resolve_media`` run in worker jobs, on the worker's shared HTTP client.

Optional protocols sit beside it: :class:`ChallengeResponder` (a GET handshake on the
webhook URL, Meta's), :class:`ConnectionHooks` (a provider with a process of its own,
told when connections come and go: the WhatsApp-Web runner), :class:`Provisioner`
(a provider whose server we set up and watch ourselves: create or start the session or
instance, point its webhook at us, read its state and QR) and :class:`MediaUploader` (a
provider that takes a file once and then sends it by id, Meta's: delivery uploads each
stored file once per connection and reuses the id, ``Capabilities.media_reuse_days``).
Groups: :class:`GroupLister` (a provider whose API lists the groups the number is in:
Evolution, WAHA, UAZapi, native) and :class:`GroupReporter` (one that lists them in its
own process and stores them itself: the WhatsApp-Web runner reads the page).
``Capabilities.pairing`` says how a number is paired: by scanning a QR, by pasting a
token, or not at all.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import httpx
import msgspec

if TYPE_CHECKING:
    from redis.asyncio import Redis

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
# How a number gets paired: "qr" (scan a QR code with the phone), "token" (paste the
# provider's credentials and our webhook URL in its dashboard: Meta), "none" (nothing to
# pair: the integration calls us).
Pairing = Literal["qr", "token", "none"]


class ProviderKind(enum.StrEnum):
    """The kinds of the providers shipped in this tree (API.md lists these values).

    A kind is a string: the registry (``providers.register``) takes providers whose kind is
    not a member here, so code outside ``providers/`` treats kinds as plain strings and
    never names a member."""

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
    # The provider's own id of the file: inbound, Meta's id resolvable via the Graph
    # API; outbound, what MediaUploader.upload_media returned, which ``send`` uses in
    # place of the file.
    media_id: str | None = None
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
    # The quoted message's text when the payload carries it: kept with the reply, since
    # the original may never be stored (sent before the number was connected).
    quoted_text: str | None = None
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


class InboundPreference(
    msgspec.Struct, frozen=True, kw_only=True, tag_field="event", tag="preference"
):
    """A customer's own choice about what they receive, where the provider reports it
    (Meta's ``user_preferences``: marketing messages stopped or resumed)."""

    instance: str | None
    phone: str  # normalised, as a message's sender
    category: str  # "marketing_messages"
    opted_out: bool  # stop: True; resume: False
    detail: str | None = None
    timestamp: int | None = None


InboundEvent = (
    InboundMessage
    | InboundStatus
    | InboundEdit
    | InboundRevoke
    | InboundConnection
    | InboundQr
    | InboundPreference
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


class GroupInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One group the number is in. ``id`` is what ``send`` takes as ``to`` for it (the
    provider's chat id, ``...@g.us``); ``participants`` counts its members (0 when the
    provider did not say)."""

    id: str
    name: str
    participants: int = 0


class ConfigKey(msgspec.Struct, frozen=True, kw_only=True):
    """One setting a connection's ``config`` may carry; the connections API accepts no
    other key for the provider."""

    name: str
    # Sends fail (permanently) without it. The API still accepts a connection that
    # lacks it: a connection is often created first and completed by PATCH.
    required: bool = False
    secret: bool = False  # write-only: never returned, only named in configuredSecrets
    url: bool = False  # must be an http(s) URL


class Capabilities(msgspec.Struct, frozen=True, kw_only=True):
    """What a provider can do, for the callers that must choose (campaigns, mirrors, bot
    rules) and for delivery's typing pause."""

    groups: bool = False  # ``send`` takes a group chat id (``...@g.us``) as ``to``
    presence: bool = False  # ``send_presence`` shows "typing…"; else it is a no-op
    # The presence call returns only when the indicator is over (Evolution), so a caller
    # that wants the whole pause waits out only what the call did not take.
    presence_holds: bool = False
    # The provider types at a person's pace itself (WhatsApp Web's runner): delivery
    # adds no "typing…" pause of its own.
    paces_itself: bool = False
    media: frozenset[MediaKind] = frozenset()  # media kinds ``send`` delivers
    pairing: Pairing = "none"
    # Days an id from ``upload_media`` (MediaUploader) may be reused for sends, kept
    # under the provider's own lifetime for it; 0: no uploads ahead, every send carries
    # the file itself.
    media_reuse_days: int = 0


class FetchBytes(Protocol):
    """How ``resolve_media`` reads a small document (a Graph API answer): a GET through
    the caller's guarded downloader — SSRF guard, redirects checked hop by hop, a
    deadline and ``max_bytes``. Its errors are the caller's and pass through unchanged."""

    async def __call__(self, url: str, *, headers: Mapping[str, str], max_bytes: int) -> bytes: ...


class ProviderError(Exception):
    """Base of what providers raise. ``code`` is stable and machine readable."""

    code = "provider_error"


class InvalidSignature(ProviderError):
    code = "invalid_signature"


class UnparseablePayload(ProviderError):
    code = "unparseable_payload"


class MediaLookupFailed(ProviderError):
    """``resolve_media`` got an answer it cannot use (not the documented shape): retrying
    will not help."""

    code = "media_lookup_failed"


class SendError(ProviderError):
    """A send the provider refused. ``transient`` says whether retrying may help
    (timeouts, 429, 5xx) or not (invalid number, not on WhatsApp, bad auth)."""

    code = "send_failed"

    def __init__(self, detail: str, *, transient: bool, status: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.transient = transient
        self.status = status


class MediaIdRejected(SendError):
    """The provider refused the media id the message carried (``MediaRef.media_id``):
    expired, deleted, or uploaded from another number. Uploading the file again is the
    fix, so a caller that can upload retries with a new id; ``transient`` says whether
    the same send could work as it is."""

    code = "media_id_rejected"

    def __init__(
        self, detail: str, *, media_id: str, transient: bool = False, status: int | None = None
    ) -> None:
        super().__init__(detail, transient=transient, status=status)
        self.media_id = media_id


class ProvisionError(ProviderError):
    """Setting up or reading a provider's session failed. ``transient`` says whether a
    retry may help (timeouts, 429, 5xx) or the configuration must change first (bad
    key, unknown instance). ``detail`` is shown to the administrator as the status
    reason, so it names the provider and says what to fix."""

    code = "provision_failed"

    def __init__(self, detail: str, *, transient: bool, status: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.transient = transient
        self.status = status


class ProvisionState(msgspec.Struct, frozen=True, kw_only=True):
    """What a provider says about one connection's session right now.

    ``qr_code`` is a ``data:image/png;base64,...`` URL while ``state`` is
    ``qr_pending``; ``phone`` our own number (E.164 digits) once ``connected``;
    ``reason`` a short human explanation for a state that is not ``connected``.
    ``missing`` is true when the session or instance does not exist on the provider
    (deleted there, or never created): provisioning it again is the fix."""

    state: ConnectionState
    phone: str | None = None
    qr_code: str | None = None
    reason: str | None = None
    missing: bool = False


@runtime_checkable
class Provider(Protocol):
    """The whole contract. ``providers.contract.problems`` checks an object against it at
    registration, so a provider from outside the tree fails there, not mid-delivery."""

    @property
    def kind(self) -> str:
        """Upper-case ``A-Z0-9_``, at most 24 characters; the webhook URL uses it in lower
        case (``/api/v1/webhooks/<kind>/{connectionId}``)."""
        ...

    @property
    def capabilities(self) -> Capabilities: ...

    @property
    def config_keys(self) -> tuple[ConfigKey, ...]:
        """Every key ``config`` accepts (the connections API refuses any other)."""
        ...

    def verify(self, request: WebhookRequest, config: Mapping[str, Any], token: str) -> None:
        """Raise InvalidSignature unless the request is authentic for this connection.
        ``token`` is the connection's webhook token (accepted as ``?token=``)."""
        ...

    def parse(self, body: bytes) -> list[InboundEvent]:
        """Turn one webhook body into events; raise UnparseablePayload. No I/O.
        Events the platform has no use for yield an empty list, not an error."""
        ...

    async def send(
        self, message: OutboundMessage, config: Mapping[str, Any], *, client: httpx.AsyncClient
    ) -> SendResult:
        """Deliver one message (``to`` is E.164 digits, or a group chat id where
        ``capabilities.groups``); raise SendError."""
        ...

    async def send_presence(
        self,
        to: str,
        config: Mapping[str, Any],
        *,
        typing: bool,
        duration_ms: int,
        reply_to: str | None,
        client: httpx.AsyncClient,
    ) -> None:
        """Show (``typing=True``) or clear "typing…" in the chat with ``to``, for about
        ``duration_ms``. ``reply_to`` is the provider id of the customer's last message
        (Meta shows typing against a received message). A no-op where unsupported;
        raise SendError."""
        ...

    def media_headers(self, config: Mapping[str, Any]) -> dict[str, str]:
        """The auth headers a media download from this provider needs (may be empty)."""
        ...

    async def resolve_media(
        self, ref: MediaRef, config: Mapping[str, Any], *, fetch: FetchBytes
    ) -> str | None:
        """The URL the media of ``ref`` is downloaded from (with ``media_headers``), or
        None when there is none. Usually ``ref.url``; Meta turns a media id into a URL
        through ``fetch``. Raise MediaLookupFailed for an answer of the wrong shape."""
        ...


@runtime_checkable
class ChallengeResponder(Protocol):
    """A provider that verifies its webhook URL with a GET before using it (Meta)."""

    def verify_challenge(
        self, query: Mapping[str, str], config: Mapping[str, Any], token: str
    ) -> str:
        """The body to answer the GET with; raise InvalidSignature (→ 403) otherwise."""
        ...


@runtime_checkable
class ConnectionHooks(Protocol):
    """A provider with a process of its own (the WhatsApp-Web runner), told after the
    commit when a connection is created or deleted. Webhook providers skip this."""

    async def connection_created(self, redis: Redis, connection_id: str) -> None: ...

    async def connection_deleted(self, redis: Redis, connection_id: str) -> None: ...


@runtime_checkable
class Provisioner(Protocol):
    """A provider whose server the platform sets up and watches itself (WAHA, Evolution,
    UAZapi, Meta). Both run in worker jobs, never in a request, on the worker's shared
    HTTP client; both raise ProvisionError.

    ``provision`` makes the provider ready for this connection and is safe to repeat:
    it creates or starts the session or instance when it is missing, points its webhook
    at ``webhook_url`` (ours, with its ``?token=``), starts pairing, and returns the
    state it then sees. ``check`` only reads: the session's state, its QR while it
    waits for a scan and our own number once connected (the periodic health check)."""

    async def provision(
        self, config: Mapping[str, Any], *, webhook_url: str, client: httpx.AsyncClient
    ) -> ProvisionState: ...

    async def check(
        self, config: Mapping[str, Any], *, client: httpx.AsyncClient
    ) -> ProvisionState: ...


def provisioner_of(provider: object) -> Provisioner | None:
    """``provider`` as a Provisioner when it is one (the capability is optional)."""
    return provider if isinstance(provider, Provisioner) else None


@runtime_checkable
class MediaUploader(Protocol):
    """A provider that takes a file once and then sends it by id (Meta's
    ``POST /{phone-number-id}/media``), so a campaign's image to thousands of numbers is
    one upload, not one per send. Delivery keeps the id per connection and stored file
    (table ``provider_media``, workers/deliver_media.py), puts it in the outbound
    ``MediaRef.media_id`` for ``capabilities.media_reuse_days`` days, and uploads again
    after that or when ``send`` raises :class:`MediaIdRejected` for it."""

    async def upload_media(
        self, message: OutboundMessage, config: Mapping[str, Any], *, client: httpx.AsyncClient
    ) -> str:
        """Upload the file of ``message`` (``media_path``, or inline ``base64``) and
        return the provider's id for it; raise SendError. Runs in worker jobs."""
        ...


@runtime_checkable
class GroupLister(Protocol):
    """A provider whose API lists the groups the connection's number is in. Runs in
    worker jobs (workers/groups.py), never in a request, on the worker's HTTP client;
    raises SendError (``transient`` as for a send). Only for ``capabilities.groups``."""

    async def list_groups(
        self, config: Mapping[str, Any], *, client: httpx.AsyncClient
    ) -> list[GroupInfo]: ...


@runtime_checkable
class GroupReporter(Protocol):
    """A provider with a process of its own that lists the groups itself and stores
    them (the WhatsApp-Web runner reads the page's chat list): asked over Redis, it
    answers by writing the connection's groups, not to the caller."""

    async def request_groups(self, redis: Redis, connection_id: str) -> None: ...


def group_lister_of(provider: object) -> GroupLister | None:
    """``provider`` as a GroupLister when it has groups and lists them."""
    capabilities = getattr(provider, "capabilities", None)
    if isinstance(provider, GroupLister) and getattr(capabilities, "groups", False):
        return provider
    return None


def group_reporter_of(provider: object) -> GroupReporter | None:
    capabilities = getattr(provider, "capabilities", None)
    if isinstance(provider, GroupReporter) and getattr(capabilities, "groups", False):
        return provider
    return None


def media_uploader_of(provider: object) -> MediaUploader | None:
    """``provider`` as a MediaUploader when it uploads ahead (the capability is
    optional: it needs the method and a reuse window)."""
    capabilities = getattr(provider, "capabilities", None)
    days = getattr(capabilities, "media_reuse_days", 0)
    if isinstance(provider, MediaUploader) and days > 0:
        return provider
    return None
