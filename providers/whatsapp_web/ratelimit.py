"""In-process token buckets for sends: one global, one per chat.

WhatsApp bans numbers that send like machines (bursts, many chats a minute), so both
limits are deliberately low by default. The runner will move these to Redis so several
processes share them; the interface stays ``await limiter.acquire(chat)``.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict

import msgspec


class RateLimits(msgspec.Struct, frozen=True, kw_only=True):
    global_per_minute: float = 20.0
    global_burst: int = 5
    chat_per_minute: float = 6.0
    chat_burst: int = 2
    max_tracked_chats: int = 10_000


class TokenBucket:
    def __init__(self, per_minute: float, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def wait_time(self) -> float:
        """Seconds until one token is available (0 = now); refills as a side effect."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


class SendLimiter:
    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self.global_bucket = TokenBucket(limits.global_per_minute, limits.global_burst)
        self._chats: OrderedDict[str, TokenBucket] = OrderedDict()

    def _chat_bucket(self, chat: str) -> TokenBucket:
        bucket = self._chats.pop(chat, None) or TokenBucket(
            self.limits.chat_per_minute, self.limits.chat_burst
        )
        self._chats[chat] = bucket
        while len(self._chats) > self.limits.max_tracked_chats:
            self._chats.popitem(last=False)
        return bucket

    async def acquire(self, chat: str) -> None:
        chat_bucket = self._chat_bucket(chat)
        while True:
            wait = max(self.global_bucket.wait_time(), chat_bucket.wait_time())
            if wait <= 0:
                break
            await asyncio.sleep(wait)
        self.global_bucket.take()
        chat_bucket.take()
