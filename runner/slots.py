"""One connection's browser, kept alive: a ``Slot`` owns the connection's
``WhatsAppWebSession`` and a supervisor task that starts it, and starts a new one (with
back-off) when the launch fails or the session gives up relaunching a lost browser.
The session itself does the finer recovery (page health, relaunch with the same
profile); the slot only covers what the session cannot: a browser that will not start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from pathlib import Path

import msgspec
from playwright.async_api import Error as PlaywrightError

from app.ingest.connection import ConnectionInfo
from providers.whatsapp_web.driver import SessionCallbacks, SessionTimings, WhatsAppWebSession
from providers.whatsapp_web.ratelimit import RateLimits
from runner.store import ConnectionSink

log = logging.getLogger("balcao.runner")


class RunnerOptions(msgspec.Struct, frozen=True, kw_only=True):
    """How the runner drives its browsers; tests shorten the timings."""

    timings: SessionTimings = SessionTimings()
    limits: RateLimits = RateLimits()
    headless: bool = True
    start_concurrency: int = 4  # browsers launching at once (each launch is CPU-heavy)
    restart_backoff_s: tuple[float, float] = (1.0, 60.0)  # first and longest wait
    send_timeout_s: float = 300.0  # a send longer than this is stuck, not slow
    shutdown_grace_s: float = 10.0  # a send being typed may finish before we close
    read_block_ms: int = 1000


class Slot:
    def __init__(
        self,
        info: ConnectionInfo,
        sink: ConnectionSink,
        web_url: str,
        profile_dir: Path,
        chromium_path: str | None,
        options: RunnerOptions,
        launches: asyncio.Semaphore,
    ) -> None:
        self.info = info
        self.sink = sink
        self.web_url = web_url
        self.profile_dir = profile_dir
        self.chromium_path = chromium_path
        self.options = options
        self._launches = launches
        self.session: WhatsAppWebSession | None = None
        self._started = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._supervise(), name=f"wweb-{self.info.id}")

    async def session_ready(self) -> WhatsAppWebSession:
        """The running session (its page may still be loading: sends wait for it)."""
        await self._started.wait()
        assert self.session is not None
        return self.session

    def _new_session(self) -> WhatsAppWebSession:
        sink = self.sink
        return WhatsAppWebSession(
            str(self.info.id),
            self.web_url,
            self.profile_dir,
            self.chromium_path,
            SessionCallbacks(
                on_qr=sink.on_qr,
                on_status=sink.on_status,
                on_message=sink.on_message,
                on_ack=sink.on_ack,
            ),
            timings=self.options.timings,
            limits=self.options.limits,
            headless=self.options.headless,
        )

    async def _supervise(self) -> None:
        first, longest = self.options.restart_backoff_s
        delay = first
        while True:
            self.sink.failed.clear()
            # Referenced before start(), so a close during the launch still ends it.
            session = self.session = self._new_session()
            try:
                async with self._launches:
                    await session.start()
            except (PlaywrightError, OSError) as exc:
                log.warning("starting %s failed: %s", self.info.id, exc)
                await _quietly_stop(session)
                await self.sink.on_status("failed", None, f"browser_launch_failed: {exc}"[:300])
            else:
                delay = first
                self._started.set()
                await self.sink.failed.wait()  # the session gave up relaunching
                self._started.clear()
                await _quietly_stop(session)
            self.session = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, longest)

    async def close(self, *, logout: bool = False) -> None:
        """Stop supervising and close the browser; ``logout`` also unlinks the device
        and deletes the profile. The profile is otherwise kept: no new QR next time."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        session, self.session = self.session, None
        self._started.clear()
        if session is not None:
            if logout:
                await session.logout()
            else:
                await _quietly_stop(session)
        if logout:
            await remove_profile(self.profile_dir)


async def _quietly_stop(session: WhatsAppWebSession) -> None:
    try:
        await session.stop()
    except (PlaywrightError, OSError) as exc:
        log.warning("closing %s: %s", session.connection_id, exc)


async def remove_profile(profile_dir: Path) -> None:
    await asyncio.to_thread(shutil.rmtree, profile_dir, True)
