"""A local stand-in for an OpenAI-compatible API, for tests that use the real ``openai`` SDK.

It speaks the wire format of ``POST /v1/chat/completions`` (JSON, and SSE when the request
says ``"stream": true``, ending in ``data: [DONE]``), ``POST /v1/audio/transcriptions``
(multipart) and ``GET /v1/models``; it records every request and answers from a script::

    with OpenAIStandin() as api:                 # uvicorn on 127.0.0.1, a free port
        api.queue("chat", Reply.failure(500), Reply(text="R$ 189,90 para Loja Exemplo"))
        api.queue("chat", Reply(tool_calls=(ToolCall("close_session", {"reason": "ok"}),)))
        api.queue("transcription", Reply.stall(5))   # answers after 5 s (or on disconnect)
        client = api.client()                    # openai.AsyncOpenAI(base_url=api.base_url)
        ...
        request = api.last("chat")               # RecordedRequest: headers, json, files
        assert request.json["model"] == "gpt-test"

Unscripted calls get the defaults: ``chat_text`` for chat, ``transcription_text`` for
transcriptions. The server runs in its own thread and event loop, so it serves sync and
async tests alike; a stalled reply ends as soon as the client hangs up, so a timeout test
leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import openai
import uvicorn
from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Stream

Endpoint = Literal["chat", "transcription", "models"]


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: Mapping[str, Any] | str
    id: str | None = None  # generated when None

    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments, ensure_ascii=False)


@dataclass(frozen=True)
class Reply:
    """One scripted answer. ``status`` >= 400 answers an OpenAI-style error body."""

    text: str | None = None  # None: the standin's default text (unless tool_calls)
    tool_calls: tuple[ToolCall, ...] = ()
    status: int = 200
    error: str = "scripted failure"
    delay: float = 0.0  # seconds before answering; cut short when the client hangs up
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def failure(cls, status: int = 500, error: str = "scripted failure") -> Reply:
        # retry-after 0 keeps an SDK that honours it from sleeping in tests.
        headers = {"retry-after": "0"} if status == 429 else {}
        return cls(status=status, error=error, headers=headers)

    @classmethod
    def stall(cls, seconds: float, text: str | None = None) -> Reply:
        return cls(text=text, delay=seconds)


@dataclass
class Hold:
    """``hold_next(endpoint)``: the next call to ``endpoint`` is recorded, ``arrived`` is
    set, and its answer waits until ``release()`` (30 s at most)."""

    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def wait_arrived(self, timeout: float = 30.0) -> None:
        if not self.arrived.wait(timeout):
            raise AssertionError(f"no call reached the hold in {timeout} s")

    def release(self) -> None:
        self.released.set()


@dataclass(frozen=True)
class RecordedFile:
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class RecordedRequest:
    endpoint: Endpoint
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes  # raw, except for multipart (see form and files)
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, RecordedFile] = field(default_factory=dict)


class OpenAIStandin:
    def __init__(
        self,
        *,
        chat_text: str = "Resposta de teste do modelo.",
        transcription_text: str = "Transcrição de teste.",
        models: tuple[str, ...] = ("standin-chat", "standin-transcribe"),
    ) -> None:
        self.chat_text = chat_text
        self.transcription_text = transcription_text
        self.models = models
        self._lock = threading.Lock()
        self._scripts: dict[Endpoint, deque[Reply]] = {
            "chat": deque(),
            "transcription": deque(),
            "models": deque(),
        }
        self._requests: list[RecordedRequest] = []
        self._holds: dict[Endpoint, deque[Hold]] = {
            "chat": deque(),
            "transcription": deque(),
            "models": deque(),
        }
        self._ids = itertools.count(1)
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> OpenAIStandin:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Bound by hand (not by asyncio), the socket gets no TCP_NODELAY: on a kept-alive
        # connection every answer's body would wait ~40 ms for the client's delayed ACK.
        # Accepted connections inherit the option.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", 0))
        # Listening before uvicorn starts: early connections wait in the backlog, so no
        # caller has to poll for readiness.
        sock.listen(128)
        config = uvicorn.Config(
            self._app(),
            loop="asyncio",
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=2,
        )
        self._socket, self._server = sock, uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="openai-standin"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> OpenAIStandin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._socket is None:
            raise RuntimeError("the standin is not started")
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}/v1"

    def client(self, **options: Any) -> openai.AsyncOpenAI:
        """An SDK client pointed here; without retries unless ``max_retries`` is given.
        The caller closes it (``async with`` or ``await client.close()``)."""
        options.setdefault("max_retries", 0)
        options.setdefault("api_key", "sk-standin")
        return openai.AsyncOpenAI(base_url=self.base_url, **options)

    # -- script and records ------------------------------------------------------------

    def queue(self, endpoint: Endpoint, *replies: Reply) -> None:
        with self._lock:
            self._scripts[endpoint].extend(replies)

    def requests(self, endpoint: Endpoint | None = None) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self._requests if endpoint in (None, r.endpoint)]

    def last(self, endpoint: Endpoint) -> RecordedRequest:
        found = self.requests(endpoint)
        if not found:
            raise AssertionError(f"no {endpoint} request was received")
        return found[-1]

    def hold_next(self, endpoint: Endpoint) -> Hold:
        hold = Hold()
        with self._lock:
            self._holds[endpoint].append(hold)
        return hold

    def pending(self, endpoint: Endpoint) -> int:
        """Scripted replies not consumed yet (a test can assert its script was used)."""
        with self._lock:
            return len(self._scripts[endpoint])

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            for script in self._scripts.values():
                script.clear()
            for holds in self._holds.values():
                for hold in holds:
                    hold.release()
                holds.clear()

    def _next(self, endpoint: Endpoint) -> Reply:
        with self._lock:
            script = self._scripts[endpoint]
            return script.popleft() if script else Reply()

    def _record(self, request: RecordedRequest) -> Hold | None:
        with self._lock:
            self._requests.append(request)
            holds = self._holds[request.endpoint]
            hold = holds.popleft() if holds else None
        if hold is not None:
            hold.arrived.set()
        return hold

    # -- HTTP --------------------------------------------------------------------------

    def _app(self) -> Litestar:
        @post("/v1/chat/completions", status_code=200)
        async def chat(request: Request[Any, Any, Any]) -> Response[Any]:
            body = await request.body()
            payload = json.loads(body or b"null")
            hold = self._record(_recorded("chat", request, body, payload=payload))
            reply = await self._delayed(request, self._next("chat"), hold)
            if reply.status >= 400:
                return _error(reply)
            if isinstance(payload, dict) and payload.get("stream"):
                return self._chat_stream(payload, reply)
            return Response(self._chat_body(payload, reply), headers=dict(reply.headers))

        @post("/v1/audio/transcriptions", status_code=200)
        async def transcription(request: Request[Any, Any, Any]) -> Response[Any]:
            form, files = await _read_form(request)
            hold = self._record(_recorded("transcription", request, b"", form=form, files=files))
            reply = await self._delayed(request, self._next("transcription"), hold)
            if reply.status >= 400:
                return _error(reply)
            text = self.transcription_text if reply.text is None else reply.text
            if form.get("response_format") in ("text", "srt", "vtt"):
                return Response(text, media_type="text/plain", headers=dict(reply.headers))
            return Response({"text": text}, headers=dict(reply.headers))

        @get("/v1/models")
        async def models(request: Request[Any, Any, Any]) -> Response[Any]:
            hold = self._record(_recorded("models", request, b""))
            reply = await self._delayed(request, self._next("models"), hold)
            if reply.status >= 400:
                return _error(reply)
            data = [
                {"id": m, "object": "model", "created": 0, "owned_by": "standin"}
                for m in self.models
            ]
            return Response({"object": "list", "data": data})

        return Litestar(
            [chat, transcription, models],
            request_max_body_size=200 * 1024 * 1024,
            # Litestar's default logging config would reconfigure the test process's logging.
            logging_config=None,
            debug=False,
        )

    async def _delayed(
        self, request: Request[Any, Any, Any], reply: Reply, hold: Hold | None = None
    ) -> Reply:
        if hold is not None:
            await asyncio.to_thread(hold.released.wait, 30.0)
        if reply.delay > 0:
            await _until_disconnect(request, reply.delay)
        return reply

    def _chat_body(self, payload: Any, reply: Reply) -> dict[str, Any]:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": self._text(reply),
            "refusal": None,
        }
        if reply.tool_calls:
            message["tool_calls"] = [
                {
                    "id": call.id or f"call_{next(self._ids)}",
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments_json()},
                }
                for call in reply.tool_calls
            ]
        return {
            **self._envelope(payload, "chat.completion"),
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": "tool_calls" if reply.tool_calls else "stop",
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }

    def _chat_stream(self, payload: dict[str, Any], reply: Reply) -> Stream:
        envelope = self._envelope(payload, "chat.completion.chunk")
        text = self._text(reply)
        deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
        # Split into a few pieces, as real servers do, so clients must concatenate.
        deltas += [{"content": piece} for piece in _pieces(text or "")]
        for index, call in enumerate(reply.tool_calls):
            head = {"index": index, "id": call.id or f"call_{next(self._ids)}", "type": "function"}
            deltas.append(
                {"tool_calls": [{**head, "function": {"name": call.name, "arguments": ""}}]}
            )
            deltas += [
                {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
                for piece in _pieces(call.arguments_json())
            ]
        chunks = [_chunk(envelope, delta, None) for delta in deltas]
        chunks.append(_chunk(envelope, {}, "tool_calls" if reply.tool_calls else "stop"))
        if (payload.get("stream_options") or {}).get("include_usage"):
            usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
            chunks.append({**envelope, "choices": [], "usage": usage})

        async def events() -> AsyncIterator[bytes]:
            for chunk in chunks:
                yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode()
            yield b"data: [DONE]\n\n"

        return Stream(events(), media_type="text/event-stream", headers=dict(reply.headers))

    def _text(self, reply: Reply) -> str | None:
        if reply.text is not None:
            return reply.text
        return None if reply.tool_calls else self.chat_text

    def _envelope(self, payload: Any, kind: str) -> dict[str, Any]:
        model = payload.get("model", "standin") if isinstance(payload, dict) else "standin"
        return {
            "id": f"chatcmpl-standin-{next(self._ids)}",
            "object": kind,
            "created": int(time.time()),
            "model": model,
        }


def _recorded(
    endpoint: Endpoint,
    request: Request[Any, Any, Any],
    body: bytes,
    *,
    payload: Any = None,
    form: dict[str, str] | None = None,
    files: dict[str, RecordedFile] | None = None,
) -> RecordedRequest:
    return RecordedRequest(
        endpoint=endpoint,
        method=request.method,
        path=request.url.path,
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        json=payload,
        form=form or {},
        files=files or {},
    )


async def _read_form(
    request: Request[Any, Any, Any],
) -> tuple[dict[str, str], dict[str, RecordedFile]]:
    fields: dict[str, str] = {}
    files: dict[str, RecordedFile] = {}
    form = await request.form()
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            data = await value.read()
            await value.close()
            files[name] = RecordedFile(value.filename, value.content_type, data)
        else:
            fields[name] = str(value)
    return fields, files


async def _until_disconnect(request: Request[Any, Any, Any], seconds: float) -> None:
    """Wait ``seconds``, or less if the client hangs up first (its timeout fired)."""
    try:
        async with asyncio.timeout(seconds):
            while (await request.receive())["type"] != "http.disconnect":
                pass
    except TimeoutError:
        pass


def _error(reply: Reply) -> Response[Any]:
    body = {
        "error": {
            "message": reply.error,
            "type": "standin_error",
            "param": None,
            "code": str(reply.status),
        }
    }
    return Response(body, status_code=reply.status, headers=dict(reply.headers))


def _chunk(envelope: dict[str, Any], delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        **envelope,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }


def _pieces(text: str, size: int = 8) -> Iterator[str]:
    return (text[i : i + size] for i in range(0, len(text), size))
