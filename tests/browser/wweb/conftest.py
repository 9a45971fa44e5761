"""Browser tests: a real headless Chromium driven by WhatsAppWebSession against the
look-alike page, one look-alike server per test module."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers.whatsapp_web.driver import WhatsAppWebSession
from providers.whatsapp_web.lookalike import LookalikeServer
from providers.whatsapp_web.lookalike.testing import (
    FAST_LOOKALIKE,
    FAST_TIMINGS,
    NO_LIMITS,
    WAIT_S,
    Recorder,
    SessionFactory,
    scan_and_connect,
)


@pytest.fixture(scope="module")
async def lookalike() -> AsyncIterator[LookalikeServer]:
    async with LookalikeServer(FAST_LOOKALIKE) as server:
        yield server


@pytest.fixture
async def control(lookalike: LookalikeServer) -> AsyncIterator[httpx.AsyncClient]:
    lookalike.state.reset()
    async with httpx.AsyncClient(base_url=lookalike.base_url, timeout=WAIT_S) as client:
        yield client


@pytest.fixture
async def make_session(lookalike: LookalikeServer, tmp_path: Path) -> AsyncIterator[SessionFactory]:
    started: list[WhatsAppWebSession] = []

    async def make(profile: str = "profile", **kwargs: Any) -> tuple[WhatsAppWebSession, Recorder]:
        recorder = Recorder()
        session = WhatsAppWebSession(
            "conn-1",
            lookalike.base_url,
            tmp_path / profile,
            None,
            recorder.callbacks,
            timings=kwargs.pop("timings", FAST_TIMINGS),
            limits=kwargs.pop("limits", NO_LIMITS),
        )
        started.append(session)
        await session.start()
        return session, recorder

    yield make
    for session in started:
        if not session._stopping:
            await session.stop()


@pytest.fixture
async def connected(
    make_session: SessionFactory, control: httpx.AsyncClient
) -> tuple[WhatsAppWebSession, Recorder]:
    session, recorder = await make_session()
    await scan_and_connect(control, session, recorder)
    return session, recorder
