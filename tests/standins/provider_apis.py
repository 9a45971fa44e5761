"""Local stand-ins for the providers' send APIs, answering as SEND_APIS.md describes.

Each stand-in is a raw ASGI app served by uvicorn on ``127.0.0.1`` and a free port, in a
background thread, so sync tests, async tests and code under test all reach it over
real HTTP. Use it as a context manager (``with`` or ``async with``)::

    async with EvolutionStandIn() as evo:
        await evolution_sender.send(message, evo.config, client=client)
        assert evo.last.path == "/message/sendText/loja-centro"

The whole API (the same on every stand-in):

- ``base_url`` / ``config``: where it listens; ``config`` is a ready connection config
  (``baseUrl``, keys and names the stand-in accepts).
- ``requests``: every request received, oldest first, as :class:`Recorded` (method,
  path, query, lower-cased headers, raw body, ``json``, multipart ``form``, and the
  ``status``/``reply`` it was answered with). ``last`` is the newest;
  ``requests_to(path)`` filters by path.
- ``not_on_whatsapp``: a set of digit strings; those numbers fail as each provider fails
  them (Evolution 400 ``exists:false``; WAHA ``check-exists`` says no and a send fails per
  engine; UAZapi ``/chat/check`` says no; Meta accepts with 200, as it really does).
- ``fail_next(kind, times=1, retry_after=None, path=None)``: queue ``"server_error"``,
  ``"rate_limited"`` or ``"timeout"`` (the answer is held until the client gives up or
  the stand-in stops) for the next ``times`` requests (to ``path`` only, when given).
- ``respond_next(status, body, headers=None, times=1, path=None)``: queue any answer.
- ``hold_next(path=None)``: the next request (to ``path`` only, when given) is recorded
  and then held unanswered until the returned :class:`Gate` is released (or the
  stand-in stops): a test can act while the caller waits for the provider.
- every :class:`Recorded` has ``at``, the ``time.monotonic()`` of its arrival.
- ``reset()``: forget requests, queued answers and ``not_on_whatsapp``.
- ``groups``: the groups the number is in (:class:`StandInGroup`: id, subject,
  participant JIDs), answered by each provider's group list in its own shape
  (Evolution ``GET /group/fetchAllGroups/{instance}``, WAHA ``GET /api/{session}/groups``
  per engine, UAZapi ``GET /group/list``); two groups unless changed.

Default credentials are the module constants (``EVOLUTION_API_KEY``, ``WAHA_API_KEY``,
``UAZAPI_TOKEN``, ``META_ACCESS_TOKEN``, ``NATIVE_SECRET``). Extras: ``MetaStandIn.
fail_with_code(code, title, details)`` queues any Graph error, ``MetaStandIn.uploads`` /
``expire_media(id)`` / ``sends()`` count uploads, expire an id and list sends; ``NativeStandIn.
signature_ok(recorded)`` re-checks a signature; ``WahaStandIn.engine`` /
``session_status`` / ``plus_only_media`` may be changed between tests.

Provider-specific knobs are constructor arguments, documented on each class.
"""

from __future__ import annotations

import asyncio
import base64
import email.parser
import email.policy
import hashlib
import hmac
import re
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import Awaitable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import parse_qsl

import msgspec
import uvicorn

FailureKind = Literal["server_error", "rate_limited", "timeout"]
# The credentials each stand-in accepts unless told otherwise.
EVOLUTION_API_KEY = "evo-global-key"
WAHA_API_KEY = "waha-key"
UAZAPI_TOKEN = "uaz-token"
META_ACCESS_TOKEN = "meta-token"
NATIVE_SECRET = "native-secret"
_TIMEOUT = object()


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: Any = None
    form: dict[str, str | bytes] | None = None
    status: int | None = None
    reply: Any = None
    at: float = 0.0  # time.monotonic() when the request arrived


@dataclass
class StandInGroup:
    id: str
    subject: str
    participants: list[str] = field(default_factory=list)
    owner: str = "5511955554444@s.whatsapp.net"
    creation: int = 1764590400


def default_groups() -> list[StandInGroup]:
    members = [f"55119876543{n:02d}@s.whatsapp.net" for n in range(12)]
    return [
        StandInGroup("120363025746281234@g.us", "Ofertas Centro 🛒", members[:9]),
        StandInGroup("120363041122334455@g.us", "Clientes VIP", members[9:]),
    ]


@dataclass
class Gate:
    """A held request (``hold_next``): ``arrived`` is set once it is recorded, and the
    answer goes out after ``release()``."""

    path: str | None
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    request: Recorded | None = None

    def wait_arrived(self, timeout: float = 30.0) -> Recorded:
        if not self.arrived.wait(timeout):
            raise AssertionError(f"no request reached the gate in {timeout} s")
        assert self.request is not None
        return self.request

    def release(self) -> None:
        self.released.set()


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-encodable, or None for an empty body
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # a non-JSON body (an image), sent with its own content-type


@dataclass
class _Scripted:
    answer: Reply | object  # a Reply, or _TIMEOUT
    path: str | None


class StandIn:
    """Base of the stand-ins: server lifecycle, recording, scripting."""

    hang_seconds = 30.0  # how long a scripted timeout holds the answer at most

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.not_on_whatsapp: set[str] = set()
        self.groups: list[StandInGroup] = default_groups()
        self._script: deque[_Scripted] = deque()
        self._gates: deque[Gate] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0

    # -- lifecycle -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def config(self) -> dict[str, Any]:
        raise NotImplementedError

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._asgi, interface="asgi3", lifespan="off", log_level="warning", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._stopping.clear()
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"{type(self).__name__} did not start")
            time.sleep(0.005)

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def _serve(self, sock: socket.socket) -> None:
        assert self._server is not None
        try:
            self._server.run(sockets=[sock])
        finally:
            sock.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)

    # -- scripting and inspection ----------------------------------------------------

    @property
    def last(self) -> Recorded:
        return self.requests[-1]

    def requests_to(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    def fail_next(
        self,
        kind: FailureKind,
        *,
        times: int = 1,
        retry_after: float | None = None,
        path: str | None = None,
    ) -> None:
        answer = _TIMEOUT if kind == "timeout" else self.failure(kind, retry_after)
        with self._lock:
            self._script.extend(_Scripted(answer, path) for _ in range(times))

    def respond_next(
        self,
        status: int,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
        path: str | None = None,
    ) -> None:
        reply = Reply(status, body, headers or {})
        with self._lock:
            self._script.extend(_Scripted(reply, path) for _ in range(times))

    def hold_next(self, path: str | None = None) -> Gate:
        gate = Gate(path)
        with self._lock:
            self._gates.append(gate)
        return gate

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._script.clear()
            self.not_on_whatsapp.clear()
            for gate in self._gates:
                gate.release()
            self._gates.clear()

    # -- what subclasses provide -----------------------------------------------------

    def handle(self, request: Recorded) -> Reply | Awaitable[Reply]:
        raise NotImplementedError

    def failure(self, kind: FailureKind, retry_after: float | None) -> Reply:
        """The provider's own answer for a scripted server error or rate limit."""
        raise NotImplementedError

    async def hold(self, seconds: float) -> None:
        """Sleep as a provider that blocks the call does (Evolution's ``delay``), but end
        early when the stand-in stops."""
        if seconds > 0:
            await asyncio.to_thread(self._stopping.wait, seconds)

    # -- ASGI ------------------------------------------------------------------------

    async def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request = await _read_request(scope, receive)
        with self._lock:
            self.requests.append(request)
            gate = self._take_gate(request.path)
        if gate is not None:
            gate.request = request
            gate.arrived.set()
            await asyncio.to_thread(self._wait_gate, gate)
        with self._lock:
            scripted = self._take_scripted(request.path)
        if scripted is _TIMEOUT:
            await self.hold(self.hang_seconds)
            reply = Reply(504, {"error": "stand-in timeout elapsed"})
        elif isinstance(scripted, Reply):
            reply = scripted
        else:
            reply = await self._answer(request)
        request.status, request.reply = reply.status, reply.body
        await _write_reply(send, reply)

    async def _answer(self, request: Recorded) -> Reply:
        result = self.handle(request)
        return result if isinstance(result, Reply) else await result

    def _take_gate(self, path: str) -> Gate | None:
        for gate in self._gates:
            if gate.path is None or gate.path == path:
                self._gates.remove(gate)
                return gate
        return None

    def _wait_gate(self, gate: Gate) -> None:
        deadline = time.monotonic() + self.hang_seconds
        while not gate.released.wait(0.05):
            if self._stopping.is_set() or time.monotonic() > deadline:
                return

    def _take_scripted(self, path: str) -> Reply | object | None:
        for item in self._script:
            if item.path is None or item.path == path:
                self._script.remove(item)
                return item.answer
        return None


async def _read_request(scope: dict[str, Any], receive: Any) -> Recorded:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    query = dict(parse_qsl(scope.get("query_string", b"").decode()))
    recorded = Recorded(scope["method"], scope["path"], query, headers, body)
    recorded.at = time.monotonic()
    content_type = headers.get("content-type", "")
    if "json" in content_type and body:
        try:
            recorded.json = msgspec.json.decode(body)
        except msgspec.DecodeError:
            recorded.json = None
    elif content_type.startswith("multipart/form-data"):
        recorded.form = _parse_multipart(content_type, body)
    return recorded


def _parse_multipart(content_type: str, body: bytes) -> dict[str, str | bytes]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    form: dict[str, str | bytes] = {}
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        form[name] = payload if part.get_filename() else payload.decode()
        if part.get_filename():
            form[f"{name}.filename"] = str(part.get_filename())
            form[f"{name}.content_type"] = part.get_content_type()
    return form


async def _write_reply(send: Any, reply: Reply) -> None:
    if reply.raw is not None:
        body = reply.raw
    else:
        body = b"" if reply.body is None else msgspec.json.encode(reply.body)
    headers = [(b"content-length", str(len(body)).encode())]
    if body and reply.raw is None:
        headers.append((b"content-type", b"application/json; charset=utf-8"))
    headers += [(k.lower().encode(), v.encode()) for k, v in reply.headers.items()]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _retry_headers(retry_after: float | None) -> dict[str, str]:
    return {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}


def digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def whatsapp_user(number: str) -> str:
    """The number as WhatsApp knows it: a Brazilian mobile keeps its 9th digit only when
    DDD < 31 or the subscriber part starts with 0-6 (Evolution ``createJid``, §1.2)."""
    d = digits(number)
    if len(d) == 13 and d.startswith("55") and d[4] == "9":
        keeps_nine = int(d[2:4]) < 31 or d[5] in "0123456"
        if not keeps_nine:
            return d[:4] + d[5:]
    return d


def wa_message_id() -> str:
    """A Baileys-style id: ``3EB0`` + 18 upper-case hex digits."""
    return "3EB0" + secrets.token_hex(9).upper()


def now() -> int:
    return int(time.time())


# ---------------------------------------------------------------------------------------
# Evolution API 2.3.7 (§1)
# ---------------------------------------------------------------------------------------

_EVOLUTION_MEDIA_TYPE = {
    "image": "imageMessage",
    "video": "videoMessage",
    "document": "documentMessage",
    "audio": "audioMessage",
}


class EvolutionStandIn(StandIn):
    """Evolution v2: ``/message/sendText|sendMedia|sendWhatsAppAudio/{instance}``,
    ``/chat/sendPresence|markMessageAsRead|whatsappNumbers/{instance}``,
    ``GET /instance/connectionState/{instance}``.

    Guards in Evolution's order: unknown instance 404, then ``apikey`` (``api_key`` or
    ``instance_token``) 401 ``"Unauthorized"``. Sends check the number first (400
    ``exists:false``); ``sendPresence`` blocks for ``delay`` ms as the real one does.
    """

    def __init__(
        self,
        *,
        api_key: str = EVOLUTION_API_KEY,
        instance: str = "loja-centro",
        instance_token: str | None = None,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.instance = instance
        self.instance_token = instance_token

    @property
    def config(self) -> dict[str, Any]:
        return {"baseUrl": self.base_url, "apiKey": self.api_key, "instance": self.instance}

    @staticmethod
    def error(status: int, message: Any) -> Reply:
        names = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}
        name = names.get(status, "Internal Server Error")
        return Reply(status, {"status": status, "error": name, "response": {"message": message}})

    def failure(self, kind: FailureKind, retry_after: float | None) -> Reply:
        if kind == "rate_limited":
            # Evolution has no limiter (§1.4); this is the reverse proxy in front of it.
            reply = self.error(429, "Too Many Requests")
            reply.headers = _retry_headers(retry_after)
            return reply
        return self.error(500, ["Error: Connection Closed"])

    async def handle(self, request: Recorded) -> Reply:
        match = re.fullmatch(r"/(message|chat|instance|group)/(\w+)/([^/]+)", request.path)
        if match is None:
            return self.error(404, [f"Cannot {request.method} {request.path}"])
        group, action, instance = match.groups()
        if instance != self.instance:
            return self.error(404, [f'The "{instance}" instance does not exist'])
        if request.headers.get("apikey") not in {self.api_key, self.instance_token} - {None}:
            return self.error(401, "Unauthorized")
        handler = getattr(self, f"_{group}_{action}", None)
        if handler is None:
            return self.error(404, [f"Cannot {request.method} {request.path}"])
        body = request.json if isinstance(request.json, dict) else {}
        if group == "group":
            body = dict(request.query)
        result: Reply = await handler(body)
        return result

    async def _group_fetchAllGroups(self, query: dict[str, Any]) -> Reply:
        """Baileys' GroupMetadata per group; ``getParticipants`` is required (the real
        one answers 400 without it) and adds the members."""
        if "getParticipants" not in query:
            return self.error(400, ["The getParticipants needs to be informed in the query"])
        with_members = query["getParticipants"] == "true"
        found = []
        for g in self.groups:
            item: dict[str, Any] = {
                "id": g.id,
                "subject": g.subject,
                "subjectOwner": g.owner,
                "subjectTime": g.creation,
                "pictureUrl": None,
                "size": len(g.participants),
                "creation": g.creation,
                "owner": g.owner,
                "desc": None,
                "descId": None,
                "restrict": False,
                "announce": False,
            }
            if with_members:
                item["participants"] = [{"id": p, "admin": None} for p in g.participants]
            found.append(item)
        return Reply(200, found)

    def _lookup(self, number: str) -> tuple[str, Reply | None]:
        if "@" in number:
            return number, None  # groups and LIDs are assumed to exist (§1.2)
        jid = f"{whatsapp_user(number)}@s.whatsapp.net"
        if digits(number) in self.not_on_whatsapp:
            found = [{"jid": jid, "exists": False, "number": number}]
            return jid, self.error(400, found)
        return jid, None

    def _missing(self, body: dict[str, Any], *names: str) -> Reply | None:
        for name in names:
            if name not in body:
                return self.error(400, [[f'instance requires property "{name}"']])
        return None

    def _sent(self, jid: str, message_type: str, message: dict[str, Any]) -> Reply:
        return Reply(
            201,
            {
                "key": {"remoteJid": jid, "fromMe": True, "id": wa_message_id()},
                "pushName": "Você",
                "status": "PENDING",
                "message": message,
                "messageType": message_type,
                "messageTimestamp": now(),
                "instanceId": "3f8e2a6c-9b1d-4c7e-a5f2-6d0b8e4c1a97",
                "source": "web",
            },
        )

    async def _message_sendText(self, body: dict[str, Any]) -> Reply:
        if missing := self._missing(body, "number", "text"):
            return missing
        if not str(body["text"]).strip():
            return self.error(400, ["Text is required"])
        jid, refused = self._lookup(str(body["number"]))
        if refused:
            return refused
        await self.hold(int(body.get("delay") or 0) / 1000)
        return self._sent(jid, "conversation", {"conversation": body["text"]})

    async def _message_sendMedia(self, body: dict[str, Any]) -> Reply:
        if missing := self._missing(body, "number", "mediatype", "media"):
            return missing
        media = str(body["media"])
        is_url = media.startswith(("http://", "https://"))
        if not is_url and not _is_base64(media):
            return self.error(400, ["Owned media must be a url or base64"])
        if not is_url and body["mediatype"] == "document" and not body.get("fileName"):
            return self.error(400, ["For base64 the file name must be informed."])
        jid, refused = self._lookup(str(body["number"]))
        if refused:
            return refused
        message_type = _EVOLUTION_MEDIA_TYPE.get(str(body["mediatype"]), "documentMessage")
        content = {"caption": body.get("caption"), "mimetype": body.get("mimetype")}
        if body["mediatype"] == "image":
            content["mimetype"] = "image/jpeg"  # re-encoded by sharp (§1.2)
        if body.get("fileName"):
            content["fileName"] = body["fileName"]
        return self._sent(jid, message_type, {message_type: content})

    async def _message_sendWhatsAppAudio(self, body: dict[str, Any]) -> Reply:
        if missing := self._missing(body, "number", "audio"):
            return missing
        jid, refused = self._lookup(str(body["number"]))
        if refused:
            return refused
        content = {"ptt": True, "mimetype": "audio/ogg; codecs=opus", "seconds": 4}
        return self._sent(jid, "audioMessage", {"audioMessage": content})

    async def _chat_sendPresence(self, body: dict[str, Any]) -> Reply:
        if missing := self._missing(body, "number", "presence", "delay"):
            return missing
        _, refused = self._lookup(str(body["number"]))
        if refused:
            return refused
        await self.hold(int(body["delay"]) / 1000)
        return Reply(201, {"presence": body["presence"]})

    async def _chat_markMessageAsRead(self, body: dict[str, Any]) -> Reply:
        if missing := self._missing(body, "readMessages"):
            return missing
        return Reply(201, {"message": "Read messages", "read": "success"})

    async def _chat_whatsappNumbers(self, body: dict[str, Any]) -> Reply:
        found = []
        for number in body.get("numbers", []):
            jid = f"{whatsapp_user(number)}@s.whatsapp.net"
            exists = digits(number) not in self.not_on_whatsapp
            found.append({"jid": jid, "exists": exists, "number": number})
        return Reply(200, found)

    async def _instance_connectionState(self, body: dict[str, Any]) -> Reply:
        return Reply(200, {"instance": {"instanceName": self.instance, "state": "open"}})


def _is_base64(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except ValueError:
        return False
    return bool(value)


# ---------------------------------------------------------------------------------------
# WAHA (§2)
# ---------------------------------------------------------------------------------------

WahaEngine = Literal["WEBJS", "NOWEB", "GOWS"]
_WAHA_SENDS = {"sendText", "sendImage", "sendFile", "sendVoice", "sendVideo"}
_WAHA_REQUIRED = {
    "sendText": ("session", "chatId", "text"),
    "sendImage": ("session", "chatId", "file"),
    "sendFile": ("session", "chatId", "file"),
    "sendVoice": ("session", "chatId", "file", "convert"),
    "sendVideo": ("session", "chatId", "file", "convert"),
    "startTyping": ("session", "chatId"),
    "stopTyping": ("session", "chatId"),
    "sendSeen": ("session", "chatId"),
}


class WahaStandIn(StandIn):
    """WAHA: ``POST /api/sendText|sendImage|sendFile|sendVoice|sendVideo``,
    ``/api/startTyping|stopTyping|sendSeen``, ``GET /api/contacts/check-exists``.

    ``engine`` picks the send reply shape (WEBJS ``id._serialized``, NOWEB ``key.id``,
    GOWS ``id`` string) and how a number without WhatsApp fails (NOWEB 201, others 500).
    ``session_status`` other than ``WORKING`` gives the 422 session-state error at once
    (the real one first waits 5 s). ``plus_only_media`` answers media sends with the
    pre-2026.6.1 Core 422. Auth: ``X-Api-Key`` header or ``x-api-key`` query.
    """

    def __init__(
        self,
        *,
        api_key: str = WAHA_API_KEY,
        session: str = "default",
        engine: WahaEngine = "WEBJS",
        session_status: str = "WORKING",
        plus_only_media: bool = False,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.session = session
        self.engine: WahaEngine = engine
        self.session_status = session_status
        self.plus_only_media = plus_only_media

    @property
    def config(self) -> dict[str, Any]:
        return {"baseUrl": self.base_url, "apiKey": self.api_key, "session": self.session}

    @staticmethod
    def nest_error(status: int, message: Any, error: str) -> Reply:
        return Reply(status, {"statusCode": status, "message": message, "error": error})

    def server_error(self, path: str, body: Any, message: str) -> Reply:
        """WAHA's custom 500 body (§2.4, 🧾#1868)."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        return Reply(
            500,
            {
                "statusCode": 500,
                "timestamp": stamp,
                "exception": {"message": message, "name": "Error", "stack": f"Error: {message}"},
                "request": {"path": path, "method": "POST", "body": body, "query": {}},
                "version": {"version": "2026.7.1", "engine": self.engine, "tier": "CORE"},
            },
        )

    def failure(self, kind: FailureKind, retry_after: float | None) -> Reply:
        if kind == "rate_limited":
            reply = self.nest_error(
                429, "ThrottlerException: Too Many Requests", "Too Many Requests"
            )
            reply.headers = _retry_headers(retry_after)
            return reply
        return self.server_error("/api/sendText", {}, "Connection Closed")

    def handle(self, request: Recorded) -> Reply:
        key = request.headers.get("x-api-key") or request.query.get("x-api-key")
        if key != self.api_key:
            return Reply(401, {"message": "Unauthorized", "statusCode": 401})
        if request.method == "GET" and request.path == "/api/contacts/check-exists":
            return self._check_exists(request.query)
        groups = re.fullmatch(r"/api/([^/]+)/groups", request.path)
        if request.method == "GET" and groups is not None:
            return self._groups(groups.group(1))
        action = request.path.removeprefix("/api/")
        if request.method != "POST" or action not in _WAHA_REQUIRED:
            message = f"Cannot {request.method} {request.path}"
            return self.nest_error(404, message, "Not Found")
        body = request.json if isinstance(request.json, dict) else {}
        missing = [
            f"{name} should not be empty" for name in _WAHA_REQUIRED[action] if name not in body
        ]
        if missing:
            return self.nest_error(400, missing, "Bad Request")
        return self._session_action(request.path, action, body)

    def _session_action(self, path: str, action: str, body: dict[str, Any]) -> Reply:
        if body["session"] != self.session:
            name = body["session"]
            message = (
                f"We didn't find a session with name '{name}'.\n"
                f"Please start it first by using POST /api/sessions/{name}/start request"
            )
            return self.nest_error(404, message, "Not Found")
        if self.session_status != "WORKING":
            return Reply(
                422,
                {
                    "error": (
                        "Session status is not as expected. Try again later or restart the session"
                    ),
                    "session": self.session,
                    "status": self.session_status,
                    "expected": ["WORKING"],
                },
            )
        if action in {"startTyping", "stopTyping"}:
            return Reply(201, {"result": True})
        if action == "sendSeen":
            return Reply(201)  # GOWS answers with no body (§2.2)
        if self.plus_only_media and action != "sendText":
            message = "The feature is available only in Plus version. Check this out: https://waha.devlike.pro/"
            return self.nest_error(422, message, "Unprocessable Entity")
        return self._sent(path, body)

    def _sent(self, path: str, body: dict[str, Any]) -> Reply:
        chat_id = str(body["chatId"])
        user = chat_id.split("@")[0]
        if user in self.not_on_whatsapp and self.engine != "NOWEB":
            text = (
                f"2 UNKNOWN: no LID found for {user}@s.whatsapp.net from server"
                if self.engine == "GOWS"
                else "No LID for user"
            )
            return self.server_error(path, body, text)
        wid = wa_message_id()
        serialized = f"true_{chat_id}_{wid}"
        content = {"extendedTextMessage": {"text": body.get("text") or body.get("caption")}}
        if self.engine == "NOWEB":
            jid = f"{user}@s.whatsapp.net" if chat_id.endswith("@c.us") else chat_id
            key = {"remoteJid": jid, "fromMe": True, "id": wid}
            reply = {
                "key": key,
                "message": content,
                "messageTimestamp": str(now()),
                "status": "PENDING",
            }
            return Reply(201, reply)
        if self.engine == "GOWS":
            return Reply(201, {"id": serialized, "_data": content})
        webjs_id = {"fromMe": True, "remote": chat_id, "id": wid, "_serialized": serialized}
        return Reply(201, {"id": webjs_id, "body": body.get("text") or "", "ack": 0})

    def _groups(self, session: str) -> Reply:
        """``GET /api/{session}/groups`` in the engine's own shape: NOWEB a map of
        Baileys GroupMetadata by JID, GOWS whatsmeow GroupInfo, WEBJS GroupChat."""
        if session != self.session:
            message = f"We didn't find a session with name '{session}'."
            return self.nest_error(404, message, "Not Found")
        if self.session_status != "WORKING":
            body = {"error": "Session status is not as expected.", "session": session}
            return Reply(422, {**body, "status": self.session_status, "expected": ["WORKING"]})
        if self.engine == "NOWEB":
            return Reply(
                200,
                {
                    g.id: {
                        "id": g.id,
                        "subject": g.subject,
                        "owner": g.owner,
                        "creation": g.creation,
                        "size": len(g.participants),
                        "participants": [{"id": p, "admin": None} for p in g.participants],
                    }
                    for g in self.groups
                },
            )
        if self.engine == "GOWS":
            return Reply(
                200,
                [
                    {
                        "JID": g.id,
                        "OwnerJID": g.owner,
                        "Name": g.subject,
                        "Topic": "",
                        "IsAnnounce": False,
                        "Participants": [
                            {"JID": p, "IsAdmin": False, "IsSuperAdmin": False}
                            for p in g.participants
                        ],
                    }
                    for g in self.groups
                ],
            )
        return Reply(
            200,
            [
                {
                    "id": {"server": "g.us", "user": g.id.split("@")[0], "_serialized": g.id},
                    "name": g.subject,
                    "isGroup": True,
                    "groupMetadata": {
                        "id": {"server": "g.us", "user": g.id.split("@")[0], "_serialized": g.id},
                        "subject": g.subject,
                        "creation": g.creation,
                        "participants": [
                            {
                                "id": {"_serialized": p.replace("@s.whatsapp.net", "@c.us")},
                                "isAdmin": False,
                                "isSuperAdmin": False,
                            }
                            for p in g.participants
                        ],
                    },
                }
                for g in self.groups
            ],
        )

    def _check_exists(self, query: dict[str, str]) -> Reply:
        if query.get("session") != self.session:
            return self.nest_error(
                404, f"We didn't find a session with name '{query.get('session')}'.", "Not Found"
            )
        phone = digits(query.get("phone", ""))
        if phone in self.not_on_whatsapp:
            return Reply(200, {"numberExists": False, "chatId": None})
        return Reply(200, {"numberExists": True, "chatId": f"{whatsapp_user(phone)}@c.us"})


# ---------------------------------------------------------------------------------------
# UAZapi / uazapiGO v2 (§4)
# ---------------------------------------------------------------------------------------

_UAZAPI_MEDIA_TYPES = {"image", "video", "document", "audio", "myaudio", "ptt", "ptv", "sticker"}
_UAZAPI_MESSAGE_TYPE = {
    "image": "ImageMessage",
    "video": "VideoMessage",
    "ptv": "VideoMessage",
    "document": "DocumentMessage",
    "audio": "AudioMessage",
    "myaudio": "AudioMessage",
    "ptt": "AudioMessage",
    "sticker": "StickerMessage",
}


class UazapiStandIn(StandIn):
    """uazapiGO: ``POST /send/text``, ``/send/media``, ``/message/presence``,
    ``/message/markread``, ``/chat/check``; ``GET /instance/status``. Auth: ``token``
    header, else 401 ``{"error": "Invalid token"}``. ``owner`` is our own number, the
    prefix of the internal ``id``. A send to a number in ``not_on_whatsapp`` answers
    500 ``"Failed to send message"`` (the real answer is undocumented, §4.3 ⚠).
    """

    def __init__(
        self,
        *,
        token: str = UAZAPI_TOKEN,
        owner: str = "5511955554444",
        instance: str = "loja-centro",
    ) -> None:
        super().__init__()
        self.token = token
        self.owner = owner
        self.instance = instance

    @property
    def config(self) -> dict[str, Any]:
        return {"baseUrl": self.base_url, "token": self.token, "instance": self.instance}

    def failure(self, kind: FailureKind, retry_after: float | None) -> Reply:
        if kind == "rate_limited":
            return Reply(429, {"error": "Rate limit exceeded"}, _retry_headers(retry_after))
        return Reply(500, {"error": "Failed to send message"})

    def handle(self, request: Recorded) -> Reply:
        if request.headers.get("token") != self.token:
            return Reply(401, {"error": "Invalid token"})
        body = request.json if isinstance(request.json, dict) else {}
        routes = {
            ("POST", "/send/text"): self._send_text,
            ("POST", "/send/media"): self._send_media,
            ("POST", "/message/presence"): self._presence,
            ("POST", "/message/markread"): self._markread,
            ("POST", "/chat/check"): self._check,
            ("GET", "/instance/status"): self._status,
            ("GET", "/group/list"): self._group_list,
        }
        route = routes.get((request.method, request.path))
        if route is None:
            return Reply(404, {"error": "Not Found"})
        if request.method == "GET":
            body = dict(request.query)
        return route(body)

    def _group_list(self, query: dict[str, Any]) -> Reply:
        """whatsmeow GroupInfo per group; ``noparticipants=true`` leaves the members out."""
        bare = query.get("noparticipants") == "true"
        groups = [
            {
                "JID": g.id,
                "OwnerJID": g.owner,
                "Name": g.subject,
                "NameSetAt": "2025-12-01T12:00:00Z",
                "Topic": "",
                "IsLocked": False,
                "IsAnnounce": False,
                "IsEphemeral": False,
                "IsParent": False,
                "GroupCreated": "2025-12-01T12:00:00Z",
                "Participants": []
                if bare
                else [
                    {"JID": p, "LID": "", "IsAdmin": False, "IsSuperAdmin": False}
                    for p in g.participants
                ],
            }
            for g in self.groups
        ]
        return Reply(200, {"groups": groups})

    def _sent(self, body: dict[str, Any], message_type: str, extra: dict[str, Any]) -> Reply:
        number = str(body["number"])
        if digits(number) in self.not_on_whatsapp:
            return Reply(500, {"error": "Failed to send message"})
        chat_id = number if "@" in number else f"{whatsapp_user(number)}@s.whatsapp.net"
        wid = wa_message_id()
        reply = {
            "id": f"{self.owner}:{wid}",
            "messageid": wid,
            "chatid": chat_id,
            "fromMe": True,
            "isGroup": chat_id.endswith("@g.us"),
            "messageType": message_type,
            "messageTimestamp": now() * 1000,
            "status": "Sent",
            "text": body.get("text", ""),
            "quoted": body.get("replyid", ""),
            "owner": self.owner,
            "wasSentByApi": True,
            "track_source": body.get("track_source", ""),
            "track_id": body.get("track_id", ""),
            **extra,
        }
        return Reply(200, reply)

    def _send_text(self, body: dict[str, Any]) -> Reply:
        if not body.get("number") or not body.get("text"):
            return Reply(400, {"error": "Missing number or text"})
        done = {"status": "success", "message": "Message sent successfully"}
        return self._sent(body, "ExtendedTextMessage", {"response": done})

    def _send_media(self, body: dict[str, Any]) -> Reply:
        if (
            not body.get("number")
            or body.get("type") not in _UAZAPI_MEDIA_TYPES
            or not body.get("file")
        ):
            return Reply(400, {"error": "Invalid media type or file format"})
        file_url = f"https://files.uazapi.test/{secrets.token_hex(8)}"
        done = {"status": "success", "message": "Media sent successfully", "fileUrl": file_url}
        extra = {"fileURL": file_url, "response": done}
        return self._sent(body, _UAZAPI_MESSAGE_TYPE[body["type"]], extra)

    def _presence(self, body: dict[str, Any]) -> Reply:
        if body.get("presence") not in {"composing", "recording", "paused"}:
            return Reply(400, {"error": "Invalid presence"})
        return Reply(200, {"response": "Chat presence sent successfully"})

    def _markread(self, body: dict[str, Any]) -> Reply:
        ids = body.get("id")
        if not ids:
            return Reply(400, {"error": "Missing Id in Payload"})
        return Reply(200, {"results": [{"message_id": i, "status": "success"} for i in ids]})

    def _check(self, body: dict[str, Any]) -> Reply:
        found = []
        for number in body.get("numbers", []):
            user = whatsapp_user(number)
            found.append(
                {
                    "query": number,
                    "jid": f"{user}@s.whatsapp.net",
                    "lid": f"{int(hashlib.sha256(user.encode()).hexdigest()[:12], 16)}@lid",
                    "isInWhatsapp": digits(number) not in self.not_on_whatsapp,
                    "verifiedName": "",
                }
            )
        return Reply(200, found)

    def _status(self, body: dict[str, Any]) -> Reply:
        jid = {"user": self.owner, "server": "s.whatsapp.net"}
        instance = {"name": self.instance, "status": "connected"}
        return Reply(
            200, {"instance": instance, "status": {"connected": True, "loggedIn": True, "jid": jid}}
        )


# ---------------------------------------------------------------------------------------
# Meta WhatsApp Cloud API (§3)
# ---------------------------------------------------------------------------------------


class MetaStandIn(StandIn):
    """Graph API: ``POST /{version}/{phone_number_id}/messages`` (sends, read receipts,
    typing) and ``/media`` (multipart upload). Auth ``Authorization: Bearer`` else 401
    code 190. Another phone-number id gives Graph's 400 code 100. Numbers in
    ``not_on_whatsapp`` are accepted with 200, as Meta does (131026 arrives later by
    webhook, §3.5). ``fail_with_code`` queues any Graph error by code.

    ``uploads`` lists the media ids it handed out, oldest first, and ``uploaded`` maps
    each to its form (``file`` bytes, ``type``). ``expire_media(id)`` makes a send that
    names that id fail as Graph does for an id past its 30 days: 400 code 100 "Param
    image.id is not a valid whatsapp business account media attachment ID". Other ids,
    uploaded here or not, are taken as they are.
    """

    def __init__(
        self, *, access_token: str = META_ACCESS_TOKEN, phone_number_id: str = "106540352242922"
    ) -> None:
        super().__init__()
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.uploads: list[str] = []
        self.uploaded: dict[str, dict[str, str | bytes]] = {}
        self.expired_media: set[str] = set()

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self.uploads.clear()
            self.uploaded.clear()
            self.expired_media.clear()

    def expire_media(self, media_id: str) -> None:
        with self._lock:
            self.expired_media.add(media_id)

    def sends(self) -> list[dict[str, Any]]:
        """The bodies of the messages it accepted (not read receipts), oldest first."""
        return [
            r.json
            for r in self.requests
            if r.path.endswith("/messages")
            and r.status == 200
            and isinstance(r.json, dict)
            and r.json.get("status") != "read"
        ]

    @property
    def config(self) -> dict[str, Any]:
        return {
            "graphBaseUrl": self.base_url,
            "phoneNumberId": self.phone_number_id,
            "accessToken": self.access_token,
        }

    @staticmethod
    def error(
        status: int, code: int, title: str, details: str | None = None, **extra: Any
    ) -> Reply:
        error: dict[str, Any] = {
            # Token errors (190) come without the "(#code)" prefix other codes carry.
            "message": title if code == 190 else f"(#{code}) {title}",
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "A" + secrets.token_urlsafe(16),
            **extra,
        }
        if details is not None:
            error["error_data"] = {"messaging_product": "whatsapp", "details": details}
        return Reply(status, {"error": error})

    def fail_with_code(
        self,
        code: int,
        title: str,
        details: str | None = None,
        *,
        status: int = 400,
        times: int = 1,
    ) -> None:
        """Queue a Graph error, e.g. ``fail_with_code(131030, "Recipient phone number not in
        allowed list")``; 400 for 13xxxx codes is the document's advice (§3.4)."""
        reply = self.error(status, code, title, details)
        self.respond_next(reply.status, reply.body, times=times)

    def failure(self, kind: FailureKind, retry_after: float | None) -> Reply:
        if kind == "rate_limited":
            details = (
                "Message failed to send because there were too many messages sent from this "
                "phone number in a short period of time."
            )
            reply = self.error(400, 130429, "Rate limit hit", details)
            reply.headers = _retry_headers(retry_after)
            return reply
        return self.error(
            500, 131000, "Something went wrong", "Something went wrong", is_transient=True
        )

    def handle(self, request: Recorded) -> Reply:
        match = re.fullmatch(r"/(v\d+\.\d+)/([^/]+)/(messages|media)", request.path)
        if match is None or request.method != "POST":
            return self.error(400, 2500, "Unknown path components: " + request.path)
        auth = request.headers.get("authorization", "")
        if auth != f"Bearer {self.access_token}":
            return self.error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        _, object_id, edge = match.groups()
        if object_id != self.phone_number_id:
            title = (
                f"Unsupported post request. Object with ID '{object_id}' does not exist, cannot be "
                "loaded due to missing permissions, or does not support this operation."
            )
            return self.error(400, 100, title, error_subcode=33)
        if edge == "media":
            return self._upload(request)
        return self._messages(request.json if isinstance(request.json, dict) else {})

    def _upload(self, request: Recorded) -> Reply:
        form = request.form or {}
        if form.get("messaging_product") != "whatsapp" or "file" not in form:
            return self.error(
                400, 100, "Invalid parameter", "messaging_product and file are required"
            )
        media_id = str(secrets.randbelow(10**16 - 10**15) + 10**15)
        with self._lock:
            self.uploads.append(media_id)
            self.uploaded[media_id] = dict(form)
        return Reply(200, {"id": media_id})

    def _messages(self, body: dict[str, Any]) -> Reply:
        if body.get("messaging_product") != "whatsapp":
            return self.error(400, 100, "Invalid parameter", "messaging_product is required")
        if body.get("status") == "read":
            if not str(body.get("message_id", "")).startswith("wamid."):
                return self.error(400, 100, "Invalid parameter", "Invalid message_id")
            return Reply(200, {"success": True})
        kind = body.get("type", "text")
        if not body.get("to") or not isinstance(body.get(kind), dict):
            return self.error(400, 100, "Invalid parameter", f"Parameter '{kind}' is required")
        media_id = body[kind].get("id")
        with self._lock:
            expired = media_id in self.expired_media
        if expired:
            title = f"Param {kind}.id is not a valid whatsapp business account media attachment ID"
            return self.error(400, 100, title)
        to = str(body["to"])
        raw = f"{digits(to)}:{secrets.token_hex(8)}".encode()
        wamid = "wamid." + base64.b64encode(raw).decode()
        contacts = [{"input": to, "wa_id": whatsapp_user(to)}]
        messages = [{"id": wamid, "message_status": "accepted"}]
        return Reply(
            200, {"messaging_product": "whatsapp", "contacts": contacts, "messages": messages}
        )


# ---------------------------------------------------------------------------------------
# NATIVE (API.md "Connections")
# ---------------------------------------------------------------------------------------


class NativeStandIn(StandIn):
    """A native integration's ``sendUrl`` (``path``): checks ``X-Balcao-Signature``
    (``sha256=<hex HMAC-SHA256 of the body with secret>``; bad → 401 ``{"error": "invalid
    signature"}``) and answers ``{"providerMessageId": "nat-<hex>"}``. A ``to`` in
    ``not_on_whatsapp`` gets 422 ``{"error": "recipient not on WhatsApp"}``.
    ``signature_ok(recorded)`` re-checks any recorded request.

    Idempotent by our ``messageId``, as an integration's API should be: a repeat of a
    message it already accepted is answered with the same ``providerMessageId`` and
    sent nowhere again. ``accepted`` maps each accepted ``messageId`` to its provider id;
    ``repeats`` counts the repeats (every request stays in ``requests``).
    """

    def __init__(self, *, secret: str = NATIVE_SECRET, path: str = "/balcao/outbound") -> None:
        super().__init__()
        self.secret = secret
        self.path = path
        self.groups_path = "/balcao/groups"
        self.accepted: dict[str, str] = {}
        self.repeats = 0

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self.accepted.clear()
            self.repeats = 0

    @property
    def config(self) -> dict[str, Any]:
        return {"sendUrl": self.base_url + self.path, "secret": self.secret}

    def signature_ok(self, request: Recorded) -> bool:
        expected = (
            "sha256=" + hmac.new(self.secret.encode(), request.body, hashlib.sha256).hexdigest()
        )
        return hmac.compare_digest(request.headers.get("x-balcao-signature", ""), expected)

    def failure(self, kind: FailureKind, retry_after: float | None) -> Reply:
        if kind == "rate_limited":
            return Reply(429, {"error": "rate limited"}, _retry_headers(retry_after))
        return Reply(500, {"error": "internal error"})

    def accepted_snapshot(self) -> dict[str, str]:
        """A copy of ``accepted`` taken under the lock the serving thread writes it
        under (bench/chaos read it while replies were arriving: "dictionary changed
        size during iteration")."""
        with self._lock:
            return dict(self.accepted)

    @property
    def groups_url(self) -> str:
        """Where it lists ``groups`` (``GET``, signed over the empty body): a native
        connection's optional ``groupsUrl``."""
        return self.base_url + self.groups_path

    def handle(self, request: Recorded) -> Reply:
        if request.method == "GET" and request.path == self.groups_path:
            if not self.signature_ok(request):
                return Reply(401, {"error": "invalid signature"})
            listed = [
                {"id": g.id, "name": g.subject, "participants": len(g.participants)}
                for g in self.groups
            ]
            return Reply(200, listed)
        if request.method != "POST" or request.path != self.path:
            return Reply(404, {"error": "not found"})
        if not self.signature_ok(request):
            return Reply(401, {"error": "invalid signature"})
        body = request.json if isinstance(request.json, dict) else {}
        if digits(str(body.get("to", ""))) in self.not_on_whatsapp:
            return Reply(422, {"error": "recipient not on WhatsApp"})
        ours = body.get("messageId")
        with self._lock:
            if isinstance(ours, str) and ours in self.accepted:
                self.repeats += 1
                return Reply(200, {"providerMessageId": self.accepted[ours]})
            provider_id = f"nat-{secrets.token_hex(10)}"
            if isinstance(ours, str):
                self.accepted[ours] = provider_id
        return Reply(200, {"providerMessageId": provider_id})
