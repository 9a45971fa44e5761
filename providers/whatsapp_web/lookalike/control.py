"""The control API tests and demos use to play the phone and the customers."""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any, Literal

import msgspec
from litestar import Request, get, post
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromQuery, JSONBody

from providers.whatsapp_web.lookalike.page_api import lookalike_state
from providers.whatsapp_web.lookalike.state import (
    ChatMessage,
    MediaBlob,
    Participant,
    SentRecord,
)

MediaKindName = Literal["image", "audio", "voice", "document"]


class MediaIn(msgspec.Struct, kw_only=True):
    kind: MediaKindName
    mimetype: str
    base64: str
    filename: str | None = None


class CustomerMessage(msgspec.Struct, kw_only=True):
    from_: str = msgspec.field(name="from")
    name: str | None = None
    text: str | None = None
    media: MediaIn | None = None


class GroupIn(msgspec.Struct, kw_only=True):
    """A group the phone is in (``key`` is the page's own id of it, never shown)."""

    key: str
    subject: str
    participants: list[Participant] = msgspec.field(default_factory=list)


class GroupMessage(msgspec.Struct, kw_only=True):
    group: str  # the group's subject
    from_: str = msgspec.field(name="from")
    name: str | None = None
    text: str | None = None
    media: MediaIn | None = None


class AckIn(msgspec.Struct, kw_only=True):
    id: str
    status: Literal["delivered", "read", "played"]


@post("/_control/scan", status_code=200)
async def scan(request: Request[Any, Any, Any]) -> dict[str, str]:
    state = lookalike_state(request)
    if state.pair() is None:
        raise ClientException("no page is showing a QR code", status_code=409)
    return {"phone": state.config.own_phone}


@post("/_control/customer-message", status_code=200)
async def customer_message(
    request: Request[Any, Any, Any], data: JSONBody[CustomerMessage]
) -> dict[str, str]:
    state = lookalike_state(request)
    phone = "".join(ch for ch in data.from_ if ch.isdigit())
    if not phone or (data.text is None and data.media is None):
        raise ClientException("need from and text or media")
    chat = state.chat(phone, data.name)
    message = ChatMessage(
        id=state.new_message_id(phone, from_me=False),
        chat=phone,
        from_me=False,
        text=data.text,
        timestamp=time.time(),
        status="delivered",
    )
    if data.media is not None:
        blob = MediaBlob(
            kind=data.media.kind,
            mimetype=data.media.mimetype,
            filename=data.media.filename,
            data=base64.b64decode(data.media.base64),
        )
        message.media_id = state.add_media(blob)
        message.media_kind, message.media_mimetype = blob.kind, blob.mimetype
        message.filename = blob.filename
    state.add_message(chat, message)
    return {"id": message.id}


@post("/_control/group", status_code=200)
async def group(request: Request[Any, Any, Any], data: JSONBody[GroupIn]) -> dict[str, str]:
    state = lookalike_state(request)
    if not data.key or not data.subject.strip():
        raise ClientException("need key and subject")
    state.group(data.key, data.subject, data.participants)
    return {"key": data.key}


@post("/_control/group-message", status_code=200)
async def group_message(
    request: Request[Any, Any, Any], data: JSONBody[GroupMessage]
) -> dict[str, str]:
    """A participant writes in a group (by its subject)."""
    state = lookalike_state(request)
    chat = state.group_by_subject(data.group)
    phone = "".join(ch for ch in data.from_ if ch.isdigit())
    if chat is None or not phone or (data.text is None and data.media is None):
        raise ClientException("need a known group, from and text or media")
    message = ChatMessage(
        id=state.new_message_id(chat.phone, from_me=False),
        chat=chat.phone,
        from_me=False,
        text=data.text,
        timestamp=time.time(),
        status="delivered",
        author=phone,
        author_name=data.name,
    )
    if data.media is not None:
        blob = MediaBlob(
            kind=data.media.kind,
            mimetype=data.media.mimetype,
            filename=data.media.filename,
            data=base64.b64decode(data.media.base64),
        )
        message.media_id = state.add_media(blob)
        message.media_kind, message.media_mimetype = blob.kind, blob.mimetype
        message.filename = blob.filename
    state.add_message(chat, message)
    return {"id": message.id}


@get("/_control/sent")
async def sent(request: Request[Any, Any, Any]) -> list[SentRecord]:
    return lookalike_state(request).sent


@post("/_control/ack", status_code=200)
async def ack(request: Request[Any, Any, Any], data: JSONBody[AckIn]) -> None:
    if lookalike_state(request).set_status(data.id, data.status) is None:
        raise NotFoundException("no such message of ours")


@post("/_control/logout", status_code=200)
async def logout(request: Request[Any, Any, Any]) -> None:
    lookalike_state(request).logout()


@post("/_control/reset", status_code=200)
async def reset(request: Request[Any, Any, Any]) -> None:
    lookalike_state(request).reset()


@post("/_control/reload-all", status_code=200)
async def reload_all(request: Request[Any, Any, Any]) -> None:
    lookalike_state(request).broadcast({"type": "reload"})


@get("/_control/wait-composing")
async def wait_composing(
    request: Request[Any, Any, Any], timeout_s: FromQuery[float] = 10.0
) -> dict[str, bool]:
    """Long-poll until a page announces "composing" (our side started typing)."""
    state = lookalike_state(request)
    try:
        await asyncio.wait_for(state.composing.wait(), timeout_s)
    except TimeoutError:
        return {"composing": False}
    state.composing.clear()
    return {"composing": True}


@post("/_control/hold-chat-opens", status_code=200)
async def hold_chat_opens(request: Request[Any, Any, Any]) -> None:
    """From now on a page opening a chat waits for its history until released."""
    lookalike_state(request).hold_chat_opens()


@post("/_control/release-chat-opens", status_code=200)
async def release_chat_opens(request: Request[Any, Any, Any]) -> None:
    lookalike_state(request).release_chat_opens()


@post("/_control/hold-media", status_code=200)
async def hold_media(request: Request[Any, Any, Any]) -> None:
    """From now on media rows stay "loading" on the page until released."""
    lookalike_state(request).hold_media()


@post("/_control/release-media", status_code=200)
async def release_media(request: Request[Any, Any, Any]) -> None:
    lookalike_state(request).release_media()


@get("/_control/wait-chat-open")
async def wait_chat_open(
    request: Request[Any, Any, Any], timeout_s: FromQuery[float] = 10.0
) -> dict[str, str | None]:
    """Long-poll until a page asks for a chat's history while opens are held."""
    state = lookalike_state(request)
    try:
        phone = await asyncio.wait_for(state.held_opens.get(), timeout_s)
    except TimeoutError:
        return {"phone": None}
    return {"phone": phone}


@get("/_control/chats")
async def chats(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return {"chats": lookalike_state(request).chats, "linked": len(lookalike_state(request).tokens)}


CONTROL_ROUTES = [
    scan,
    customer_message,
    group,
    group_message,
    sent,
    ack,
    logout,
    reset,
    reload_all,
    wait_composing,
    hold_chat_opens,
    release_chat_opens,
    hold_media,
    release_media,
    wait_chat_open,
    chats,
]
