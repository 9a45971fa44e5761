"""``process_media(ctx, message_id)``: a customer's file becomes a stored copy and text.

Two steps, each recorded on the message as soon as it is done, so a re-run (a retry,
a duplicate enqueue, a second worker) only does what is missing:

1. store — bytes from ``inbound_media`` (inline base64 that came in the webhook) or the
   provider's URL → sniffed → media storage; sets ``media_key`` and ``content.media``
   (url, type, mimeType, extension), deletes the inline row; or sets ``media_error``.
2. understand — transcription / image description / document text into
   ``transcription``, or a stable code into ``transcription_error``.

Transient failures (a download timing out, the model answering 500) raise arq's Retry
with back-off until ``media_max_tries``; then the reason is stored. Either way the
session's merge is signalled (see workers.merge_state.media_signal_key), so a turn
waiting for this message stops waiting.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any, cast

import msgspec
import sqlalchemy as sa
from arq import Retry

from app.ai.llm import LlmEndpoint, load_endpoint
from app.db import models as m
from app.events import MESSAGE_UPDATED, event_row
from app.media import (
    Fetched,
    FetchError,
    MediaError,
    Understanding,
    extension_for,
    fetch_media,
    resolve_mimetype,
    understand,
)
from app.media.sniff import base_type
from app.media.understand import route_for
from app.outbox import flush_outbox, write_outbox
from providers import get_provider
from providers.base import FetchBytes, MediaKind, MediaLookupFailed, MediaRef
from workers.context import WorkerContext, context, redis_of
from workers.merge_state import acquire_lock, release_lock, signal_media_settled

log = logging.getLogger("balcao.media")
MESSAGE = cast(sa.Table, m.Message.__table__)
LOCK_SECONDS = 900  # the job's timeout: a dead worker's lock frees itself by then
NEEDS_MODEL = frozenset({"audio", "image", "video"})
API_TYPES: dict[str, str] = {"voice": "audio", "sticker": "image"}


class MediaSource(msgspec.Struct, rename="camel", kw_only=True):
    """``message.media_source`` as ingest writes it."""

    kind: MediaKind = "document"
    url: str | None = None
    media_id: str | None = None
    mimetype: str | None = None
    filename: str | None = None
    inline: bool = False


class _Row(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    organization_id: uuid.UUID
    session_id: uuid.UUID
    content: dict[str, Any]
    source: MediaSource
    media_key: str | None
    media_error: str | None
    transcription: str | None
    transcription_error: str | None
    provider: str
    connection_config: dict[str, Any]


async def process_media(ctx: dict[str, Any], message_id: str) -> str:
    deps, redis = context(ctx), redis_of(ctx)
    lock = f"balcao:media:lock:{message_id}"
    token = await acquire_lock(redis, lock, LOCK_SECONDS)
    if token is None:
        return "busy"  # another worker has this message; it signals the merge itself
    try:
        row = await _load(deps, uuid.UUID(message_id))
        if row is None:
            return "missing"
        if row.transcription is not None or row.transcription_error is not None:
            return "done"
        outcome = await _run(ctx, deps, row)
    finally:
        await release_lock(redis, lock, token)
    await signal_media_settled(redis, row.session_id, row.id, deps.config.merge_media_wait)
    return outcome


async def _run(ctx: dict[str, Any], deps: WorkerContext, row: _Row) -> str:
    if row.media_error is not None:
        await _record_understanding(ctx, deps, row, Understanding(text=None, error=row.media_error))
        return row.media_error
    try:
        fetched = await _stored_or_fetched(ctx, deps, row)
    except MediaError as exc:
        _retry_if_useful(ctx, deps, exc.transient, exc.code)
        await _record_media_error(ctx, deps, row, exc)
        return exc.code
    understanding = await _understand(deps, row, fetched)
    if understanding.error is not None:
        _retry_if_useful(ctx, deps, understanding.retryable, understanding.error)
    await _record_understanding(ctx, deps, row, understanding)
    return understanding.error or "ok"


def _retry_if_useful(ctx: dict[str, Any], deps: WorkerContext, transient: bool, code: str) -> None:
    job_try = int(ctx.get("job_try") or 1)
    if transient and job_try < deps.config.media_max_tries:
        delay = deps.config.media_retry_delay * 2 ** (job_try - 1)
        log.info("media retry", extra={"code": code, "job_try": job_try, "defer": delay})
        raise Retry(defer=delay)


async def _load(deps: WorkerContext, message_id: uuid.UUID) -> _Row | None:
    stmt = (
        sa.select(
            m.Message.id,
            m.Message.organization_id,
            m.Message.session_id,
            m.Message.content,
            m.Message.media_source,
            m.Message.media_key,
            m.Message.media_error,
            m.Message.transcription,
            m.Message.transcription_error,
            m.Connection.provider,
            m.Connection.config,
        )
        .join(m.Connection, m.Connection.id == m.Message.connection_id)
        .where(m.Message.id == message_id)
    )
    async with deps.engine.connect() as conn:
        found = (await conn.execute(stmt)).one_or_none()
    if found is None or found.media_source is None:
        return None
    return _Row(
        id=found.id,
        organization_id=found.organization_id,
        session_id=found.session_id,
        content=found.content or {},
        source=msgspec.convert(found.media_source, MediaSource),
        media_key=found.media_key,
        media_error=found.media_error,
        transcription=found.transcription,
        transcription_error=found.transcription_error,
        provider=found.provider,
        connection_config=found.config or {},
    )


async def _stored_or_fetched(ctx: dict[str, Any], deps: WorkerContext, row: _Row) -> Fetched:
    if row.media_key is not None:
        # Stored by an earlier run that died before understanding it.
        data = await deps.storage.read(row.media_key)
        mimetype = (row.content.get("media") or {}).get("mimeType") or resolve_mimetype(data, None)
        return Fetched(data=data, mimetype=mimetype, filename=row.source.filename, size=len(data))
    fetched = await _fetch(deps, row)
    key = await deps.storage.put(str(row.organization_id), fetched.data, mimetype=fetched.mimetype)
    if not await _record_stored(ctx, deps, row, fetched, key):
        await deps.storage.delete(key)  # another run stored it first; keep theirs
    return fetched


async def _fetch(deps: WorkerContext, row: _Row) -> Fetched:
    config, source = deps.config, row.source
    if source.inline:
        async with deps.engine.connect() as conn:
            data = await conn.scalar(
                sa.select(m.InboundMedia.data).where(m.InboundMedia.message_id == row.id)
            )
        if data is None:
            raise FetchError("no_source", "the inline media row is gone")
        if not data:
            raise FetchError("empty", "the media has no bytes")
        if len(data) > config.media_max_bytes:
            raise FetchError("too_large", f"inline media is over {config.media_max_bytes} bytes")
        mimetype = resolve_mimetype(data, source.mimetype)
        return Fetched(data=data, mimetype=mimetype, filename=source.filename, size=len(data))
    # The provider knows its media auth and how a reference becomes a URL (Meta: a
    # media id, looked up through the Graph API with the guarded fetch below).
    provider = get_provider(row.provider)
    headers = provider.media_headers(row.connection_config)
    ref = MediaRef(
        kind=source.kind,
        url=source.url,
        media_id=source.media_id,
        mimetype=source.mimetype,
        filename=source.filename,
    )
    try:
        url = await provider.resolve_media(ref, row.connection_config, fetch=_guarded_fetch(deps))
    except MediaLookupFailed as exc:
        raise FetchError("http_error", str(exc), transient=False) from None
    return await fetch_media(
        msgspec.structs.replace(ref, url=url),
        client=deps.http,
        headers=headers,
        max_bytes=config.media_max_bytes,
        timeout=config.media_download_timeout,
        allow_private=config.media_allow_private,
    )


def _guarded_fetch(deps: WorkerContext) -> FetchBytes:
    """What a provider may read while resolving media: fetch_media's SSRF guard,
    redirect checks and deadline, under the provider's own byte cap."""

    async def fetch(url: str, *, headers: Mapping[str, str], max_bytes: int) -> bytes:
        answer = await fetch_media(
            MediaRef(kind="document", url=url),
            client=deps.http,
            headers=headers,
            max_bytes=max_bytes,
            timeout=deps.config.media_download_timeout,
            allow_private=deps.config.media_allow_private,
        )
        return answer.data

    return fetch


async def _understand(deps: WorkerContext, row: _Row, fetched: Fetched) -> Understanding:
    async with deps.autocommit.connect() as conn:
        endpoint = await load_endpoint(conn, row.organization_id, deps.settings)
    route = route_for(fetched.mimetype, row.source.kind)
    if route in NEEDS_MODEL and (endpoint.base_url is None or _model_for(endpoint, route) is None):
        return Understanding(text=None, error="ai_not_configured", route=route)
    return await understand(
        fetched,
        row.source.kind,
        # Documents never touch the model, so they need no endpoint.
        llm=deps.llm.get(endpoint) if endpoint.base_url else None,
        transcription_model=endpoint.transcription_model or "",
        vision_model=endpoint.vision_model or "",
        language=deps.config.media_language,
        retry=deps.config.media_retry,
    )


def _model_for(endpoint: LlmEndpoint, route: str) -> str | None:
    if route == "audio":
        return endpoint.transcription_model
    if route == "image":
        return endpoint.vision_model
    # Video is transcribed and described; either half is worth having.
    return endpoint.transcription_model or endpoint.vision_model


async def _record_stored(
    ctx: dict[str, Any], deps: WorkerContext, row: _Row, fetched: Fetched, key: str
) -> bool:
    media = {
        **(row.content.get("media") or {}),
        "url": deps.storage.url(key),
        "name": row.source.filename or fetched.filename,
        "type": API_TYPES.get(row.source.kind, row.source.kind),
        "mimeType": base_type(fetched.mimetype),
        "extension": extension_for(fetched.mimetype),
    }
    async with deps.engine.begin() as conn:
        updated = await conn.execute(
            sa.update(MESSAGE)
            .where(MESSAGE.c.id == row.id, MESSAGE.c.media_key.is_(None))
            .values(media_key=key, media_error=None, content={**row.content, "media": media})
        )
        if updated.rowcount == 0:
            return False
        await conn.execute(sa.delete(m.InboundMedia).where(m.InboundMedia.message_id == row.id))
        jobs = await write_outbox(conn, [event_row(row.organization_id, MESSAGE_UPDATED, row.id)])
    row.content = {**row.content, "media": media}
    await flush_outbox(deps.engine, redis_of(ctx), jobs)
    return True


async def _record_media_error(
    ctx: dict[str, Any], deps: WorkerContext, row: _Row, error: MediaError
) -> None:
    log.warning("media not stored", extra={"message_id": str(row.id), "code": error.code})
    async with deps.engine.begin() as conn:
        await conn.execute(
            sa.update(MESSAGE)
            .where(MESSAGE.c.id == row.id, MESSAGE.c.media_key.is_(None))
            .values(media_error=error.code)
        )
        # The bytes are useless (corrupt, too large) or unreachable: the inline row
        # would only hold megabytes in the database forever.
        await conn.execute(sa.delete(m.InboundMedia).where(m.InboundMedia.message_id == row.id))
    await _record_understanding(ctx, deps, row, Understanding(text=None, error=error.code))


async def _record_understanding(
    ctx: dict[str, Any], deps: WorkerContext, row: _Row, result: Understanding
) -> None:
    values: dict[str, Any] = {"transcription": result.text, "transcription_error": result.error}
    media = row.content.get("media")
    if result.duration is not None and isinstance(media, dict):
        values["content"] = {**row.content, "media": {**media, "duration": round(result.duration)}}
    if result.error is not None:
        log.warning(
            "media not understood",
            extra={"message_id": str(row.id), "code": result.error, "detail": result.detail},
        )
    async with deps.engine.begin() as conn:
        updated = await conn.execute(
            sa.update(MESSAGE)
            .where(
                MESSAGE.c.id == row.id,
                MESSAGE.c.transcription.is_(None),
                MESSAGE.c.transcription_error.is_(None),
            )
            .values(**values)
        )
        jobs = []
        if updated.rowcount:
            jobs = await write_outbox(
                conn, [event_row(row.organization_id, MESSAGE_UPDATED, row.id)]
            )
    await flush_outbox(deps.engine, redis_of(ctx), jobs)
