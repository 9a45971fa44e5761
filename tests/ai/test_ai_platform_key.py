"""The key rule of the one LLM seam: an organization whose AI settings point at the
platform's own endpoint (``BALCAO_LLM_BASE_URL``) without a key of its own is sent the
platform's key (``BALCAO_LLM_API_KEY``) by every path that calls a model — the settings
test, speech-to-text, vision and the responder — checked on the requests the OpenAI
stand-in received."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import msgspec
import pytest
from ai_harness import World, run_platform_worker
from standins.openai_server import OpenAIStandin

from app.config import Settings

MEDIA = Path(__file__).resolve().parents[1] / "fixtures" / "media"
PLATFORM_KEY = "sk-platform-key"


@pytest.fixture
def crm_listening() -> bool:
    """No webhook subscription: run_platform_worker's real workers would POST its
    deliveries and leave their retries queued."""
    return False


@pytest.fixture
def settings(settings: Settings, llm_api: OpenAIStandin) -> Settings:
    return msgspec.structs.replace(
        settings, llm_base_url=llm_api.base_url, llm_api_key=PLATFORM_KEY, llm_model="standin-chat"
    )


async def _outbox_drained(world: World) -> None:
    """The api enqueues a request's jobs just after answering it; wait for that."""
    for _ in range(500):
        if not await world.db.val("SELECT count(*) FROM outbox"):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the outbox was not flushed")


async def _media_event(world: World, kind: str, file: str, mimetype: str) -> None:
    data = base64.b64encode((MEDIA / file).read_bytes()).decode("ascii")
    await world.post_event(
        {
            "event": "message",
            "messageId": f"in-{kind}",
            "from": "5511987654321",
            "name": "Maria Souza",
            "type": kind,
            "media": {"base64": data, "mimetype": mimetype},
        }
    )


async def test_the_platform_url_without_an_own_key_gets_the_platform_key_everywhere(
    world: World,
) -> None:
    await world.configure_llm(
        apiKey=None, visionModel="standin-vision", transcriptionModel="standin-transcribe"
    )
    headers = world.org.headers
    settings = (await world.client.get("/api/v1/ai/settings", headers=headers)).json()
    assert (settings["source"], settings["apiKeySet"]) == ("organization", True)

    test = (await world.client.post("/api/v1/ai/settings/test", headers=headers)).json()
    assert (test["ok"], test["code"]) == (True, "ok")

    await _media_event(world, "audio", "nota-de-voz.ogg", "audio/ogg; codecs=opus")
    await _media_event(world, "image", "comprovante-pix.jpg", "image/jpeg")
    await _outbox_drained(world)
    await run_platform_worker(world.settings)

    transcriptions = world.llm.requests("transcription")
    chats = world.llm.requests("chat")
    # The settings test's probe (half a second of silence) and the voice note. The
    # stand-in lists no "standin-vision", so the test's vision check made no call.
    assert len(transcriptions) == 2
    # The settings test's tiny completion, the image description, the responder's turn.
    assert sorted(r.json["model"] for r in chats) == [
        "standin-chat",
        "standin-chat",
        "standin-vision",
    ]
    wrong = [
        (r.endpoint, (r.json or r.form or {}).get("model"), r.headers.get("authorization"))
        for r in [*world.llm.requests("models"), *transcriptions, *chats]
        if r.headers.get("authorization") != f"Bearer {PLATFORM_KEY}"
    ]
    assert wrong == [], wrong
    assert world.sent_texts() == [world.llm.chat_text]
