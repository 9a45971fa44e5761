"""What every browser test shares: one headless Chromium per test module, driven by
Playwright with the flags this machine's closed network needs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright

from providers.whatsapp_web.browser import CHROMIUM_ARGS, default_chromium_path


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=default_chromium_path(), args=list(CHROMIUM_ARGS), headless=True
        )
        yield launched
        await launched.close()
