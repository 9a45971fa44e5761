"""``WhatsAppWebSession``: one WhatsApp-Web connection driven in one persistent Chromium
profile. It knows nothing of Redis or the database; the runner wires its callbacks.

Everything the page does reaches Python as events from the injected observer (QR ref,
loading, ready, unread rows, message rows, ticks); nothing polls the page for messages.
Page actions (opening an unread chat, sending) go through one job queue so they never
interleave; recovery (relaunch after a crash) runs beside it and queued jobs simply wait
for the page to be ready again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import segno
from playwright.async_api import BrowserContext, Page, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from providers.base import (
    ConnectionState,
    InboundMessage,
    InboundStatus,
    OutboundMessage,
    SendError,
)
from providers.whatsapp_web import selectors as sel
from providers.whatsapp_web.browser import launch_profile
from providers.whatsapp_web.events import (
    LoadingSeen,
    QrExpired,
    QrSeen,
    ReadySeen,
    RowSeen,
    TickSeen,
    UnreadSeen,
    decode_page_event,
    phone_from_wid,
)
from providers.whatsapp_web.inbound import InboundRouter
from providers.whatsapp_web.observer import BINDING, observer_script
from providers.whatsapp_web.ratelimit import RateLimits, SendLimiter
from providers.whatsapp_web.sender import (
    SendTimings,
    current_title,
    deliver,
    find,
    leave_when_reported,
)
from providers.whatsapp_web.sender import list_groups as list_group_names

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SessionCallbacks:
    on_qr: Callable[[str], Awaitable[None]]  # data:image/png;base64,...
    on_status: Callable[[ConnectionState, str | None, str | None], Awaitable[None]]
    on_message: Callable[[InboundMessage], Awaitable[None]]
    on_ack: Callable[[InboundStatus], Awaitable[None]]


class SessionTimings(msgspec.Struct, frozen=True, kw_only=True):
    send: SendTimings = SendTimings()
    ready_timeout_s: float = 120.0  # how long a queued send waits for a usable page
    health_interval_s: float = 30.0
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 60.0
    max_relaunches: int = 8


Job = tuple[Callable[[], Awaitable[Any]], "asyncio.Future[Any] | None"]


class WhatsAppWebSession:
    def __init__(
        self,
        connection_id: str,
        base_url: str,
        profile_dir: Path | str,
        chromium_path: str | None,
        callbacks: SessionCallbacks,
        *,
        timings: SessionTimings | None = None,
        limits: RateLimits | None = None,
        headless: bool = True,
    ) -> None:
        self.connection_id = connection_id
        self.base_url = base_url.rstrip("/")
        self.profile_dir = Path(profile_dir)
        self.chromium_path = chromium_path
        self.callbacks = callbacks
        self.timings = timings or SessionTimings()
        self.headless = headless
        self.state: ConnectionState = "disconnected"
        self.phone: str | None = None
        self.qr_text: str | None = None
        self._limiter = SendLimiter(limits or RateLimits())
        self._inbound = InboundRouter(
            connection_id, self.profile_dir, callbacks.on_message, callbacks.on_ack
        )
        self._ready = asyncio.Event()
        self._lost = asyncio.Event()
        self._navigated: list[asyncio.Event] = []
        self._jobs: asyncio.Queue[Job] = asyncio.Queue()
        self._opening: set[str] = set()
        self._stuck: set[str] = set()  # unread chats whose last open failed
        self._tasks: set[asyncio.Task[Any]] = set()
        self._pw: Playwright | None = None
        self._context: BrowserContext | None = None
        self._page: Page | None = None
        self._stopping = False
        self.page_loads = 0  # documents loaded so far (reloads, deep links, relaunches)

    # --- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        self._pw = await async_playwright().start()
        await self._launch()
        self._spawn(self._work())
        self._spawn(self._watch())

    async def _launch(self) -> None:
        assert self._pw is not None
        context = await launch_profile(
            self._pw, self.profile_dir, self.chromium_path, headless=self.headless
        )
        self._context = context
        await context.expose_binding(BINDING, self._on_binding)
        await context.add_init_script(observer_script())
        context.on("close", lambda _: self._on_lost(context))
        page = context.pages[0] if context.pages else await context.new_page()
        page.on("crash", lambda _: self._on_lost(context))
        page.on("domcontentloaded", lambda _: self._on_document())
        # Selectors that stop matching must fail fast, not after Playwright's 30 s.
        page.set_default_timeout(10_000)
        self._page = page
        await page.goto(self.base_url, wait_until="domcontentloaded")

    async def stop(self, *, reason: str = "stopped") -> None:
        self._stopping = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._fail_queued(SendError("session stopped", transient=True))
        await self._close_browser()
        if self._pw is not None:
            await self._pw.stop()
            self._pw = None
        await self._set_state("disconnected", reason)

    async def logout(self) -> None:
        """Unlink this browser from the phone, stop, and delete the profile."""
        self._stopping = True
        with contextlib.suppress(PlaywrightError, TimeoutError):
            await asyncio.wait_for(self._logout_in_page(), 15)
        await self.stop(reason="logged_out")
        await asyncio.to_thread(shutil.rmtree, self.profile_dir, True)

    async def _logout_in_page(self) -> None:
        page = self._page
        if page is None:
            return
        for step in (sel.SIDE_MENU_BUTTON, sel.LOGOUT_MENU_ITEM):
            await page.wait_for_selector(", ".join(step), state="visible", timeout=5000)
            target = await find(page, step)
            if target is not None:
                await target.click()
        popup = page.locator(", ".join(sel.MODAL_POPUP)).first
        await popup.get_by_role("button", name="Desconectar").click()
        await page.wait_for_selector(", ".join(sel.QR_CONTAINER), timeout=10_000)

    async def _close_browser(self) -> None:
        context, self._context, self._page = self._context, None, None
        self._ready.clear()
        if context is not None:
            with contextlib.suppress(PlaywrightError):
                await context.close()

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- health and recovery --------------------------------------------------------

    async def health(self) -> bool:
        """The page answers and the account is connected."""
        return self.state == "connected" and await self._page_responsive()

    async def _page_responsive(self) -> bool:
        page = self._page
        if page is None or page.is_closed():
            return False
        try:
            await asyncio.wait_for(page.evaluate("1"), 5)
        except (PlaywrightError, TimeoutError):
            return False
        return True

    def _on_lost(self, context: BrowserContext) -> None:
        # Our own close (stop, relaunch) detaches the context first and is ignored.
        if not self._stopping and context is self._context:
            self._ready.clear()
            self._lost.set()

    async def _watch(self) -> None:
        while not self._stopping:
            try:
                await asyncio.wait_for(self._lost.wait(), self.timings.health_interval_s)
            except TimeoutError:
                if await self._page_responsive():
                    continue
            await self._recover()

    async def _recover(self) -> None:
        """Relaunch with the same profile (so no new QR), backing off between tries."""
        await self._set_state("disconnected", "browser_lost")
        delay = self.timings.backoff_initial_s
        for _ in range(self.timings.max_relaunches):
            self._lost.clear()
            await self._close_browser()
            try:
                await self._launch()
                return
            except PlaywrightError as exc:
                log.warning("relaunch of %s failed: %s", self.connection_id, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.timings.backoff_max_s)
        await self._set_state("failed", "browser_relaunch_failed")
        self._stopping = True

    async def _set_state(self, state: ConnectionState, reason: str | None = None) -> None:
        if state == self.state:
            return
        self.state = state
        phone = self.phone if state == "connected" else None
        await self.callbacks.on_status(state, phone, reason)

    # --- sending --------------------------------------------------------------------

    async def list_groups(self) -> list[str]:
        """The names of the group chats the page lists, read between the page's other
        actions (never while a send is typing)."""
        future: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()

        async def read() -> list[str]:
            return await list_group_names(await self.require_page())

        self._jobs.put_nowait((read, future))
        return await future

    async def send(self, message: OutboundMessage) -> str:
        """Queue one message; returns the new bubble's data-id once it is on screen."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._jobs.put_nowait((lambda: self._send_now(message), future))
        return await future

    async def _send_now(self, message: OutboundMessage) -> str:
        await self._limiter.acquire(message.to)
        try:
            return await deliver(self, message, self.timings.send)
        finally:
            self._inbound.release_claim()

    async def require_page(self) -> Page:
        try:
            await asyncio.wait_for(self._ready.wait(), self.timings.ready_timeout_s)
        except TimeoutError as exc:
            raise SendError(f"WhatsApp Web not ready ({self.state})", transient=True) from exc
        if self._page is None:
            raise SendError("no page", transient=True)
        return self._page

    def navigation_event(self) -> asyncio.Event:
        event = asyncio.Event()
        self._navigated.append(event)
        return event

    def expect_own(self, chat: str, known: set[str]) -> asyncio.Future[str]:
        return self._inbound.expect_own(chat, known)

    def _on_document(self) -> None:
        # A new document (reload, deep link, crash recovery): the page must report
        # "ready" again before anyone may act on it.
        self.page_loads += 1
        self._ready.clear()
        events, self._navigated = self._navigated, []
        for event in events:
            event.set()

    async def _work(self) -> None:
        while True:
            action, future = await self._jobs.get()
            if future is not None and future.done():
                continue
            try:
                result = await action()
            except Exception as exc:
                if future is None:
                    log.warning("page action failed on %s: %s", self.connection_id, exc)
                elif not future.done():
                    future.set_exception(exc)
            else:
                if future is not None and not future.done():
                    future.set_result(result)

    def _fail_queued(self, error: Exception) -> None:
        while not self._jobs.empty():
            _, future = self._jobs.get_nowait()
            if future is not None and not future.done():
                future.set_exception(error)

    # --- what the page reports ------------------------------------------------------

    async def _on_binding(self, _source: object, payload: object) -> None:
        event = decode_page_event(payload)
        try:
            if isinstance(event, RowSeen):
                await self._inbound.row(event)
            elif isinstance(event, TickSeen):
                await self._inbound.tick(event)
            elif isinstance(event, UnreadSeen):
                self._stuck.discard(event.title)
                self._queue_open(event.title)
            elif event is not None:
                await self._on_screen(event)
        except Exception:
            log.exception("handling %r on %s", type(event).__name__, self.connection_id)

    async def _on_screen(self, event: QrSeen | QrExpired | LoadingSeen | ReadySeen) -> None:
        if self._stopping:
            return
        if isinstance(event, ReadySeen):
            self.phone = phone_from_wid(event.wid) or self.phone
            await self._set_state("connected")
            self._ready.set()
        elif isinstance(event, LoadingSeen):
            if self.state in ("disconnected", "qr_pending"):
                await self._set_state("connecting")
        elif isinstance(event, QrSeen):
            self._ready.clear()
            if self.state == "connected":
                await self._set_state("disconnected", "logged_out")
            await self._set_state("qr_pending")
            self.qr_text = event.ref
            await self.callbacks.on_qr(qr_png_data_url(event.ref))
        else:
            # whatsapp-web.js refreshes an expired QR itself; so do we.
            self._spawn(self._click_qr_reload())

    async def _click_qr_reload(self) -> None:
        if self._page is not None:
            button = await find(self._page, sel.QR_RELOAD_BUTTON)
            if button is not None:
                await button.click()

    def _queue_open(self, title: str) -> None:
        if title not in self._opening:
            self._opening.add(title)
            self._jobs.put_nowait((lambda: self._open_unread(title), None))

    async def _open_unread(self, title: str) -> None:
        """Open a chat whose row shows an unread badge, so its rows render in #main; then
        queue every other chat still showing a badge.

        The page reports a badge once, when its count changes, and a chat opens some
        time after the click (its history loads first). So the click is followed by a
        wait until the header names the chat — a next job must never take the header
        that is still on screen for the chat it is about to open — and the badges are
        read again afterwards: an unread event handled while another chat was opening,
        or lost with a reload, is not the only chance a message gets.
        """
        self._opening.discard(title)
        page = await self.require_page()
        opened = await current_title(page) == title or await self._click_open(page, title)
        if opened:
            self._stuck.discard(title)
        else:
            # Not again from the badges until the page reports this row anew.
            self._stuck.add(title)
            log.warning("could not open the unread chat %r on %s", title, self.connection_id)
        await self._requeue_unread(page)

    async def _click_open(self, page: Page, title: str) -> bool:
        await leave_when_reported(page)
        for row_selector in sel.CHAT_ROW:
            row = page.locator(row_selector).filter(has=page.locator(f'[title="{_css(title)}"]'))
            if await row.count():
                # A real click: rows open on mousedown, element.click() would not.
                await row.first.click()
                break
        else:
            return False
        try:
            await page.wait_for_function(
                _HEADER_IS_JS,
                arg=[list(sel.CONVERSATION_TITLE), title],
                timeout=self.timings.send.open_chat_timeout_s * 1000,
            )
        except PlaywrightError:
            return False
        return True

    async def _requeue_unread(self, page: Page) -> None:
        try:
            titles = await page.evaluate(
                _UNREAD_TITLES_JS,
                [list(sel.CHAT_ROW), list(sel.CHAT_ROW_TITLE), list(sel.CHAT_ROW_UNREAD)],
            )
            open_title = await current_title(page)
        except PlaywrightError:
            return  # the page went away; the next document reports its badges itself
        for title in titles:
            if isinstance(title, str) and title != open_title and title not in self._stuck:
                self._queue_open(title)


# The open chat's header names ``title`` (the click took; its rows are drawn).
_HEADER_IS_JS = """([sels, title]) => sels.some((s) => { const el = document.querySelector(s);
  return el && (el.getAttribute('title') || el.textContent || '').trim() === title; })"""

# The titles of the chat-list rows showing an unread badge (first row selector that
# matches anything, like the observer).
_UNREAD_TITLES_JS = """([rows, titles, badges]) => {
  const pick = (root, list) => { for (const s of list) {
    try { const el = root.querySelector(s); if (el) return el; } catch (e) {} } return null; };
  for (const s of rows) {
    let found = [];
    try { found = [...document.querySelectorAll(s)]; } catch (e) {}
    if (!found.length) continue;
    return found.filter((r) => pick(r, badges))
      .map((r) => { const t = pick(r, titles); return t && t.getAttribute('title'); })
      .filter(Boolean);
  }
  return [];
}"""


def _css(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def qr_png_data_url(ref: str) -> str:
    data_url: str = segno.make(ref, error="l").png_data_uri(scale=4, border=2)
    return data_url
