"""Meta WhatsApp Cloud API: webhook signature, GET handshake and parsing (SOURCES.md §4)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from .._common import check_webhook, decode, non_empty, same_secret, signing_check, to_seconds
from ..base import (
    AckStatus,
    Capabilities,
    ConfigKey,
    FetchBytes,
    InboundEvent,
    InboundMessage,
    InboundPreference,
    InboundRevoke,
    InboundStatus,
    InvalidSignature,
    MediaKind,
    MediaRef,
    MessageType,
    OutboundMessage,
    Party,
    ProviderKind,
    ProvisionState,
    SendResult,
    WebhookRequest,
)
from ..phone import normalize_phone
from . import provision as provisioning
from . import sender, wire
from .media import auth_headers, media_url

_STATUSES: dict[str, AckStatus] = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "played": "played",
    "failed": "failed",
}
_MEDIA_TYPES: dict[str, MediaKind] = {
    "image": "image",
    "video": "video",
    "audio": "audio",
    "document": "document",
    "sticker": "sticker",
}
_SIMPLE_TYPES: dict[str, MessageType] = {
    "text": "text",
    "location": "location",
    "contacts": "contact",
}
# Notices from WhatsApp itself (number changed, welcome request), not a customer's words.
_SKIPPED_TYPES = frozenset({"system", "request_welcome", "ephemeral"})


class MetaProvider:
    kind = ProviderKind.META
    capabilities = Capabilities(
        groups=False,  # the Cloud API addresses individuals only (SEND_APIS.md §3.1)
        presence=True,  # against the customer's last message, and it marks it read (§3.2)
        media=frozenset({"image", "audio", "voice", "video", "document", "sticker"}),
        pairing="token",  # the access token and phone number id; the webhook pasted at Meta
        # Uploaded media ids live 30 days (SEND_APIS.md §3.3); reusing one for 25
        # leaves a margin for a send that waits (pacing, retries) after the look-up.
        media_reuse_days=25,
    )
    config_keys = (
        ConfigKey(name="phoneNumberId", required=True),
        ConfigKey(name="accessToken", required=True, secret=True),
        ConfigKey(name="appSecret", secret=True),
        ConfigKey(name="verifyToken", secret=True),
        ConfigKey(name="graphBaseUrl", url=True),
        ConfigKey(name="graphVersion"),
    )

    def verify(self, request: WebhookRequest, config: Mapping[str, Any], token: str) -> None:
        # X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256(app secret, raw body) (quirk 9).
        signature = signing_check(
            request,
            config,
            config_field="appSecret",
            header_name="x-hub-signature-256",
            prefix="sha256=",
        )
        check_webhook(request, token, signature=signature)

    def verify_challenge(
        self, query: Mapping[str, str], config: Mapping[str, Any], token: str | None = None
    ) -> str:
        return verify_challenge(query, config, token)

    def parse(self, body: bytes) -> list[InboundEvent]:
        notification = decode(body, wire.Notification, "meta webhook")
        events: list[InboundEvent] = []
        for value in _values(notification):
            instance = value.metadata.phone_number_id if value.metadata else None
            contacts = value.contacts or []
            for message in value.messages or []:
                events.extend(_message(message, instance, contacts, from_me=False))
            for echo in value.message_echoes or []:
                events.extend(_message(echo, instance, contacts, from_me=True))
            for status in value.statuses or []:
                events.extend(_status(status, instance, contacts))
            for preference in value.user_preferences or []:
                events.extend(_preference(preference, instance))
        return events

    async def send(
        self, message: OutboundMessage, config: Mapping[str, Any], *, client: httpx.AsyncClient
    ) -> SendResult:
        return await sender.send(message, config, client=client)

    async def upload_media(
        self, message: OutboundMessage, config: Mapping[str, Any], *, client: httpx.AsyncClient
    ) -> str:
        return await sender.upload_media(message, config, client=client)

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
        await sender.send_presence(
            to, config, typing=typing, duration_ms=duration_ms, message_id=reply_to, client=client
        )

    def media_headers(self, config: Mapping[str, Any]) -> dict[str, str]:
        return auth_headers(config)

    async def provision(
        self, config: Mapping[str, Any], *, webhook_url: str, client: httpx.AsyncClient
    ) -> ProvisionState:
        return await provisioning.provision(config, webhook_url=webhook_url, client=client)

    async def check(
        self, config: Mapping[str, Any], *, client: httpx.AsyncClient
    ) -> ProvisionState:
        return await provisioning.check(config, client=client)

    async def resolve_media(
        self, ref: MediaRef, config: Mapping[str, Any], *, fetch: FetchBytes
    ) -> str | None:
        if ref.url is None and ref.media_id:
            return await media_url(ref.media_id, config, fetch)
        return ref.url


def verify_challenge(
    query: Mapping[str, str], config: Mapping[str, Any], token: str | None = None
) -> str:
    """Meta's GET handshake: the bare ``hub.challenge`` when ``hub.verify_token`` matches the
    connection's ``verifyToken`` (or its webhook token); InvalidSignature (→ 403) otherwise."""
    presented = query.get("hub.verify_token")
    accepted = [config.get("verifyToken"), token]
    if query.get("hub.mode") != "subscribe" or not any(same_secret(t, presented) for t in accepted):
        raise InvalidSignature("wrong hub.verify_token")
    challenge = query.get("hub.challenge")
    if not challenge:
        raise InvalidSignature("missing hub.challenge")
    return challenge


def _values(notification: wire.Notification) -> Iterator[wire.Value]:
    for entry in notification.entry:
        for change in entry.changes or []:
            if change.value is not None and change.field in (
                None,
                "messages",
                "smb_message_echoes",
                "user_preferences",
            ):
                yield change.value


def _preference(pref: wire.UserPreference, instance: str | None) -> list[InboundEvent]:
    phone = normalize_phone(pref.wa_id) if pref.wa_id else None
    if phone is None or pref.value not in ("stop", "resume"):
        return []
    stamp = str(pref.timestamp) if pref.timestamp is not None else ""
    return [
        InboundPreference(
            instance=instance,
            phone=phone,
            category=pref.category or "marketing_messages",
            opted_out=pref.value == "stop",
            detail=pref.detail,
            timestamp=int(stamp) if stamp.isdigit() else None,
        )
    ]


def _find_contact(
    contacts: list[wire.Contact], wa_id: str | None, user_id: str | None
) -> wire.Contact | None:
    for contact in contacts:
        if (wa_id and contact.wa_id == wa_id) or (user_id and contact.user_id == user_id):
            return contact
    return contacts[0] if len(contacts) == 1 and not wa_id else None


def _party(
    contacts: list[wire.Contact], wa_id: str | None, user_id: str | None, *, named: bool = True
) -> Party:
    # Username adopters arrive with an empty wa_id and only a BSUID (quirk 4).
    contact = _find_contact(contacts, wa_id, user_id)
    bsuid = non_empty(user_id, contact.user_id if contact else None)
    name = contact.profile.name if contact and contact.profile and named else None
    return Party(phone=normalize_phone(wa_id) if wa_id else None, lid=bsuid, name=name)


def _message(
    msg: wire.Message, instance: str | None, contacts: list[wire.Contact], *, from_me: bool
) -> list[InboundEvent]:
    if msg.type in _SKIPPED_TYPES:
        return []
    customer, customer_bsuid = (
        (msg.to, None) if from_me else (non_empty(msg.from_), msg.from_user_id)
    )
    chat = non_empty(customer, customer_bsuid)
    if chat is None:
        return []
    kind, text, quoted = _content(msg)
    return [
        InboundMessage(
            instance=instance,
            chat_id=chat,
            is_group=False,
            contact=_party(contacts, customer, customer_bsuid, named=not from_me),
            message_id=msg.id,
            from_me=from_me,
            timestamp=to_seconds(msg.timestamp),
            type=kind,
            text=text,
            media=_media(msg),
            quoted_message_id=quoted or (non_empty(msg.context.id) if msg.context else None),
        )
    ]


def _content(msg: wire.Message) -> tuple[MessageType, str | None, str | None]:
    """(type, text, quoted id when the content itself names one: reactions)."""
    if msg.type in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[msg.type], msg.text.body if msg.text else None, None
    if msg.type in _MEDIA_TYPES:
        media = getattr(msg, msg.type)
        kind: MessageType = (
            "voice" if msg.type == "audio" and media and media.voice else _MEDIA_TYPES[msg.type]
        )
        return kind, non_empty(media.caption) if media else None, None
    if msg.type == "reaction" and msg.reaction:
        return "reaction", msg.reaction.emoji or "", non_empty(msg.reaction.message_id)
    if msg.type == "button" and msg.button:  # template quick-reply buttons
        return "button-reply", non_empty(msg.button.text, msg.button.payload), None
    if msg.type == "interactive" and msg.interactive:
        chosen = msg.interactive
        if chosen.button_reply:
            return (
                "button-reply",
                non_empty(chosen.button_reply.title, chosen.button_reply.id),
                None,
            )
        if chosen.list_reply:
            return "list-reply", non_empty(chosen.list_reply.title, chosen.list_reply.id), None
    return "unsupported", None, None


def _media(msg: wire.Message) -> MediaRef | None:
    kind = _MEDIA_TYPES.get(msg.type)
    media: wire.Media | None = getattr(msg, msg.type) if kind else None
    if kind is None or media is None:
        return None
    return MediaRef(
        kind="voice" if kind == "audio" and media.voice else kind,
        mimetype=media.mime_type,
        filename=non_empty(media.filename),
        url=non_empty(media.url),
        media_id=non_empty(media.id),
    )


def _status(
    status: wire.Status, instance: str | None, contacts: list[wire.Contact]
) -> list[InboundEvent]:
    chat = non_empty(status.recipient_id, status.recipient_user_id)
    if status.status == "deleted":  # the customer deleted a message they sent
        return [InboundRevoke(instance=instance, chat_id=chat, message_id=status.id)]
    ack = _STATUSES.get(status.status)
    if ack is None:
        return []
    return [
        InboundStatus(
            instance=instance,
            chat_id=chat,
            message_id=status.id,
            status=ack,
            timestamp=to_seconds(status.timestamp),
            contact=_party(contacts, non_empty(status.recipient_id), status.recipient_user_id),
            error=_error_text(status.errors),
        )
    ]


def _error_text(errors: list[wire.Error] | None) -> str | None:
    if not errors:
        return None
    parts = []
    for error in errors:
        details = error.error_data.details if error.error_data else None
        head = " ".join(str(p) for p in (error.code, non_empty(error.title, error.message)) if p)
        parts.append(f"{head}: {details}" if details else head)
    return "; ".join(p for p in parts if p) or None
