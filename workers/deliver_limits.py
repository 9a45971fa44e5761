"""Pacing of outbound messages, in Redis so every worker shares it: token buckets per
chat and per connection (one Lua script checks and takes both atomically), a per-chat
lock so one chat's messages go out one at a time and in order, and the "typing…"
time a person would need for a text."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable
from typing import Any, cast

from redis.asyncio import Redis

from workers.config import JobConfig

# Both buckets refill continuously; a message needs one token from each. The answer is
# 0 (taken) or the milliseconds until both could give one. Redis' own clock keeps every
# worker on the same time.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait, tokens = 0, {}
for i = 1, #KEYS do
  local rate, burst = tonumber(ARGV[i * 2 - 1]), tonumber(ARGV[i * 2])
  local b = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
  local have = tonumber(b[1]) or burst
  local ts = tonumber(b[2]) or now
  have = math.min(burst, have + math.max(0, now - ts) * rate / 1000)
  tokens[i] = have
  if have < 1 then wait = math.max(wait, math.ceil((1 - have) * 1000 / rate)) end
end
if wait > 0 then return wait end
for i = 1, #KEYS do
  local rate, burst = tonumber(ARGV[i * 2 - 1]), tonumber(ARGV[i * 2])
  redis.call('HSET', KEYS[i], 'tokens', tokens[i] - 1, 'ts', now)
  redis.call('PEXPIRE', KEYS[i], math.ceil(burst * 1000 / rate) + 1000)
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


# deliver.py re-queues a job whose tokens are further away than this.
IN_JOB_WAIT = 2.0


async def take_send_tokens(
    redis: Redis, config: JobConfig, connection_id: str, recipient: str
) -> float:
    """0 once a token of each bucket is taken: when they are at most ``IN_JOB_WAIT``
    seconds away in all, this waits for them and takes them. Otherwise nothing is taken
    and the answer is the seconds to wait before asking again, always above
    ``IN_JOB_WAIT`` (the caller re-queues the job).

    A wait is never a token: the script answers a wait without taking anything, so a
    send that only slept would go out on a token that the next send then takes too
    (measured: one chat at 1/s, burst 3, got its 5th message out 0.13 s after its 4th)."""
    keys = [f"balcao:rl:chat:{connection_id}:{recipient}", f"balcao:rl:conn:{connection_id}"]
    limits = (config.chat_rate, config.chat_burst, config.connection_rate, config.connection_burst)
    args = [str(value) for value in limits]
    # EVALSHA after the first call: the script body is not resent with every message.
    script = redis.register_script(_TAKE)
    deadline = time.monotonic() + IN_JOB_WAIT
    while True:
        wait = int(await cast(Awaitable[Any], script(keys=keys, args=args))) / 1000
        if wait == 0:
            return 0.0
        if time.monotonic() + wait > deadline:
            return max(wait, IN_JOB_WAIT + 0.001)
        await asyncio.sleep(wait)


class ChatLock:
    """``balcao:lock:chat:<session>``: held while one message of the chat is being sent.
    It expires by itself, so a killed worker blocks the chat for ``ttl`` seconds at most."""

    def __init__(self, redis: Redis, session_id: str, ttl: float) -> None:
        self.redis = redis
        self.key = f"balcao:lock:chat:{session_id}"
        self.token = secrets.token_hex(8)
        self.ttl_ms = int(ttl * 1000)

    async def acquire(self) -> bool:
        return bool(await self.redis.set(self.key, self.token, nx=True, px=self.ttl_ms))

    async def release(self) -> None:
        await cast(Awaitable[Any], self.redis.eval(_RELEASE, 1, self.key, self.token))


def typing_ms(config: JobConfig, text: str | None) -> int:
    if not text or config.typing_ms_per_char <= 0:
        return 0
    wanted = int(len(text) * config.typing_ms_per_char)
    return max(config.typing_min_ms, min(config.typing_max_ms, wanted))
