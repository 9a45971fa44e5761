"""POST /api/v1/webhooks/{provider}/{connectionId}: verify, parse, store, answer.

No provider or LLM call happens here; the answer is sent after the commit, and the
follow-up jobs are enqueued after the answer."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import msgspec
from litestar import Request, Response, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath

from app.deps import Shared
from app.errors import InvalidSignature, NotFound, UnprocessablePayload
from app.ingest.connection import ConnectionInfo
from app.state import AppState, state_of
from app.webhooks.services import record_dead_letter
from providers import UnknownProvider, get_provider
from providers.base import ChallengeResponder, UnparseablePayload, WebhookRequest
from providers.base import InvalidSignature as ProviderInvalidSignature

log = logging.getLogger("balcao.webhooks")


class Accepted(msgspec.Struct):
    accepted: int
    duplicates: int


async def _connection(state: AppState, provider: str, connection_id: str) -> ConnectionInfo:
    """The connection the URL names; anything that does not match is 404."""
    try:
        kind = get_provider(provider).kind
        parsed_id = uuid.UUID(connection_id)
    except (UnknownProvider, ValueError) as exc:
        raise NotFound("No such connection.") from exc
    conn = await state.connections.get(parsed_id)
    if conn is None or conn.provider != kind or provider != provider.lower():
        raise NotFound("No such connection.")
    return conn


def _webhook_request(request: Request[Any, Any, Any], body: bytes) -> WebhookRequest:
    # Straight from the ASGI scope, first value of a repeated name as dict(request.headers)
    # gives, without building Litestar's case-insensitive multidict for every delivery.
    headers: dict[str, str] = {}
    for name, value in request.scope["headers"]:
        headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))
    return WebhookRequest(body=body, headers=headers, query=dict(request.query_params))


async def receive_webhook(request: Request[Any, Any, Any]) -> Response[Accepted]:
    # Path parameters and state come from the request rather than by injection: on the
    # busiest route Litestar's signature parsing is a cost paid on every delivery.
    state, params = state_of(request.app.state), request.path_params
    conn = await _connection(state, params["provider"], params["connection_id"])
    body = await request.body()
    adapter = get_provider(conn.provider)
    hook = _webhook_request(request, body)
    try:
        adapter.verify(hook, conn.config, conn.webhook_token)
    except ProviderInvalidSignature as exc:
        raise InvalidSignature(str(exc) or "Missing or invalid signature or token.") from exc
    try:
        inbound = adapter.parse(body)
    except UnparseablePayload as exc:
        dead = await record_dead_letter(
            state.ingest_pool, conn, exc.code, str(exc), hook.headers, body
        )
        raise UnprocessablePayload(str(exc), deadLetterId=str(dead)) from exc
    try:
        result = await state.group_commit.ingest(conn, inbound)
    except asyncpg.DataError as exc:
        # A value PostgreSQL refuses as data (SQLSTATE class 22: a NUL in a text): kept
        # as a dead letter like an unparseable payload, never a 500.
        dead = await record_dead_letter(
            state.ingest_pool, conn, "invalid_value", str(exc), hook.headers, body
        )
        detail = "A value of the payload cannot be stored (e.g. it contains NUL)."
        raise UnprocessablePayload(detail, code="invalid_value", deadLetterId=str(dead)) from exc
    if result.jobs:
        state.outbox.submit(result.jobs)
    return Response(Accepted(accepted=result.accepted, duplicates=result.duplicates))


async def webhook_challenge(
    request: Request[Any, Any, Any],
    app_state: Shared,
    provider: FromPath[str],
    connection_id: FromPath[str],
) -> Response[str]:
    # Shares the POST route's path pattern (a static "meta" segment would shadow the
    # POST for Meta connections); only providers with a handshake (Meta) answer it.
    conn = await _connection(app_state, provider, connection_id)
    adapter = get_provider(conn.provider)
    if not isinstance(adapter, ChallengeResponder):
        raise NotFound("No such connection.")
    query = dict(request.query_params)
    try:
        challenge = adapter.verify_challenge(query, conn.config, conn.webhook_token)
    except ProviderInvalidSignature:
        return Response("verification failed", status_code=403, media_type="text/plain")
    return Response(challenge, media_type="text/plain")


def webhook_handlers(max_body_bytes: int) -> list[HTTPRouteHandler]:
    return [
        post(
            "/api/v1/webhooks/{provider:str}/{connection_id:str}",
            exclude_from_auth=True,
            request_max_body_size=max_body_bytes,
            status_code=200,
            tags=["webhooks"],
            summary="Receive a provider webhook",
        )(receive_webhook),
        get(
            "/api/v1/webhooks/{provider:str}/{connection_id:str}",
            exclude_from_auth=True,
            tags=["webhooks"],
            summary="Meta's hub.challenge handshake",
            operation_id="ApiV1WebhooksProviderConnectionIdMetaChallenge",  # kept for clients
        )(webhook_challenge),
    ]
