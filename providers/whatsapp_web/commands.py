"""The Redis protocol between the platform (api, worker) and the WhatsApp-Web runner.

Keys::

    balcao:wweb:commands           stream; each entry has one field "c": a Command as JSON
                                   consumer group "runners", consumer "runner"
    balcao:wweb:reply:<messageId>  list; the runner LPUSHes one SendReply per send command
                                   it finished (the adapter BLPOPs it); expires after 10 min
    balcao:wweb:sent:<messageId>   string; the provider message id of a send already made,
                                   so a repeated or retried command never types it twice

Why a stream with a consumer group: an entry stays pending until the runner XACKs it,
so a command issued while the runner is down waits for it, and one the runner was
working on when it died is read again (``XREADGROUP … 0``) when it comes back. Sends
are acknowledged only after the page showed the bubble (or failed for good).

Events from the runner to the platform do not travel over Redis: the runner stores QR
codes, status changes, inbound messages and acks through ``app.ingest.service.ingest``
exactly like a webhook, and the outbox it writes carries them on (events, jobs).

No import from ``app`` here: the adapter runs in any process that has a Redis client.
"""

from __future__ import annotations

import math
import time
from typing import Any

import msgspec
from redis.asyncio import Redis

from providers.base import OutboundMessage

STREAM = "balcao:wweb:commands"
GROUP = "runners"
CONSUMER = "runner"  # one runner per deployment: the profiles live on its disk
REPLY_TTL_S = 600
SENT_TTL_S = 7 * 24 * 3600


def reply_key(message_id: str) -> str:
    return f"balcao:wweb:reply:{message_id}"


def sent_key(message_id: str) -> str:
    return f"balcao:wweb:sent:{message_id}"


class Start(msgspec.Struct, frozen=True, kw_only=True, tag_field="op", tag="start"):
    """Open (or keep open) the connection's browser context."""

    connection_id: str


class Stop(msgspec.Struct, frozen=True, kw_only=True, tag_field="op", tag="stop"):
    """Close the context and keep the profile: a later start needs no new QR."""

    connection_id: str


class Logout(msgspec.Struct, frozen=True, kw_only=True, tag_field="op", tag="logout"):
    """Unlink the device, close the context and delete the profile (connection deleted)."""

    connection_id: str


class Send(msgspec.Struct, frozen=True, kw_only=True, tag_field="op", tag="send"):
    """One outbound message. ``message.message_id`` is our message row's id: the runner
    finds the connection through it and dedupes on it."""

    message: OutboundMessage
    enqueued_at: float = msgspec.field(default_factory=time.time)


class ListGroups(msgspec.Struct, frozen=True, kw_only=True, tag_field="op", tag="list_groups"):
    """Read the group chats off the connection's page and store them (connection_group):
    the answer goes to the database, not back over Redis."""

    connection_id: str


Command = Start | Stop | Logout | Send | ListGroups


class SendReply(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    ok: bool
    provider_message_id: str | None = None
    error: str | None = None
    transient: bool = True


_encode = msgspec.json.Encoder().encode
_command = msgspec.json.Decoder(Command)
_reply = msgspec.json.Decoder(SendReply)


def encode_command(command: Command) -> bytes:
    return _encode(command)


def decode_command(raw: bytes | str) -> Command:
    """Raises msgspec.ValidationError / DecodeError for anything that is not a Command."""
    command: Command = _command.decode(raw)
    return command


async def push_command(redis: Redis, command: Command) -> str:
    entry_id: Any = await redis.xadd(STREAM, {"c": encode_command(command)})
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)


async def push_reply(redis: Redis, message_id: str, reply: SendReply) -> None:
    key = reply_key(message_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.lpush(key, _encode(reply))
        pipe.expire(key, REPLY_TTL_S)
        await pipe.execute()


async def await_reply(redis: Redis, message_id: str, timeout_s: float) -> SendReply | None:
    """The runner's answer to a send, or None when it did not come within the time."""
    # BLPOP takes whole seconds on old servers; round up so we never wait less.
    keys = [reply_key(message_id)]
    popped: Any = await redis.blpop(keys, timeout=max(1, math.ceil(timeout_s)))  # type: ignore[misc]
    if popped is None:
        return None
    return _reply.decode(popped[1])
