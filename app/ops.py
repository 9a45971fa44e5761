"""Operational endpoints: liveness, readiness, request ids."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import msgspec
import sqlalchemy as sa
from litestar import Response, get
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.deps import Shared
from app.logs import request_id_var


class Health(msgspec.Struct):
    status: str


class Readiness(msgspec.Struct):
    status: str
    postgres: str
    redis: str


@get("/health", exclude_from_auth=True, tags=["ops"], sync_to_thread=False)
def health() -> Health:
    return Health(status="ok")


async def _check(coro: Any) -> str:
    try:
        await asyncio.wait_for(coro, timeout=2)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


@get("/ready", exclude_from_auth=True, tags=["ops"])
async def ready(app_state: Shared) -> Response[Readiness]:
    async def pg() -> None:
        async with app_state.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    postgres, redis = await asyncio.gather(_check(pg()), _check(app_state.redis.ping()))
    ok = postgres == "ok" and redis == "ok"
    body = Readiness(status="ok" if ok else "unavailable", postgres=postgres, redis=redis)
    return Response(body, status_code=200 if ok else 503)


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming[:64] if incoming.isprintable() and incoming else uuid.uuid4().hex
        token = request_id_var.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message)["x-request-id"] = request_id
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)

    return middleware
