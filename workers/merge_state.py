"""The open burst of each session, kept in Redis and changed only by Lua scripts, so
any number of workers can add messages and try to fire at once and the outcome is
still one burst → one close.

Keys (``{sid}`` is a Redis Cluster hash tag: a session's keys share a slot, which
RENAME and multi-key scripts need):

- ``balcao:merge:{sid}`` — hash of the open burst: ``burst`` (id of its first message,
  the burst key), ``first``/``last`` (arrival of the first/last message, epoch ms),
  ``deadline`` (epoch ms), and one ``m:<message id>`` field per member.
- ``balcao:merge:{sid}:seen:<mid>`` — a message joined a burst once; a repeated
  ``merge_burst`` for it changes nothing.
- ``balcao:merge:{sid}:closed:<burst>`` — the burst after it closed (the same hash,
  renamed) plus ``closed_at``, ``owner`` (the arq job firing it) and ``owner_until``
  (the owner's lease: a job retried after a crash takes over once it runs out).
- ``balcao:merge:{sid}:media`` — list the media job pushes to when a message's media
  is settled; a closed burst waiting for its media blocks on it (BLPOP).
- ``balcao:media:lock:<mid>`` — one worker at a time processes a message's media.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from redis.asyncio import Redis

STATE_TTL_MS = 24 * 3600 * 1000  # forgotten bursts (every job lost) vanish after a day

_JOIN = """
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[5]) == false then
  local cur = redis.call('HMGET', KEYS[1], 'burst', 'deadline')
  return {0, cur[1] or '', cur[2] or '', cur[2] or ''}
end
local arrival = tonumber(ARGV[2])
local cur = redis.call('HMGET', KEYS[1], 'burst', 'first', 'last', 'deadline')
local burst, first, last, previous = cur[1], arrival, arrival, cur[4] or ''
if burst then
  first = math.min(tonumber(cur[2]), arrival)
  last = math.max(tonumber(cur[3]), arrival)
else
  burst = ARGV[1]
end
local deadline = math.min(last + tonumber(ARGV[3]), first + tonumber(ARGV[4]))
redis.call('HSET', KEYS[1], 'burst', burst, 'first', tostring(first), 'last', tostring(last),
  'deadline', tostring(deadline), 'm:' .. ARGV[1], tostring(arrival))
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {1, burst, tostring(deadline), previous}
"""

_CLOSE = """
local now, owner, lease = tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
if redis.call('EXISTS', KEYS[2]) == 1 then
  local cur = redis.call('HMGET', KEYS[2], 'owner', 'owner_until', 'done')
  if cur[3] then return {'done'} end
  if cur[1] ~= owner and tonumber(cur[2]) > now then return {'taken'} end
  redis.call('HSET', KEYS[2], 'owner', owner, 'owner_until', tostring(now + lease))
  return {'closed', redis.call('HGETALL', KEYS[2])}
end
local cur = redis.call('HMGET', KEYS[1], 'burst', 'deadline')
if cur[1] ~= ARGV[1] then return {'stale'} end
if tonumber(cur[2]) > now then return {'early', cur[2]} end
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[2], 'closed_at', tostring(now), 'owner', owner,
  'owner_until', tostring(now + lease))
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return {'closed', redis.call('HGETALL', KEYS[2])}
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def state_key(session_id: uuid.UUID | str) -> str:
    return f"balcao:merge:{{{session_id}}}"


def seen_key(session_id: uuid.UUID | str, message_id: uuid.UUID | str) -> str:
    return f"{state_key(session_id)}:seen:{message_id}"


def closed_key(session_id: uuid.UUID | str, burst: str) -> str:
    return f"{state_key(session_id)}:closed:{burst}"


def media_signal_key(session_id: uuid.UUID | str) -> str:
    return f"{state_key(session_id)}:media"


@dataclass(frozen=True)
class Joined:
    new: bool  # False: the message had joined before (a re-run); nothing changed
    burst: str | None  # the session's open burst, None when there is none
    deadline_ms: int | None
    previous_ms: int | None  # the deadline before this join; None: the join opened it


async def join_burst(
    redis: Redis,
    session_id: uuid.UUID,
    message_id: uuid.UUID,
    *,
    arrival_ms: int,
    concat_ms: int,
    max_wait_ms: int,
) -> Joined:
    """Add a message to the session's open burst (opening one if none), moving the
    deadline to ``min(last + concat, first + max_wait)``."""
    new, burst, deadline, previous = await redis.eval(  # type: ignore[misc]
        _JOIN,
        2,
        state_key(session_id),
        seen_key(session_id, message_id),
        str(message_id),
        str(arrival_ms),
        str(concat_ms),
        str(max_wait_ms),
        str(STATE_TTL_MS),
    )
    burst_s = _text(burst)
    return Joined(
        new=bool(new),
        burst=burst_s or None,
        deadline_ms=int(float(_text(deadline))) if burst_s else None,
        previous_ms=int(float(_text(previous))) if _text(previous) else None,
    )


async def burst_members(redis: Redis, session_id: uuid.UUID) -> set[str]:
    """Ids of the messages in the session's open burst."""
    fields = await redis.hkeys(state_key(session_id))  # type: ignore[misc]
    return {name[2:] for name in map(_text, fields) if name.startswith("m:")}


@dataclass(frozen=True)
class Closed:
    burst: str
    message_ids: list[uuid.UUID]  # in arrival order
    first_ms: int
    last_ms: int
    deadline_ms: int
    closed_ms: int


CloseOutcome = Literal["closed", "early", "stale", "taken", "done"]


async def close_burst(
    redis: Redis,
    session_id: uuid.UUID,
    burst: str,
    *,
    now_ms: int,
    owner: str,
    lease_ms: int,
) -> tuple[CloseOutcome, Closed | int | None]:
    """Close ``burst`` if its deadline has passed. ``early`` comes with the deadline;
    ``closed`` with the burst (also to its owner re-running after a crash)."""
    answer = await redis.eval(  # type: ignore[misc]
        _CLOSE,
        2,
        state_key(session_id),
        closed_key(session_id, burst),
        burst,
        str(now_ms),
        owner,
        str(lease_ms),
        str(STATE_TTL_MS),
    )
    outcome: CloseOutcome = _text(answer[0])  # type: ignore[assignment]
    if outcome == "early":
        return outcome, int(float(_text(answer[1])))
    if outcome != "closed":
        return outcome, None
    flat = [_text(v) for v in answer[1]]
    fields = dict(zip(flat[::2], flat[1::2], strict=True))
    members = sorted(
        ((float(at), mid[2:]) for mid, at in fields.items() if mid.startswith("m:")),
    )
    return outcome, Closed(
        burst=burst,
        message_ids=[uuid.UUID(mid) for _, mid in members],
        first_ms=int(float(fields["first"])),
        last_ms=int(float(fields["last"])),
        deadline_ms=int(float(fields["deadline"])),
        closed_ms=int(float(fields["closed_at"])),
    )


async def finish_burst(redis: Redis, session_id: uuid.UUID, burst: str) -> None:
    """Mark a closed burst's turn as stored: late duplicates of its job stop at once."""
    await redis.hset(closed_key(session_id, burst), "done", "1")  # type: ignore[misc]


async def signal_media_settled(
    redis: Redis, session_id: uuid.UUID, message_id: uuid.UUID, wait_seconds: float
) -> None:
    key = media_signal_key(session_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.lpush(key, str(message_id))
        # Signals nobody waits for would otherwise pile up for the session's lifetime.
        pipe.pexpire(key, int((wait_seconds + 60) * 1000))
        await pipe.execute()


async def wait_media_signal(redis: Redis, session_id: uuid.UUID, timeout: float) -> None:
    """Return when some media of the session settled, or after ``timeout`` seconds."""
    # Redis takes fractional timeouts (≥ 6.0); redis-py's stubs only say int.
    await redis.blpop([media_signal_key(session_id)], timeout=max(timeout, 0.01))  # type: ignore[arg-type, misc]


async def acquire_lock(redis: Redis, key: str, seconds: float) -> str | None:
    token = secrets.token_hex(8)
    got = await redis.set(key, token, nx=True, px=int(seconds * 1000))
    return token if got else None


async def release_lock(redis: Redis, key: str, token: str) -> None:
    await redis.eval(_RELEASE, 1, key, token)  # type: ignore[misc]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
