"""The half of an adapter that most providers write the same way: ``send`` and
``send_presence`` hand the call to the folder's ``sender`` module, and media needs no
look-up (``resolve_media`` is the reference's own URL). An adapter that differs (Meta's
presence against a received message, its media ids) overrides the method."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

import httpx

from .base import FetchBytes, MediaRef, OutboundMessage, SendResult


class SendApi(Protocol):
    """What a ``sender`` module offers (a module satisfies this structurally)."""

    async def send(
        self,
        message: OutboundMessage,
        config: Mapping[str, Any],
        *,
        client: httpx.AsyncClient | None = ...,
    ) -> SendResult: ...

    async def send_presence(
        self,
        to: str,
        config: Mapping[str, Any],
        *,
        typing: bool,
        client: httpx.AsyncClient | None = ...,
        duration_ms: int = ...,
    ) -> None: ...


class DirectMedia:
    """``resolve_media`` for providers whose webhooks carry a downloadable URL."""

    async def resolve_media(
        self, ref: MediaRef, config: Mapping[str, Any], *, fetch: FetchBytes
    ) -> str | None:
        return ref.url


class ForwardsToSender(DirectMedia):
    sender: ClassVar[SendApi]

    async def send(
        self, message: OutboundMessage, config: Mapping[str, Any], *, client: httpx.AsyncClient
    ) -> SendResult:
        return await self.sender.send(message, config, client=client)

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
        await self.sender.send_presence(
            to, config, typing=typing, duration_ms=duration_ms, client=client
        )
