"""Rows as ingest writes them (message + media source + inline bytes), and the jobs its
outbox would enqueue after commit, so worker tests need no webhook."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import models as m
from app.db.enums import (
    Author,
    Direction,
    MessageStatus,
    MessageType,
    ProviderKind,
    SessionStatus,
    StartedBy,
)


@dataclass(frozen=True)
class World:
    organization_id: uuid.UUID
    connection_id: uuid.UUID
    contact_id: uuid.UUID
    session_id: uuid.UUID


async def make_world(
    engine: AsyncEngine,
    *,
    organization_id: uuid.UUID | None = None,
    provider: ProviderKind = ProviderKind.NATIVE,
    config: dict[str, Any] | None = None,
    llm_base_url: str | None = None,
    transcription_model: str | None = "standin-transcribe",
    vision_model: str | None = "standin-vision",
) -> World:
    """An organization with one connection, contact and open session; with
    ``llm_base_url`` the organization's ai_settings point at it."""
    async with engine.begin() as conn:
        org = organization_id or await conn.scalar(
            sa.insert(m.Organization).values(name="Padaria Centro").returning(m.Organization.id)
        )
        connection = await conn.scalar(
            sa.insert(m.Connection)
            .values(
                organization_id=org,
                name="Loja",
                provider=provider,
                config=config or {},
                webhook_token=secrets.token_hex(16),
            )
            .returning(m.Connection.id)
        )
        contact = await conn.scalar(
            sa.insert(m.Contact)
            .values(organization_id=org, phone_number="5511987654321", name="Maria")
            .returning(m.Contact.id)
        )
        session = await conn.scalar(
            sa.insert(m.Session)
            .values(
                organization_id=org,
                contact_id=contact,
                connection_id=connection,
                status=SessionStatus.ACTIVE,
                started_by=StartedBy.CUSTOMER,
            )
            .returning(m.Session.id)
        )
        if llm_base_url:
            await conn.execute(
                sa.insert(m.AiSettings).values(
                    organization_id=org,
                    provider="CUSTOM",
                    base_url=llm_base_url,
                    api_key="sk-org-secret",
                    chat_model="standin-chat",
                    vision_model=vision_model,
                    transcription_model=transcription_model,
                )
            )
    assert org and connection and contact and session
    return World(org, connection, contact, session)


@dataclass(frozen=True)
class Media:
    kind: str  # image | audio | voice | video | document | sticker
    data: bytes | None = None  # inline (base64 in the webhook) when given
    url: str | None = None
    media_id: str | None = None
    mimetype: str | None = None
    filename: str | None = None


async def add_message(
    engine: AsyncEngine,
    arq: ArqRedis | None,
    world: World,
    *,
    text: str | None = None,
    media: Media | None = None,
    author: Author = Author.CUSTOMER,
) -> uuid.UUID:
    """Store a message like ingest does and, with ``arq``, enqueue what its outbox
    rows would: process_media for media, merge_burst for a customer message."""
    content: dict[str, Any] = {} if text is None else {"text": text}
    source = None
    if media is not None:
        content["media"] = {
            "url": None,
            "name": media.filename,
            "type": {"voice": "audio", "sticker": "image"}.get(media.kind, media.kind),
            "mimeType": media.mimetype,
            "extension": None,
        }
        source = {
            "url": media.url,
            "mediaId": media.media_id,
            "mimetype": media.mimetype,
            "filename": media.filename,
            "kind": media.kind,
            "inline": media.data is not None,
        }
    direction = Direction.IN if author == Author.CUSTOMER else Direction.OUT
    async with engine.begin() as conn:
        message_id = await conn.scalar(
            sa.insert(m.Message)
            .values(
                organization_id=world.organization_id,
                session_id=world.session_id,
                contact_id=world.contact_id,
                connection_id=world.connection_id,
                direction=direction,
                author=author,
                type=MessageType.MEDIA if media else MessageType.TEXT,
                content=content,
                status=MessageStatus.DELIVERED,
                provider_message_id=secrets.token_hex(8),
                media_source=source,
            )
            .returning(m.Message.id)
        )
        assert message_id is not None
        if media is not None and media.data is not None:
            await conn.execute(
                sa.insert(m.InboundMedia).values(message_id=message_id, data=media.data)
            )
    if arq is not None:
        if media is not None:
            await arq.enqueue_job("process_media", str(message_id))
        if author == Author.CUSTOMER:
            await arq.enqueue_job("merge_burst", str(world.session_id), str(message_id))
    return message_id
