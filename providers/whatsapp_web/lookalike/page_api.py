"""The fake WhatsApp's own transport: what the look-alike page calls (boot, event stream,
send, read receipts, presence). Our driver never calls these; it only drives the page."""

from __future__ import annotations

import base64
import io
import secrets
import time
from collections.abc import AsyncGenerator
from importlib import resources
from typing import Any

import msgspec
import segno
from litestar import Request, Response, get, post
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import ServerSentEvent

from providers.whatsapp_web.lookalike.state import (
    ChatMessage,
    LookalikeState,
    MediaBlob,
    SentAttachment,
    SentRecord,
    chat_summary,
)

_STATIC = resources.files("providers.whatsapp_web.lookalike") / "static"


def lookalike_state(request: Request[Any, Any, Any]) -> LookalikeState:
    state: LookalikeState = request.app.state["lookalike"]
    return state


class Attachment(msgspec.Struct, kw_only=True):
    name: str
    mimetype: str
    base64: str


class SendBody(msgspec.Struct, kw_only=True):
    token: str
    to: str
    text: str | None = None
    attachment: Attachment | None = None
    keydowns: int = 0
    input_events: int = 0
    pasted: bool = False
    typing_started_at: float | None = None
    link_preview: bool = False


class ChatBody(msgspec.Struct, kw_only=True):
    token: str
    chat: str = ""
    state: str = ""


def _check_token(state: LookalikeState, token: str) -> None:
    if token not in state.tokens:
        raise NotAuthorizedException("device not linked")


def _static(name: str, media_type: str) -> Response[bytes]:
    return Response((_STATIC / name).read_bytes(), media_type=media_type)


@get(["/", "/send"], include_in_schema=False)
async def index() -> Response[bytes]:
    # /send?phone= is a full page load of the same app, like the real deep link.
    return _static("index.html", "text/html; charset=utf-8")


@get("/_wa/app.js", include_in_schema=False)
async def app_js() -> Response[bytes]:
    return _static("app.js", "text/javascript; charset=utf-8")


@get("/_wa/conversation.js", include_in_schema=False)
async def conversation_js() -> Response[bytes]:
    return _static("conversation.js", "text/javascript; charset=utf-8")


@get("/_wa/style.css", include_in_schema=False)
async def style_css() -> Response[bytes]:
    return _static("style.css", "text/css; charset=utf-8")


@get("/_wa/boot")
async def boot(request: Request[Any, Any, Any], token: FromQuery[str] = "") -> dict[str, Any]:
    state = lookalike_state(request)
    logged_in = token in state.tokens
    chats = [chat_summary(c) for c in state.chats.values()] if logged_in else []
    return {
        "logged_in": logged_in,
        "wid": state.own_wid() if logged_in else None,
        "own_name": state.config.own_name,
        "config": state.config,
        "chats": chats,
    }


@get("/_wa/events")
async def events(request: Request[Any, Any, Any], client: FromQuery[str]) -> ServerSentEvent:
    state = lookalike_state(request)
    queue = state.subscribe(client)

    async def stream() -> AsyncGenerator[str, None]:
        try:
            yield msgspec.json.encode({"type": "hello"}).decode()
            while (event := await queue.get()) is not None:
                yield msgspec.json.encode(event).decode()
        finally:
            state.unsubscribe(client)

    return ServerSentEvent(stream())


@post("/_wa/qr", status_code=200)
async def next_qr(request: Request[Any, Any, Any], client: FromQuery[str]) -> dict[str, str]:
    # Five comma-separated fields like the 2026 builds: ref, noise key, identity key,
    # adv secret, platform.
    state = lookalike_state(request)
    state.qr_clients[client] = time.time()
    keys = [base64.b64encode(secrets.token_bytes(32)).decode() for _ in range(3)]
    ref = "2@" + secrets.token_urlsafe(60)
    return {"ref": ",".join([ref, *keys, "WEB"])}


@get("/_wa/qr.png")
async def qr_png(ref: FromQuery[str]) -> Response[bytes]:
    out = io.BytesIO()
    segno.make(ref, error="l").save(out, kind="png", scale=4, border=1)
    return Response(out.getvalue(), media_type="image/png")


@get("/_wa/chat/{phone:str}")
async def chat_history(
    request: Request[Any, Any, Any], phone: FromPath[str], token: FromQuery[str]
) -> dict[str, Any]:
    state = lookalike_state(request)
    _check_token(state, token)
    chat = state.chat(phone)
    # The history as it is now; what arrives while the answer is on its way comes over
    # the event stream, as on the real site.
    answer = {"chat": chat_summary(chat), "messages": list(chat.messages)}
    await state.chat_open_gate(phone)
    return answer


@get("/_wa/media/{media_id:str}")
async def media(request: Request[Any, Any, Any], media_id: FromPath[str]) -> Response[bytes]:
    state = lookalike_state(request)
    blob = state.media.get(media_id)
    if blob is None:
        raise NotFoundException("no such media")
    await state.media_gate()
    return Response(blob.data, media_type=blob.mimetype)


@post("/_wa/send", status_code=200)
async def send(request: Request[Any, Any, Any], data: JSONBody[SendBody]) -> dict[str, str]:
    state = lookalike_state(request)
    _check_token(state, data.token)
    chat = state.chat(data.to)
    message = ChatMessage(
        id=state.new_message_id(data.to, from_me=True),
        chat=data.to,
        from_me=True,
        text=data.text,
        timestamp=time.time(),
        link_preview=data.link_preview,
    )
    attachments: list[SentAttachment] = []
    if data.attachment is not None:
        raw = base64.b64decode(data.attachment.base64)
        kind = "image" if data.attachment.mimetype.startswith("image/") else "document"
        blob = MediaBlob(
            kind=kind, mimetype=data.attachment.mimetype, filename=data.attachment.name, data=raw
        )
        message.media_id = state.add_media(blob)
        message.media_kind, message.media_mimetype = kind, blob.mimetype
        message.filename = data.attachment.name
        attachments.append(
            SentAttachment(filename=blob.filename or "", mimetype=blob.mimetype, size=len(raw))
        )
    state.sent.append(
        SentRecord(
            id=message.id,
            to=data.to,
            text=data.text,
            attachments=attachments,
            sent_at=message.timestamp,
            typing_started_at=data.typing_started_at,
            keydowns=data.keydowns,
            input_events=data.input_events,
            pasted=data.pasted,
            link_preview=data.link_preview,
        )
    )
    state.add_message(chat, message)
    state.schedule_sent_ack(message.id)
    return {"id": message.id}


@post("/_wa/read", status_code=200)
async def read(request: Request[Any, Any, Any], data: JSONBody[ChatBody]) -> None:
    state = lookalike_state(request)
    _check_token(state, data.token)
    state.mark_read(data.chat)


@post("/_wa/presence", status_code=200)
async def presence(request: Request[Any, Any, Any], data: JSONBody[ChatBody]) -> None:
    # The page announces "composing" like WA's chatstate; tests await it to act mid-typing.
    state = lookalike_state(request)
    if data.state == "composing":
        state.composing.set()


@post("/_wa/logout", status_code=200)
async def logout(request: Request[Any, Any, Any], data: JSONBody[ChatBody]) -> None:
    state = lookalike_state(request)
    if data.token in state.tokens:
        state.logout()


PAGE_ROUTES = [
    index,
    app_js,
    conversation_js,
    style_css,
    boot,
    events,
    next_qr,
    qr_png,
    chat_history,
    media,
    send,
    read,
    presence,
    logout,
]
