"""The Provider for WHATSAPP_WEB connections. There are no webhooks: the runner stores
what the page shows through ingest itself. ``send`` hands the message to the runner
over Redis and waits for the bubble's id (see ``commands`` for the protocol)."""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import Mapping
from typing import Any

import httpx
from redis.asyncio import Redis
from redis.exceptions import RedisError

from providers._forwarding import DirectMedia
from providers.base import (
    Capabilities,
    ConfigKey,
    InvalidSignature,
    OutboundMessage,
    ProviderKind,
    SendError,
    SendResult,
    UnparseablePayload,
    WebhookRequest,
)
from providers.whatsapp_web.commands import (
    ListGroups,
    Logout,
    Send,
    Start,
    await_reply,
    push_command,
)

KIND = ProviderKind.WHATSAPP_WEB
# Typing 30 to 120 ms a character, link previews, rate limits and the sends queued before
# this one: a long message can take a couple of minutes and still be fine.
REPLY_TIMEOUT_S = 180.0


class WhatsAppWebProvider(DirectMedia):
    kind = KIND
    capabilities = Capabilities(
        # The runner opens a chat by number (deep link) or a group by its name (its row
        # or the search box); group ids are "group:<name>" (events.group_id).
        groups=True,
        paces_itself=True,  # the runner types 30-120 ms a character and pauses before sending
        media=frozenset({"image", "audio", "voice", "video", "document", "sticker"}),  # attached
        pairing="qr",  # the runner stores each QR the page shows
    )
    # The page the runner opens; unset means BALCAO_WHATSAPP_WEB_URL (the demo points it
    # at the look-alike).
    config_keys = (ConfigKey(name="webUrl", url=True),)

    def __init__(self, redis_url: str | None = None, reply_timeout_s: float = REPLY_TIMEOUT_S):
        self.redis_url = redis_url
        self.reply_timeout_s = reply_timeout_s
        # A redis.asyncio client belongs to the event loop it first ran on.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Redis] = (
            weakref.WeakKeyDictionary()
        )

    def verify(self, request: WebhookRequest, config: Mapping[str, Any], token: str) -> None:
        raise InvalidSignature("WhatsApp-Web connections receive no webhooks")

    def parse(self, body: bytes) -> list[Any]:
        raise UnparseablePayload("WhatsApp-Web connections receive no webhooks")

    def use_redis(self, redis: Redis) -> None:
        """Send through this client (on the running loop) instead of one from REDIS_URL."""
        self._clients[asyncio.get_running_loop()] = redis

    def _redis(self) -> Redis:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            url = self.redis_url or os.environ.get("REDIS_URL")
            if not url:
                raise SendError("REDIS_URL is not set: cannot reach the runner", transient=True)
            client = self._clients[loop] = Redis.from_url(url, socket_connect_timeout=2)
        return client

    async def send(
        self, message: OutboundMessage, config: Mapping[str, Any], *, client: httpx.AsyncClient
    ) -> SendResult:
        """Queue the message for the runner and wait for its answer (over Redis: the
        HTTP ``client`` is not used). A timeout is transient: the command stays queued,
        and a retry with the same message id waits for the same send instead of typing
        it again."""
        redis = self._redis()
        try:
            await push_command(redis, Send(message=message))
            reply = await await_reply(redis, message.message_id, self.reply_timeout_s)
        except (RedisError, OSError) as exc:
            raise SendError(f"Redis unavailable: {exc}", transient=True) from exc
        if reply is None:
            raise SendError("the WhatsApp-Web runner did not answer in time", transient=True)
        if not reply.ok:
            raise SendError(reply.error or "send failed", transient=reply.transient)
        return SendResult(provider_message_id=reply.provider_message_id)

    async def send_presence(
        self,
        to: str,
        config: Mapping[str, Any],
        *,
        typing: bool,
        duration_ms: int,
        reply_to: str | None,
        client: httpx.AsyncClient,
    ) -> None:
        """Nothing: the page shows "typing…" while the runner types the message itself."""

    def media_headers(self, config: Mapping[str, Any]) -> dict[str, str]:
        return {}

    # The connections API calls these after its commit (see app.connections.services).

    async def connection_created(self, redis: Redis, connection_id: str) -> None:
        await push_command(redis, Start(connection_id=connection_id))

    async def request_groups(self, redis: Redis, connection_id: str) -> None:
        """The runner reads the page's group chats and stores them (GroupReporter)."""
        await push_command(redis, ListGroups(connection_id=connection_id))

    async def connection_deleted(self, redis: Redis, connection_id: str) -> None:
        """The runner logs out of WhatsApp and deletes the browser profile."""
        await push_command(redis, Logout(connection_id=connection_id))
