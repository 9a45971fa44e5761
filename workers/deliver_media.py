"""Provider media ids for delivery: a stored file is uploaded to a connection's provider
once and every send of it goes by the id (Meta's ``POST /{phone-number-id}/media``; the
provider says so with ``MediaUploader`` and ``Capabilities.media_reuse_days``).
Without this, a campaign's image to 10,000 numbers is 10,000 uploads of the same bytes.

The ids are kept in PostgreSQL (``provider_media``, one row per connection and media
key: a key names one file forever, and an id belongs to the number that uploaded it),
so emptying Redis costs nothing. A send looks its id up in one statement; the first send
of a file (or the first after the reuse window) uploads and stores it; sends in the
same process that miss meanwhile wait for that upload. Two worker processes that miss
at the same moment both upload once and the first stored id wins for every later
send — never one upload per send. When the provider refuses a cached id
(``MediaIdRejected``: expired early, deleted, the connection now points at another
number) its row goes, and the send fails as transient so delivery's retry uploads anew
— unless the id is minutes old, when the file itself is what is refused.

``with_media_id`` runs right after delivery builds the outbound message and
``send_outbound`` in place of ``provider.send`` (workers/deliver.py ``_send``).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping
from typing import Any

import msgspec
import sqlalchemy as sa

from providers import UnknownProvider, get_provider
from providers.base import (
    MediaIdRejected,
    MediaUploader,
    OutboundMessage,
    Provider,
    SendError,
    SendResult,
    media_uploader_of,
)
from workers.context import WorkerContext
from workers.deliver_store import DeliveryRow

log = logging.getLogger("balcao.deliver")
# The uploads under way in this process, by (connection, media key).
_uploads: dict[tuple[uuid.UUID, str], asyncio.Future[str]] = {}

_LOOKUP = sa.text(
    """
    SELECT provider_media_id FROM provider_media
    WHERE connection_id = :conn AND media_key = :key
      AND uploaded_at > now() - make_interval(days => :days)
    """
)
# A row past its window is replaced; a fresh one (another worker's upload that won the
# race) is kept and answered instead of ours, so every later send uses one id. Under
# READ COMMITTED the second SELECT may miss a row committed while this statement waited
# on it: then nothing comes back and the caller uses its own upload, valid all the same.
_STORE = sa.text(
    """
    WITH stored AS (
      INSERT INTO provider_media AS p (connection_id, media_key, provider_media_id)
      VALUES (:conn, :key, :id)
      ON CONFLICT (connection_id, media_key) DO UPDATE
        SET provider_media_id = EXCLUDED.provider_media_id, uploaded_at = now()
        WHERE p.uploaded_at <= now() - make_interval(days => :days)
      RETURNING provider_media_id
    )
    SELECT provider_media_id FROM stored
    UNION ALL
    SELECT provider_media_id FROM provider_media
    WHERE connection_id = :conn AND media_key = :key
      AND uploaded_at > now() - make_interval(days => :days)
      AND NOT EXISTS (SELECT 1 FROM stored)
    """
)
# An id refused minutes after its upload: the file is what the provider refuses (Meta's
# 131053 for an image it cannot process), not the id's age. Uploading again would only
# repeat that for every recipient, so the row stays, the send fails as the provider
# said, and the next sends of the file fail the same way without uploading.
FRESH_SECONDS = 600.0
# Forgets an id that is not fresh; says whether the id is a fresh one.
_FORGET = sa.text(
    """
    WITH gone AS (
      DELETE FROM provider_media
      WHERE connection_id = :conn AND provider_media_id = :id
        AND uploaded_at < now() - make_interval(secs => :fresh)
    )
    SELECT EXISTS (
      SELECT 1 FROM provider_media
      WHERE connection_id = :conn AND provider_media_id = :id
        AND uploaded_at >= now() - make_interval(secs => :fresh)
    )
    """
)


async def with_media_id(
    deps: WorkerContext,
    row: DeliveryRow,
    kind: str,
    connection_id: uuid.UUID,
    config: Mapping[str, Any],
    outbound: OutboundMessage,
) -> OutboundMessage:
    """``outbound`` with the provider's id for the message's stored file
    (``media.media_id``) when the provider of ``kind`` uploads ahead; otherwise
    ``outbound`` unchanged. ``connection_id``, ``kind`` and ``config`` are the
    connection the send goes through (the failover's when delivery fails over).
    Raises the upload's SendError."""
    media, media_key = outbound.media, row.media_key
    if (
        media is None
        or media_key is None
        or outbound.media_path is None
        or media.url is not None
        or media.media_id is not None
    ):
        return outbound
    try:
        provider = get_provider(kind)
    except UnknownProvider:
        return outbound  # delivery reports the missing provider itself
    uploader = media_uploader_of(provider)
    if uploader is None:
        return outbound
    params = {
        "conn": connection_id,
        "key": media_key,
        "days": provider.capabilities.media_reuse_days,
    }
    async with deps.autocommit.connect() as conn:
        media_id = await conn.scalar(_LOOKUP, params)
    if media_id is None:
        media_id = await _upload_once(deps, uploader, outbound, config, params)
    return msgspec.structs.replace(
        outbound, media=msgspec.structs.replace(media, media_id=str(media_id))
    )


async def _upload_once(
    deps: WorkerContext,
    uploader: MediaUploader,
    outbound: OutboundMessage,
    config: Mapping[str, Any],
    params: dict[str, Any],
) -> str:
    """One upload per file and connection in this process, however many sends miss at
    once (the dispatcher delivers a campaign's first wave concurrently): they all await
    the first one's. A sender cancelled mid-wait leaves it running for the others."""
    key = (params["conn"], params["key"])
    running = _uploads.get(key)
    if running is None or running.done() or running.get_loop() is not asyncio.get_running_loop():
        running = asyncio.ensure_future(_upload(deps, uploader, outbound, config, params))
        _uploads[key] = running
        running.add_done_callback(lambda task: _settled(key, task))
    return await asyncio.shield(running)


async def _upload(
    deps: WorkerContext,
    uploader: MediaUploader,
    outbound: OutboundMessage,
    config: Mapping[str, Any],
    params: dict[str, Any],
) -> str:
    uploaded = await uploader.upload_media(outbound, config, client=deps.http)
    async with deps.autocommit.connect() as conn:
        stored = await conn.scalar(_STORE, {**params, "id": uploaded})
    log.info("media uploaded", extra={"connection_id": str(params["conn"]), "key": params["key"]})
    return str(stored or uploaded)


def _settled(key: tuple[uuid.UUID, str], task: asyncio.Future[str]) -> None:
    if _uploads.get(key) is task:
        del _uploads[key]
    if not task.cancelled():
        task.exception()  # retrieved: every sender awaiting it got it already


async def send_outbound(
    deps: WorkerContext,
    provider: Provider,
    connection_id: uuid.UUID,
    outbound: OutboundMessage,
    config: Mapping[str, Any],
) -> SendResult:
    """``provider.send``; a refused id of ours is forgotten and the send fails as
    transient, so its retry uploads the file again (unless the id is fresh:
    ``FRESH_SECONDS``)."""
    try:
        return await provider.send(outbound, config, client=deps.http)
    except MediaIdRejected as exc:
        media = outbound.media
        if media is None or media.media_id is None or outbound.media_path is None:
            raise
        params = {"conn": connection_id, "id": media.media_id, "fresh": FRESH_SECONDS}
        async with deps.autocommit.connect() as conn:
            fresh = await conn.scalar(_FORGET, params)
        log.info("media id refused", extra={"connection_id": str(connection_id), "fresh": fresh})
        if fresh:
            raise
        raise SendError(
            f"{exc.detail} (the file is uploaded again on retry)", transient=True, status=exc.status
        ) from exc
