"""The fake WhatsApp's server side: linked devices, chats, messages, acks, and the event
stream each open page listens to.

State lives here rather than in the page so a reload keeps the chats, like the real
site restoring them from the phone; the page keeps only its login token (localStorage of
the browser profile), like WA keeps its keys in IndexedDB.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any, Literal

import msgspec

AckName = Literal["pending", "sent", "delivered", "read", "played"]


class LookalikeConfig(msgspec.Struct, kw_only=True):
    """Switches for the drift the design notes list, and timings tests shorten."""

    own_phone: str = "5511955554444"
    own_name: str = "Loja"
    qr_first_interval_s: float = 20.0  # WA: ~60 s for the first ref, ~20 s after
    qr_interval_s: float = 20.0
    qr_max_refs: int = 5  # then UNPAIRED_IDLE: dimmed QR + reload button
    loading_ms: int = 800  # "Loading your chats" after the scan
    media_delay_ms: int = 150  # players/images are inserted into the row later
    sent_ack_ms: int = 150  # pending clock → single tick once the server took it
    legacy_ids: bool = False  # data-id "false_<jid>_<id>" instead of the opaque id
    strip_testids: bool = False  # builds without data-testid
    legacy_ticks: bool = False  # data-icon=msg-* instead of aria-label + svg title


class MediaBlob(msgspec.Struct, kw_only=True):
    kind: str
    mimetype: str
    filename: str | None
    data: bytes


class ChatMessage(msgspec.Struct, kw_only=True):
    id: str
    chat: str  # the customer's digits, or a group's key
    from_me: bool
    text: str | None
    timestamp: float
    status: AckName = "pending"
    media_id: str | None = None
    media_kind: str | None = None
    media_mimetype: str | None = None
    filename: str | None = None
    # In a group, who wrote an incoming message: their digits and the name they gave
    # WhatsApp (an unsaved participant shows as the number and "~name").
    author: str | None = None
    author_name: str | None = None
    link_preview: bool = False  # the page drew a preview card for a link in the text


class Participant(msgspec.Struct, kw_only=True):
    phone: str
    name: str | None = None


class Chat(msgspec.Struct, kw_only=True):
    phone: str  # the chat's key: the customer's digits, or a group's own key
    push_name: str | None = None
    unread: int = 0
    messages: list[ChatMessage] = msgspec.field(default_factory=list)
    # A group: its name and members (ourselves not listed). The DOM shows the name
    # only, never the JID, as the real list does.
    subject: str | None = None
    participants: list[Participant] | None = None


class SentAttachment(msgspec.Struct, kw_only=True):
    filename: str
    mimetype: str
    size: int


class SentRecord(msgspec.Struct, kw_only=True):
    """What our side typed and sent, with the keyboard evidence the page collected."""

    id: str
    to: str
    text: str | None
    attachments: list[SentAttachment]
    sent_at: float
    typing_started_at: float | None
    keydowns: int
    input_events: int
    pasted: bool
    link_preview: bool = False  # a preview card was on the composer when it was sent


class LookalikeState:
    def __init__(self, config: LookalikeConfig) -> None:
        self.config = config
        self.tokens: set[str] = set()
        self.chats: dict[str, Chat] = {}
        self.sent: list[SentRecord] = []
        self.media: dict[str, MediaBlob] = {}
        self.qr_clients: dict[str, float] = {}
        self.composing: asyncio.Event = asyncio.Event()
        # While held, a page opening a chat gets its history only on release (a slow
        # phone or network): tests land messages in that window.
        self._opens_released = asyncio.Event()
        self._opens_released.set()
        self.held_opens: asyncio.Queue[str] = asyncio.Queue()
        # While held, media bytes (players, images) are not served: a row stays pending.
        self._media_released = asyncio.Event()
        self._media_released.set()
        self._subscribers: dict[str, asyncio.Queue[dict[str, Any] | None]] = {}

    # --- the event stream ----------------------------------------------------------

    def subscribe(self, client: str) -> asyncio.Queue[dict[str, Any] | None]:
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._subscribers[client] = queue
        return queue

    def unsubscribe(self, client: str) -> None:
        self._subscribers.pop(client, None)
        self.qr_clients.pop(client, None)

    def broadcast(self, event: dict[str, Any]) -> None:
        for queue in self._subscribers.values():
            queue.put_nowait(event)

    def close(self) -> None:
        """End every open event stream so the server can shut down at once."""
        self.release_chat_opens()
        self.release_media()
        for queue in self._subscribers.values():
            queue.put_nowait(None)

    # --- ids --------------------------------------------------------------------------

    def new_message_id(self, chat: str, *, from_me: bool) -> str:
        # Opaque 20-char ids; ours start 3EB0 like WA Web's own sends.
        bare = ("3EB0" if from_me else "3A") + secrets.token_hex(10).upper()
        bare = bare[:20]
        if self.config.legacy_ids:
            return f"{'true' if from_me else 'false'}_{chat}@c.us_{bare}"
        return bare

    # --- login --------------------------------------------------------------------------

    def pair(self) -> str | None:
        """The phone scanned the QR: link a new device token, if a page shows a QR."""
        if not self.qr_clients:
            return None
        token = secrets.token_urlsafe(16)
        self.tokens.add(token)
        self.qr_clients.clear()
        self.broadcast({"type": "paired", "token": token, "wid": self.own_wid()})
        return token

    def own_wid(self) -> str:
        return f"{self.config.own_phone}:12@c.us"

    def logout(self) -> None:
        self.tokens.clear()
        self.broadcast({"type": "logout"})

    # --- chats ------------------------------------------------------------------------

    def chat(self, phone: str, push_name: str | None = None) -> Chat:
        chat = self.chats.get(phone)
        if chat is None:
            chat = self.chats[phone] = Chat(phone=phone)
        if push_name:
            chat.push_name = push_name
        return chat

    def group(self, key: str, subject: str, participants: list[Participant]) -> Chat:
        chat = self.chats.get(key)
        if chat is None:
            chat = self.chats[key] = Chat(phone=key)
        chat.subject, chat.participants = subject, participants
        self.broadcast({"type": "chat", "chat": chat_summary(chat)})
        return chat

    def group_by_subject(self, subject: str) -> Chat | None:
        return next((c for c in self.chats.values() if c.subject == subject), None)

    def add_media(self, blob: MediaBlob) -> str:
        media_id = secrets.token_hex(8)
        self.media[media_id] = blob
        return media_id

    def add_message(self, chat: Chat, message: ChatMessage) -> None:
        chat.messages.append(message)
        if not message.from_me:
            chat.unread += 1
        self.broadcast({"type": "message", "chat": chat_summary(chat), "message": message})

    def set_status(self, message_id: str, status: AckName) -> ChatMessage | None:
        for chat in self.chats.values():
            for message in chat.messages:
                if message.id == message_id and message.from_me:
                    message.status = status
                    self.broadcast({"type": "ack", "id": message_id, "status": status})
                    return message
        return None

    def schedule_sent_ack(self, message_id: str) -> None:
        # The clock icon turns into a single tick once the server acknowledged the send.
        loop = asyncio.get_running_loop()
        loop.call_later(self.config.sent_ack_ms / 1000, self._ack_sent, message_id)

    def _ack_sent(self, message_id: str) -> None:
        for chat in self.chats.values():
            for message in chat.messages:
                if message.id == message_id and message.status == "pending":
                    self.set_status(message_id, "sent")
                    return

    # --- slow chat opens ------------------------------------------------------------

    def hold_chat_opens(self) -> None:
        self._opens_released.clear()

    def release_chat_opens(self) -> None:
        self._opens_released.set()

    async def chat_open_gate(self, phone: str) -> None:
        """Called with a chat's history already read: waits while opens are held."""
        if not self._opens_released.is_set():
            self.held_opens.put_nowait(phone)
            await self._opens_released.wait()

    def hold_media(self) -> None:
        self._media_released.clear()

    def release_media(self) -> None:
        self._media_released.set()

    async def media_gate(self) -> None:
        await self._media_released.wait()

    def mark_read(self, phone: str) -> None:
        chat = self.chats.get(phone)
        if chat is not None and chat.unread:
            chat.unread = 0
            self.broadcast({"type": "chat", "chat": chat_summary(chat)})

    def reset(self) -> None:
        self.tokens.clear()
        self.chats.clear()
        self.sent.clear()
        self.media.clear()
        self.qr_clients.clear()
        self.composing.clear()
        self.release_chat_opens()
        self.release_media()
        while not self.held_opens.empty():
            self.held_opens.get_nowait()
        self.broadcast({"type": "reload"})


def chat_summary(chat: Chat) -> dict[str, Any]:
    last = chat.messages[-1] if chat.messages else None
    return {
        "phone": chat.phone,
        "push_name": chat.push_name,
        "unread": chat.unread,
        "last": last,
        "updated": last.timestamp if last else time.time(),
        "subject": chat.subject,
        "participants": chat.participants,
    }
