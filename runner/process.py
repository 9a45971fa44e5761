"""The WhatsApp-Web runner (``balcao runner``): one isolated persistent Chromium context
per WHATSAPP_WEB connection, commands from the platform over a Redis stream, and what the
pages show stored through ingest (see ``commands`` for the protocol).

Lifecycle: on start it creates the consumer group, starts every live WHATSAPP_WEB
connection (profile ``<profiles>/<connection id>``, so a restart needs no new QR), then
re-runs the commands it had read but not acknowledged before it stopped or died, then
reads new ones. Start/stop/logout run one at a time per connection; sends go through a
lane per connection, in order, each acknowledged once the page showed the bubble or the
send failed for good. On SIGTERM/SIGINT it stops reading, lets the send being typed
finish (a short grace), closes every context and keeps the profiles; whatever was not
acknowledged is read again on the next start, and ``balcao:wweb:sent:<id>`` keeps a
repeat from typing a message twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import uuid
from collections import OrderedDict
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import msgspec
from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool
from redis.exceptions import RedisError, ResponseError

from app.config import Settings
from app.db.engine import create_ingest_pool, make_engine
from app.errors import unavailable_dependency
from providers.base import OutboundMessage, SendError
from providers.whatsapp_web.commands import (
    CONSUMER,
    GROUP,
    SENT_TTL_S,
    STREAM,
    Command,
    ListGroups,
    Logout,
    Send,
    SendReply,
    Start,
    Stop,
    decode_command,
    push_reply,
    sent_key,
)
from runner.slots import RunnerOptions, Slot, remove_profile
from runner.store import ConnectionSink, PlatformStore

log = logging.getLogger("balcao.runner")

HEALTH_KEY = "balcao:wweb:health"  # {connectionId: state}, refreshed while running
HEALTH_EVERY_S = 10.0
LIST_GROUPS_S = 60.0  # reading the chat list waits behind the page's queued actions
_DONE_KEPT = 10_000
_PLATFORM_DOWN = (RedisError, OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError)

# What XREADGROUP answers once the stream went (NOGROUP), or while blocked on it (UNBLOCKED).
_GROUP_GONE = ("NOGROUP", "UNBLOCKED")

Lane = asyncio.Queue[tuple[str, Send] | None]


class Runner:
    def __init__(
        self, settings: Settings, store: PlatformStore, redis: ArqRedis, options: RunnerOptions
    ) -> None:
        self.settings = settings
        self.store = store
        self.redis = redis
        self.options = options
        self.slots: dict[uuid.UUID, Slot] = {}
        self._done: OrderedDict[str, str] = OrderedDict()  # message id → provider id
        self._stopped: set[uuid.UUID] = set()  # by a Stop command, until a Start
        self._locks: dict[uuid.UUID, asyncio.Lock] = {}
        self._lanes: dict[uuid.UUID, Lane] = {}
        self._lane_tasks: set[asyncio.Task[None]] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._launches = asyncio.Semaphore(options.start_concurrency)
        self._stop = asyncio.Event()

    @classmethod
    async def open(cls, settings: Settings, options: RunnerOptions | None = None) -> Runner:
        """A runner with its own database pool, engine and Redis client (closed by run)."""
        if not settings.database_url or not settings.redis_url:
            raise RuntimeError("DATABASE_URL and REDIS_URL must be set (balcao run sets them)")
        pool = await create_ingest_pool(settings.database_url, max_size=10)
        engine = make_engine(settings.database_url, pool_size=2)
        redis = ArqRedis(
            connection_pool=ConnectionPool.from_url(settings.redis_url, socket_connect_timeout=2)
        )
        options = options or RunnerOptions(headless=settings.whatsapp_web_headless)
        return cls(settings, PlatformStore(pool, engine, redis), redis, options)

    def request_stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        try:
            await self._create_group()
            for connection_id in await self.store.live_connections():
                await self._start(connection_id)
            self._spawn(self._heartbeat())
            await self._consume()
        finally:
            await self._shutdown()

    # --- reading commands -------------------------------------------------------------

    async def _create_group(self) -> None:
        # From id 0: commands written before any runner existed are still ours to run.
        with contextlib.suppress(ResponseError):  # BUSYGROUP: it exists already
            await self.redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)

    async def _create_group_when_possible(self) -> None:
        try:
            await self._create_group()
        except (RedisError, OSError) as exc:
            log.warning("creating the command group failed: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), 1.0)

    async def _consume(self) -> None:
        backlog: str | None = "0"  # first our unacknowledged entries, then new ones
        while not self._stop.is_set():
            try:
                batch: Any = await self.redis.xreadgroup(
                    GROUP,
                    CONSUMER,
                    {STREAM: backlog or ">"},
                    count=50,
                    block=None if backlog else self.options.read_block_ms,
                )
            except ResponseError as exc:
                if not str(exc).startswith(_GROUP_GONE):
                    raise
                # Redis came back empty: the stream and our group went with it. The
                # platform rebuilds its work from PostgreSQL; commands pushed since then
                # are in a new stream that needs our group again, from its first entry.
                log.warning("command group lost (Redis emptied?); creating it again")
                await self._create_group_when_possible()
                backlog = "0"
                continue
            except (RedisError, OSError) as exc:
                log.warning("reading commands failed: %s", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), 1.0)
                continue
            entries = batch[0][1] if batch else []
            if backlog is not None and not entries:
                backlog = None
                continue
            for raw_id, fields in entries:
                entry_id = raw_id.decode() if isinstance(raw_id, bytes) else str(raw_id)
                if backlog is not None:
                    backlog = entry_id
                try:
                    await self._dispatch(entry_id, fields)
                except _PLATFORM_DOWN as exc:
                    # The entry stays pending; reread the backlog once the platform is back
                    # (a command read twice is harmless: sends dedupe, the rest are idempotent).
                    log.warning("command %s postponed: %s", entry_id, exc)
                    await asyncio.sleep(1.0)
                    backlog = "0"
                    break

    async def _dispatch(self, entry_id: str, fields: dict[bytes, bytes] | None) -> None:
        try:
            command: Command = decode_command((fields or {})[b"c"])
        except (KeyError, msgspec.DecodeError, msgspec.ValidationError) as exc:
            log.warning("dropping unreadable command %s: %s", entry_id, exc)
            await self._ack(entry_id)
            return
        if isinstance(command, Send):
            await self._queue_send(entry_id, command)
        elif isinstance(command, ListGroups):
            self._spawn(self._list_groups(entry_id, command))
        else:
            self._spawn(self._lifecycle(entry_id, command))

    async def _ack(self, entry_id: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xack(STREAM, GROUP, entry_id)
            pipe.xdel(STREAM, entry_id)
            await pipe.execute()

    # --- start, stop, logout ------------------------------------------------------------

    def _lock(self, connection_id: uuid.UUID) -> asyncio.Lock:
        return self._locks.setdefault(connection_id, asyncio.Lock())

    async def _lifecycle(self, entry_id: str, command: Start | Stop | Logout) -> None:
        try:
            await self._apply(command)
            await self._ack(entry_id)
        except _PLATFORM_DOWN as exc:
            log.warning("%s postponed (stays pending): %s", command, exc)

    async def _apply(self, command: Start | Stop | Logout) -> None:
        try:
            connection_id = uuid.UUID(command.connection_id)
        except ValueError:
            return
        if isinstance(command, Start):
            self._stopped.discard(connection_id)
            await self._start(connection_id)
        elif isinstance(command, Stop):
            self._stopped.add(connection_id)
            await self._close(connection_id, logout=False)
        else:
            await self._close(connection_id, logout=True)

    async def _start(self, connection_id: uuid.UUID) -> Slot | None:
        async with self._lock(connection_id):
            slot = self.slots.get(connection_id)
            if slot is not None or self._stop.is_set():
                return slot
            info = await self.store.web_connection(connection_id)
            if info is None:
                return None
            slot = Slot(
                info,
                ConnectionSink(self.store, info),
                str(info.config.get("webUrl") or self.settings.whatsapp_web_url),
                self.settings.profiles_dir / str(connection_id),
                self.settings.chromium_path,
                self.options,
                self._launches,
            )
            self.slots[connection_id] = slot
            slot.start()
            return slot

    async def _close(self, connection_id: uuid.UUID, *, logout: bool) -> None:
        async with self._lock(connection_id):
            slot = self.slots.pop(connection_id, None)
            if slot is not None:
                await slot.close(logout=logout)
            elif logout:
                await remove_profile(self.settings.profiles_dir / str(connection_id))

    # --- groups -------------------------------------------------------------------------

    async def _list_groups(self, entry_id: str, command: ListGroups) -> None:
        """Store the page's groups; a connection not running here (stopped, deleted,
        not paired yet) has nothing to read and the command is dropped: the worker asks
        again on its next sync."""
        try:
            connection_id = uuid.UUID(command.connection_id)
        except ValueError:
            await self._ack(entry_id)
            return
        slot = self.slots.get(connection_id)
        try:
            if slot is not None and slot.session is not None:
                names = await asyncio.wait_for(slot.session.list_groups(), LIST_GROUPS_S)
                await self.store.store_groups(slot.info, names)
            await self._ack(entry_id)
        except _PLATFORM_DOWN as exc:
            log.warning("group list postponed (stays pending): %s", exc)
        except (SendError, TimeoutError) as exc:
            log.info("group list of %s not read: %s", connection_id, exc)
            await self._ack(entry_id)

    # --- sending ------------------------------------------------------------------------

    async def _queue_send(self, entry_id: str, command: Send) -> None:
        message_id = command.message.message_id
        connection_id = await self.store.connection_of_message(message_id)
        if connection_id is None:
            await self._answer(entry_id, message_id, _refused("no such message"))
            return
        lane = self._lanes.get(connection_id)
        if lane is None:
            lane = self._lanes[connection_id] = asyncio.Queue()
            task = asyncio.create_task(self._run_lane(connection_id, lane))
            self._lane_tasks.add(task)
            task.add_done_callback(self._lane_tasks.discard)
        lane.put_nowait((entry_id, command))

    async def _run_lane(self, connection_id: uuid.UUID, lane: Lane) -> None:
        # One send at a time per connection, in the order they were queued: the parts
        # of a long answer must arrive in order. A repeat of a message id lands in the
        # same lane after the first, so it finds the first one's result.
        while not self._stop.is_set():
            item = await lane.get()
            if item is None:
                return
            entry_id, command = item
            while not self._stop.is_set():
                try:
                    reply = await self._send_once(connection_id, command.message)
                    if reply is not None:
                        await self._answer(entry_id, command.message.message_id, reply)
                    break
                except _PLATFORM_DOWN as exc:
                    log.warning("send %s waits for Redis: %s", command.message.message_id, exc)
                    await asyncio.sleep(1.0)
                except Exception as exc:
                    # A bug must fail this send, not silence every later one of the lane.
                    log.exception("send %s failed unexpectedly", command.message.message_id)
                    failed = SendReply(ok=False, error=f"runner error: {exc}", transient=True)
                    with contextlib.suppress(*_PLATFORM_DOWN):
                        await self._answer(entry_id, command.message.message_id, failed)
                    break

    async def _send_once(
        self, connection_id: uuid.UUID, message: OutboundMessage
    ) -> SendReply | None:
        """The reply for this send, or None when the runner is stopping (the command
        stays pending and runs again on the next start)."""
        done = self._done.get(message.message_id) or await self.redis.get(
            sent_key(message.message_id)
        )
        if done is not None:
            provider_id = done.decode() if isinstance(done, bytes) else done
            return SendReply(ok=True, provider_message_id=provider_id)
        if connection_id in self._stopped:
            return SendReply(ok=False, error="connection stopped", transient=True)
        slot = self.slots.get(connection_id) or await self._start(connection_id)
        if slot is None:
            return _refused("not a live WHATSAPP_WEB connection")
        try:
            session = await slot.session_ready()
            provider_id = await asyncio.wait_for(session.send(message), self.options.send_timeout_s)
        except SendError as exc:
            if self._stop.is_set():
                return None
            return SendReply(ok=False, error=exc.detail, transient=exc.transient)
        except TimeoutError:
            return SendReply(ok=False, error="send timed out in the runner", transient=True)
        # Remembered here first: if Redis fails below, the retry must not type it again.
        self._done[message.message_id] = provider_id
        while len(self._done) > _DONE_KEPT:
            self._done.popitem(last=False)
        await self.redis.set(sent_key(message.message_id), provider_id, ex=SENT_TTL_S)
        try:
            await self.store.record_sent(slot.info, message.message_id, provider_id)
        except (asyncpg.PostgresError, OSError) as exc:
            # The delivery job stores the id it gets back anyway; this was the shortcut.
            log.warning("recording send %s failed: %s", message.message_id, exc)
        return SendReply(ok=True, provider_message_id=provider_id)

    async def _answer(self, entry_id: str, message_id: str, reply: SendReply) -> None:
        await push_reply(self.redis, message_id, reply)
        await self._ack(entry_id)

    # --- health and shutdown --------------------------------------------------------------

    def _spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _heartbeat(self) -> None:
        while not self._stop.is_set():
            states = {str(k): slot.sink.state for k, slot in self.slots.items()}
            with contextlib.suppress(RedisError, OSError):
                await self.redis.set(HEALTH_KEY, msgspec.json.encode(states), ex=60)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), HEALTH_EVERY_S)

    async def _shutdown(self) -> None:
        self._stop.set()
        for lane in self._lanes.values():
            lane.put_nowait(None)
        if self._lane_tasks:
            await asyncio.wait(self._lane_tasks, timeout=self.options.shutdown_grace_s)
        for task in [*self._lane_tasks, *self._tasks]:
            task.cancel()
        await asyncio.gather(*self._lane_tasks, *self._tasks, return_exceptions=True)
        slots, self.slots = list(self.slots.values()), {}
        await asyncio.gather(*(slot.close() for slot in slots), return_exceptions=True)
        await self.store.drain()
        with contextlib.suppress(RedisError, OSError):
            await self.redis.delete(HEALTH_KEY)
        await self.redis.aclose(close_connection_pool=True)
        await self.store.pool.close()
        await self.store.engine.dispose()


def _refused(reason: str) -> SendReply:
    return SendReply(ok=False, error=reason, transient=False)


async def run_runner(settings: Settings, options: RunnerOptions | None = None) -> None:
    """``balcao runner``: run until SIGTERM or SIGINT. A PostgreSQL or Redis that is down
    or still recovering when it starts is waited for with backoff, not a reason to exit."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    failures = 0
    while not stop.is_set():
        try:
            runner = await Runner.open(settings, options)
            forward = asyncio.ensure_future(_forward_stop(stop, runner))
            log.info("WhatsApp-Web runner started; profiles in %s", settings.profiles_dir)
            try:
                await runner.run()
            finally:
                forward.cancel()
            return
        except Exception as exc:
            down = unavailable_dependency(exc)
            if down is None:
                raise
            failures += 1
            delay = min(30.0, 0.5 * 2 ** (failures - 1))
            log.warning("runner cannot start, %s down (%r): again in %.1fs", down, exc, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)


async def _forward_stop(stop: asyncio.Event, runner: Runner) -> None:
    await stop.wait()
    runner.request_stop()
