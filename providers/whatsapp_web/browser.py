"""Launching Chromium with a persistent profile, the way WhatsApp Web tolerates it."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

from playwright.async_api import BrowserContext, Playwright

# Root has no sandbox here; background networking/component updates would phone home.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # whatsapp-web.js passes this too: navigator.webdriver=true is an automation tell.
    "--disable-blink-features=AutomationControlled",
)

# Headless Chromium says "HeadlessChrome", which WA answers with its unsupported-browser
# page; present a regular desktop Chrome instead.
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


def default_chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


async def launch_profile(
    playwright: Playwright, profile_dir: Path, chromium_path: str | None, *, headless: bool
) -> BrowserContext:
    await asyncio.to_thread(profile_dir.mkdir, parents=True, exist_ok=True)
    return await playwright.chromium.launch_persistent_context(
        str(profile_dir),
        executable_path=chromium_path or default_chromium_path(),
        headless=headless,
        args=list(CHROMIUM_ARGS),
        user_agent=USER_AGENT,
        viewport={"width": 1280, "height": 800},
        locale="pt-BR",
    )
