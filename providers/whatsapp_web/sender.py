"""Sending one message through the page like a person would: open the chat by deep link,
type key by key, wait for the link preview, attach through the file input, press send,
and learn the new bubble's data-id.

Exactly-once across page reloads: nothing is sent unless the composer holds exactly our
text right before the key press; after a press whose bubble we did not see (the page
reloaded or was slow), the next attempt first waits for the bubble to show up in the
re-rendered chat and only types again when it does not.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import random
import re
from pathlib import Path
from typing import Any, Protocol

import httpx
import msgspec
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import FilePayload, Locator, Page

from providers.base import OutboundMessage, SendError
from providers.whatsapp_web import selectors as sel
from providers.whatsapp_web.events import group_name
from providers.whatsapp_web.observer import INCOMPLETE_AFTER_MS, UNREPORTED
from providers.whatsapp_web.phone_digits import normalize_phone, phone_from_title

_rng = random.SystemRandom()
_URL = re.compile(r"https?://|www\.", re.IGNORECASE)

_COMPOSER_TEXT_JS = """(el) => el.children.length
  ? [...el.children].map((p) => p.innerText.replace(/\\n$/, '')).join('\\n')
  : el.innerText"""
_FIRST_TEXT_JS = """(sels) => { for (const s of sels) { const el = document.querySelector(s);
  if (el) return el.getAttribute('title') || el.textContent; } return null; }"""
_ROW_IDS_JS = """(sels) => { for (const s of sels) { const els = document.querySelectorAll(s);
  if (els.length) return [...els].map((e) => e.getAttribute('data-id')).filter(Boolean); }
  return []; }"""


class SendTimings(msgspec.Struct, frozen=True, kw_only=True):
    typing_delay_ms: tuple[float, float] = (30.0, 120.0)  # per character, varied
    link_preview_s: tuple[float, float] = (2.0, 4.0)  # WA fetches the preview card
    link_preview_wait_s: float = 8.0  # at most, for the card to show before sending
    pause_before_send_s: tuple[float, float] = (0.3, 1.0)
    open_chat_timeout_s: float = 30.0
    bubble_timeout_s: float = 15.0
    resend_check_s: float = 3.0
    attempts: int = 3


class PageChanged(Exception):
    """The page navigated (reload, crash, logout) in the middle of a send."""


class InvalidNumber(Exception):
    pass


class UnknownGroup(Exception):
    pass


class SendHost(Protocol):
    base_url: str

    async def require_page(self) -> Page: ...

    def navigation_event(self) -> asyncio.Event: ...

    def expect_own(self, chat: str, known: set[str]) -> asyncio.Future[str]: ...


class _Job:
    def __init__(
        self,
        chat: str,
        message: OutboundMessage,
        file: FilePayload | None,
        group: str | None = None,
    ) -> None:
        self.digits = chat  # the chat's key: the customer's digits, or the group's id
        self.group = group  # the group's name, for a group chat
        self.message = message
        self.file = file
        self.pressed = False
        self.claim: asyncio.Future[str] | None = None


async def deliver(host: SendHost, message: OutboundMessage, timings: SendTimings) -> str:
    """Send to a phone number, or into a group named by its id (``group:<name>``: the
    page shows groups by name only, see ``events.group_id``)."""
    group = group_name(message.to)
    digits = message.to.strip() if group is not None else normalize_phone(message.to)
    if digits is None:
        raise SendError(f"not a phone number or group: {message.to!r}", transient=False)
    job = _Job(digits, message, await _file_payload(message), group)
    last: Exception | None = None
    for _ in range(timings.attempts):
        try:
            return await _attempt(host, job, timings)
        except InvalidNumber as exc:
            raise SendError("number not on WhatsApp", transient=False) from exc
        except UnknownGroup as exc:
            raise SendError(f"no group named {job.group!r} on the page", transient=False) from exc
        except (PlaywrightError, PageChanged, TimeoutError) as exc:
            last = exc
    raise SendError(f"send failed after {timings.attempts} attempts: {last}", transient=True)


async def _attempt(host: SendHost, job: _Job, timings: SendTimings) -> str:
    page = await host.require_page()
    if job.group is not None:
        await open_group(page, job.group, timings.open_chat_timeout_s)
    else:
        await open_chat(page, host.base_url, job.digits, timings.open_chat_timeout_s)
    changed = host.navigation_event()
    if job.pressed and job.claim is not None:
        try:
            return await _await_claim(job.claim, changed, timings.resend_check_s)
        except TimeoutError:
            pass  # the earlier press never reached WhatsApp: type it again
    known = set(await page.evaluate(_ROW_IDS_JS, list(sel.MESSAGE_ROW)))
    text = job.message.text or ""
    if job.file is not None:
        await _attach(page, job.file, text, timings, changed)
    elif text:
        await _type_into(page, sel.COMPOSER, text, timings, changed)
    else:
        raise SendError("nothing to send", transient=False)
    if _URL.search(text) and job.file is None:
        await _await_link_preview(page, timings)
    await asyncio.sleep(_rng.uniform(*timings.pause_before_send_s))
    if changed.is_set():
        raise PageChanged
    job.claim = host.expect_own(job.digits, known)
    job.pressed = True
    await _press_send(page, attachment=job.file is not None)
    return await _await_claim(job.claim, changed, timings.bubble_timeout_s)


async def _await_link_preview(page: Page, timings: SendTimings) -> None:
    """Wait for the link's preview card (the page fetches it), then look at it a moment
    as a person would; a page that draws none gets the plain pause."""
    try:
        await page.wait_for_selector(
            ", ".join(sel.LINK_PREVIEW), state="visible", timeout=timings.link_preview_wait_s * 1000
        )
    except PlaywrightError:
        await asyncio.sleep(_rng.uniform(*timings.link_preview_s))
        return
    await asyncio.sleep(_rng.uniform(*timings.link_preview_s) / 4)


async def _await_claim(claim: asyncio.Future[str], changed: asyncio.Event, wait_s: float) -> str:
    waiter: asyncio.Future[Any] = asyncio.ensure_future(changed.wait())
    pending: set[asyncio.Future[Any]] = {claim, waiter}
    try:
        await asyncio.wait(pending, timeout=wait_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
    if claim.done():
        return claim.result()
    if changed.is_set():
        raise PageChanged
    raise TimeoutError("our bubble did not appear")


# A row waiting for its media is reported (as unsupported at worst) after
# INCOMPLETE_AFTER_MS; past that and its download, leave anyway.
_LEAVE_WAIT_MS = INCOMPLETE_AFTER_MS + 5000
_ALL_REPORTED_JS = f"() => !window.{UNREPORTED} || window.{UNREPORTED}() === 0"


async def leave_when_reported(page: Page) -> None:
    """Before opening another chat (a click or a deep link), wait until the observer has
    reported every row of the open one. Its unread badge went when it was opened, so a
    row still unreported then — a media row still loading, the rows queued behind it —
    would never be seen again once #main shows another chat."""
    with contextlib.suppress(PlaywrightError):
        await page.wait_for_function(_ALL_REPORTED_JS, timeout=_LEAVE_WAIT_MS)


async def current_title(page: Page) -> str | None:
    title = await page.evaluate(_FIRST_TEXT_JS, list(sel.CONVERSATION_TITLE))
    return title.strip() if isinstance(title, str) else None


async def current_chat(page: Page) -> str | None:
    return phone_from_title(await current_title(page))


async def open_chat(page: Page, base_url: str, digits: str, timeout_s: float) -> None:
    """Deep link /send?phone= (a full page load, like the real site), unless open."""
    if await current_chat(page) == digits:
        return
    await leave_when_reported(page)
    await page.goto(f"{base_url}/send?phone={digits}", wait_until="domcontentloaded")
    either = ", ".join(sel.COMPOSER + sel.MODAL_POPUP)
    await page.wait_for_selector(either, state="visible", timeout=timeout_s * 1000)
    popup = await find(page, sel.MODAL_POPUP)
    if popup is None:
        return
    text = (await popup.inner_text()).lower()
    if any(marker in text for marker in sel.INVALID_NUMBER_TEXTS):
        await popup.locator(", ".join(sel.MODAL_BUTTON)).first.click()
        raise InvalidNumber(digits)


async def open_group(page: Page, name: str, timeout_s: float) -> None:
    """Open a group chat by its name: its row in the chat list, or — when the list does
    not show it (virtualised, scrolled away) — through the search box, typed like a
    person would, then cleared so the whole list shows again."""
    if await current_title(page) == name and await find(page, sel.CONVERSATION_GROUP_MARKER):
        return
    await leave_when_reported(page)
    row = await _group_row(page, name)
    searched = False
    if row is None:
        box = await find(page, sel.SEARCH_BOX)
        if box is None:
            raise PageChanged
        await box.click()
        await page.keyboard.type(name, delay=_rng.uniform(30, 80))
        searched = True
        deadline = asyncio.get_running_loop().time() + min(timeout_s, 5.0)
        while row is None and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.1)
            row = await _group_row(page, name)
    if row is None:
        if searched:
            await _clear_search(page)
        raise UnknownGroup(name)
    await row.click()  # a real click: rows open on mousedown
    await page.wait_for_function(
        """([sels, name]) => sels.some((s) => { const el = document.querySelector(s);
            return el && (el.getAttribute('title') || el.textContent).trim() === name; })""",
        arg=[list(sel.CONVERSATION_TITLE), name],
        timeout=timeout_s * 1000,
    )
    await page.wait_for_selector(", ".join(sel.COMPOSER), state="visible", timeout=timeout_s * 1000)
    if searched:
        await _clear_search(page)


async def _group_row(page: Page, name: str) -> Locator | None:
    title = page.locator(f'[title="{_css(name)}"]')
    marker = page.locator(", ".join(sel.GROUP_MARKER))
    for row_selector in sel.CHAT_ROW:
        rows = page.locator(row_selector).filter(has=title).filter(has=marker)
        if await rows.count():
            return rows.first
    return None


async def _clear_search(page: Page) -> None:
    box = await find(page, sel.SEARCH_BOX)
    if box is not None:
        await box.fill("")


def _css(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


async def list_groups(page: Page) -> list[str]:
    """The names of the group chats in the chat list (rows with the group marker)."""
    names = await page.evaluate(
        """([rows, titles, markers]) => {
          const pick = (root, list) => { for (const s of list) { const el = root.querySelector(s);
            if (el) return el; } return null; };
          for (const s of rows) {
            const found = [...document.querySelectorAll(s)];
            if (!found.length) continue;
            return found.filter((r) => pick(r, markers))
              .map((r) => { const t = pick(r, titles); return t && t.getAttribute('title'); })
              .filter(Boolean);
          }
          return [];
        }""",
        [list(sel.CHAT_ROW), list(sel.CHAT_ROW_TITLE), list(sel.GROUP_MARKER)],
    )
    return [str(n).strip() for n in names if str(n).strip()]


async def find(page: Page, selectors: sel.Selectors) -> Locator | None:
    """The first selector of the ordered fallbacks that matches something now."""
    for selector in selectors:
        locator = page.locator(selector)
        if await locator.count():
            return locator.first
    return None


async def _type_into(
    page: Page, target: sel.Selectors, text: str, timings: SendTimings, changed: asyncio.Event
) -> None:
    await page.wait_for_selector(", ".join(target), state="visible")
    box = await find(page, target)
    if box is None:
        raise PageChanged
    await box.click()
    for char in text:
        if changed.is_set():
            raise PageChanged  # the page reloaded under our fingers
        # Shift+Enter is a line break; a bare Enter would send half the message.
        if char == "\n":
            await page.keyboard.press("Shift+Enter")
        else:
            await page.keyboard.type(char)
        await asyncio.sleep(_rng.uniform(*timings.typing_delay_ms) / 1000)
    typed = await box.evaluate(_COMPOSER_TEXT_JS, timeout=2000)
    if str(typed).replace("\xa0", " ").strip() != text.strip():
        await box.press("Control+A")
        await box.press("Delete")
        raise PageChanged  # keystrokes were lost (reload, focus stolen): retype


async def _attach(
    page: Page, file: FilePayload, caption: str, timings: SendTimings, changed: asyncio.Event
) -> None:
    button = await find(page, sel.ATTACH_BUTTON)
    if button is None:
        raise PageChanged
    await button.click()
    inputs = (
        sel.FILE_INPUT_MEDIA if file["mimeType"].startswith("image/") else sel.FILE_INPUT_DOCUMENT
    )
    await page.wait_for_selector(", ".join(inputs), state="attached")
    await page.locator(", ".join(inputs)).first.set_input_files(file)
    await page.wait_for_selector(", ".join(sel.MEDIA_CAPTION), state="visible")
    if caption:
        await _type_into(page, sel.MEDIA_CAPTION, caption, timings, changed)


async def _press_send(page: Page, *, attachment: bool) -> None:
    if attachment:
        button = await find(page, sel.MEDIA_SEND_BUTTON)
        if button is None:
            raise PageChanged
        await button.click()
        return
    await page.keyboard.press("Enter")
    # edith (2026-07): Enter right after typing sometimes does nothing; then click Send.
    box = await find(page, sel.COMPOSER)
    if box is not None and str(await box.evaluate(_COMPOSER_TEXT_JS)).strip():
        send_button = await find(page, sel.SEND_BUTTON)
        if send_button is not None:
            await send_button.click()


async def _file_payload(message: OutboundMessage) -> FilePayload | None:
    media = message.media
    if media is None and message.media_path is None:
        return None
    name = (media.filename if media else None) or Path(message.media_path or "file").name
    mimetype = (media.mimetype if media else None) or "application/octet-stream"
    if media is not None and media.base64:
        data = base64.b64decode(media.base64)
    elif message.media_path is not None:
        data = await asyncio.to_thread(Path(message.media_path).read_bytes)
    elif media is not None and media.url:
        async with httpx.AsyncClient(timeout=60) as client:
            response = await client.get(media.url)
            response.raise_for_status()
            data = response.content
    else:
        raise SendError("media without bytes, path or url", transient=False)
    return {"name": name, "mimeType": mimetype, "buffer": data}
