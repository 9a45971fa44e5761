"""Team chat's realtime notices, published straight to the organization's channel after
the commit (app.realtime; like campaign progress, they have no webhook: team chat stays
inside Balcão). A notice names the message and its channel only; each page asks the API
what it may see. A notice lost while Redis is away is made up by the pages' resync."""

from __future__ import annotations

import contextlib
import uuid
from typing import Final

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app import realtime

# Three parts, so no webhook subscription can name them (its pattern has one dot).
MESSAGE_CREATED: Final = "team.message.created"
CHANNEL_READ: Final = "team.channel.read"


async def announce(
    redis: Redis,
    organization_id: uuid.UUID,
    event: str,
    entity_id: uuid.UUID,
    channel_id: uuid.UUID,
) -> None:
    notice = realtime.Notice(event=event, id=str(entity_id), channel_id=str(channel_id))
    with contextlib.suppress(RedisError, OSError):
        await redis.publish(realtime.channel(organization_id), msgspec.json.encode(notice))
