"""Turning observed rows and ticks into callbacks, exactly once each.

A row can be seen many times: after every reload, deep link, relaunch or chat switch the
open chat re-renders. Ids go into a bounded seen-set kept in the profile (the caller's
database dedups too). An outgoing row that appears while we are sending into that chat,
and was not on screen before the key press, is our own send: it resolves the sender's
claim instead of being reported as a message typed on the phone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from providers.base import InboundMessage, InboundStatus
from providers.whatsapp_web.events import (
    RowSeen,
    TickSeen,
    chat_key,
    to_inbound_message,
    to_inbound_status,
)
from providers.whatsapp_web.seen import SeenIds

_MAX_ACKS = 10_000


class _Claim:
    def __init__(self, chat: str, known: set[str]) -> None:
        self.chat = chat
        self.known = known
        self.future: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def matches(self, row: RowSeen) -> bool:
        return (
            row.from_me
            and not self.future.done()
            and chat_key(row) == self.chat
            and row.id not in self.known
        )


class InboundRouter:
    def __init__(
        self,
        instance: str,
        profile_dir: Path,
        on_message: Callable[[InboundMessage], Awaitable[None]],
        on_ack: Callable[[InboundStatus], Awaitable[None]],
    ) -> None:
        self.instance = instance
        self.on_message = on_message
        self.on_ack = on_ack
        self._seen = SeenIds(profile_dir)
        self._acks: dict[tuple[str, str], None] = {}
        self._claim: _Claim | None = None

    def expect_own(self, chat: str, known: set[str]) -> asyncio.Future[str]:
        """Claim the next new outgoing bubble in ``chat``; retries extend the claim."""
        claim = self._claim
        if claim is None or claim.chat != chat or claim.future.done():
            claim = self._claim = _Claim(chat, set(known))
        else:
            claim.known |= known
        return claim.future

    def release_claim(self) -> None:
        self._claim = None

    async def row(self, row: RowSeen) -> None:
        if row.id in self._seen:
            return
        self._seen.add(row.id)
        claim = self._claim
        if claim is not None and claim.matches(row):
            claim.future.set_result(row.id)
            return
        await self.on_message(to_inbound_message(row, self.instance))

    async def tick(self, tick: TickSeen) -> None:
        status = to_inbound_status(tick, self.instance)
        if status is None or (tick.id, status.status) in self._acks:
            return
        self._acks[(tick.id, status.status)] = None
        if len(self._acks) > _MAX_ACKS:
            self._acks.pop(next(iter(self._acks)))
        await self.on_ack(status)
