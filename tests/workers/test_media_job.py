"""process_media through real workers: real ffmpeg, the OpenAI stand-in through the
real SDK, local HTTP servers for provider media, and the turn that waits for it all."""

from __future__ import annotations

import base64
import io
import json
import uuid
import wave
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from arq.connections import ArqRedis
from factories import Media, World, add_message, make_world
from openai_server import OpenAIStandin, Reply
from sqlalchemy.ext.asyncio import AsyncEngine
from tiny_http import TinyServer, static
from worker_harness import MEDIA, Workers

from app.config import Settings
from app.db import models as m
from app.db.enums import ProviderKind

EXPECTED: dict[str, Any] = json.loads((MEDIA / "expected.json").read_text("utf-8"))


@pytest.fixture
async def files() -> AsyncIterator[TinyServer]:
    server = TinyServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def message(engine: AsyncEngine, message_id: uuid.UUID) -> m.Message:
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(m.Message).where(m.Message.id == message_id))).one()
    return m.Message(**row._asdict())


async def the_turn(engine: AsyncEngine, world: World) -> m.Turn:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(sa.select(m.Turn).where(m.Turn.session_id == world.session_id))
        ).all()
    assert len(rows) == 1
    return m.Turn(**rows[0]._asdict())


async def inline_left(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(m.InboundMedia)) or 0)


async def test_a_voice_note_is_converted_transcribed_and_reaches_the_turn(
    engine: AsyncEngine, arq: ArqRedis, workers: Workers, standin: OpenAIStandin, settings: Settings
) -> None:
    world = await make_world(engine, llm_base_url=standin.base_url)
    standin.queue("transcription", Reply(text="Meu pedido 48213 ainda não chegou."))
    await add_message(engine, arq, world, text="oi")
    voice = await add_message(
        engine,
        arq,
        world,
        media=Media(
            kind="voice",
            data=(MEDIA / "nota-de-voz.ogg").read_bytes(),
            mimetype="audio/ogg; codecs=opus",
        ),
    )
    await workers.run()

    request = standin.last("transcription")
    assert request.form["model"] == "standin-transcribe"
    assert request.headers["authorization"] == "Bearer sk-org-secret"
    with wave.open(io.BytesIO(request.files["file"].data)) as wav:
        assert (wav.getframerate(), wav.getnchannels()) == (16000, 1)
        assert 8.0 < wav.getnframes() / 16000 < 9.5  # the whole note was sent
    row = await message(engine, voice)
    assert row.transcription == "Meu pedido 48213 ainda não chegou."
    assert row.transcription_error is None and row.media_error is None
    media = row.content["media"]
    assert media["url"] == f"/api/v1/media/{row.media_key}"
    assert (media["type"], media["mimeType"], media["extension"]) == ("audio", "audio/ogg", "ogg")
    assert media["duration"] == 9
    assert row.media_key is not None
    stored = settings.media_dir / row.media_key
    assert stored.read_bytes() == (MEDIA / "nota-de-voz.ogg").read_bytes()
    assert await inline_left(engine) == 0
    turn = await the_turn(engine, world)
    assert turn.merged_text == "oi\n[áudio] Meu pedido 48213 ainda não chegou."


async def test_an_image_from_the_provider_url_is_described_for_the_turn(
    engine: AsyncEngine, arq: ArqRedis, workers: Workers, standin: OpenAIStandin, files: TinyServer
) -> None:
    jpeg = (MEDIA / "comprovante-pix.jpg").read_bytes()
    files.routes["/media/pix"] = static(jpeg, "image/jpeg")
    world = await make_world(
        engine,
        llm_base_url=standin.base_url,
        provider=ProviderKind.WAHA,
        config={"baseUrl": "http://waha", "apiKey": "waha-key"},
    )
    standin.queue("chat", Reply(text="Comprovante Pix: R$ 189,90 para Loja Exemplo LTDA"))
    await add_message(
        engine,
        arq,
        world,
        text="segue o comprovante",
        media=Media(kind="image", url=files.url("/media/pix"), mimetype="image/jpeg"),
    )
    await workers.run()

    assert files.hits[0].headers["x-api-key"] == "waha-key"
    chat = standin.last("chat").json
    assert chat["model"] == "standin-vision"
    image = chat["messages"][0]["content"][1]["image_url"]["url"]
    assert base64.b64decode(image.removeprefix("data:image/jpeg;base64,")) == jpeg
    turn = await the_turn(engine, world)
    assert turn.merged_text == (
        "segue o comprovante\n[imagem] Comprovante Pix: R$ 189,90 para Loja Exemplo LTDA"
    )


async def test_a_meta_media_id_is_resolved_through_the_graph_api(
    engine: AsyncEngine, arq: ArqRedis, workers: Workers, files: TinyServer
) -> None:
    pdf = (MEDIA / "cobranca-pedido-48213.pdf").read_bytes()
    files.routes["/v23.0/wamid-media-1"] = static(
        json.dumps({"url": files.url("/lookaside/1")}).encode(), "application/json"
    )
    files.routes["/lookaside/1"] = static(pdf, "application/pdf")
    world = await make_world(
        engine,
        provider=ProviderKind.META,
        config={"accessToken": "meta-token", "graphBaseUrl": files.url("")},
    )
    doc = await add_message(
        engine,
        arq,
        world,
        media=Media(kind="document", media_id="wamid-media-1", filename="cobranca.pdf"),
    )
    await workers.run()

    assert [hit.path for hit in files.hits] == ["/v23.0/wamid-media-1", "/lookaside/1"]
    assert {hit.headers["authorization"] for hit in files.hits} == {"Bearer meta-token"}
    row = await message(engine, doc)
    assert row.content["media"]["mimeType"] == "application/pdf"
    turn = await the_turn(engine, world)
    assert turn.merged_text is not None
    assert turn.merged_text.startswith("[documento cobranca.pdf] ")
    for needle in EXPECTED["cobranca-pedido-48213.pdf"]["must_contain"]:
        assert needle in turn.merged_text


async def test_documents_are_read_and_audio_is_flagged_without_an_llm(
    engine: AsyncEngine, arq: ArqRedis, workers: Workers, standin: OpenAIStandin
) -> None:
    world = await make_world(engine)  # no ai_settings, no BALCAO_LLM_* defaults
    docx = await add_message(
        engine,
        arq,
        world,
        media=Media(
            kind="document",
            data=(MEDIA / "contrato-fibra.docx").read_bytes(),
            filename="contrato.docx",
        ),
    )
    audio = await add_message(
        engine,
        arq,
        world,
        media=Media(kind="audio", data=(MEDIA / "audio-encaminhado.mp3").read_bytes()),
    )
    await workers.run()

    assert standin.requests() == []
    assert (await message(engine, audio)).transcription_error == "ai_not_configured"
    assert (await message(engine, audio)).media_key is not None  # stored all the same
    text = (await message(engine, docx)).transcription
    assert text is not None
    turn = await the_turn(engine, world)
    assert turn.merged_text is not None
    for needle in EXPECTED["contrato-fibra.docx"]["must_contain"]:
        assert needle in turn.merged_text
    assert turn.merged_text.endswith("[áudio não pôde ser transcrito: IA não configurada]")


async def test_a_failing_transcription_is_retried_then_stored_and_the_turn_says_so(
    engine: AsyncEngine, arq: ArqRedis, workers: Workers, standin: OpenAIStandin
) -> None:
    world = await make_world(engine, llm_base_url=standin.base_url)
    # Two calls per run (media_llm_attempts) and two runs (media_max_tries): four 500s.
    standin.queue("transcription", *[Reply.failure(500)] * 4)
    voice = await add_message(
        engine, arq, world, media=Media(kind="voice", data=(MEDIA / "nota-de-voz.ogg").read_bytes())
    )
    await workers.run()

    assert len(standin.requests("transcription")) == 4
    assert (await message(engine, voice)).transcription_error == "llm_unavailable"
    turn = await the_turn(engine, world)
    assert turn.merged_text == "[áudio não pôde ser transcrito: serviço de IA indisponível]"


async def test_a_slow_transcription_does_not_hold_the_turn(
    engine: AsyncEngine, arq: ArqRedis, workers: Workers, standin: OpenAIStandin
) -> None:
    world = await make_world(engine, llm_base_url=standin.base_url)
    workers.with_config(
        merge_media_wait=0.5, media_llm_timeout=1.5, media_llm_attempts=1, media_max_tries=1
    )
    standin.queue("transcription", Reply.stall(5))
    voice = await add_message(
        engine, arq, world, media=Media(kind="voice", data=(MEDIA / "nota-de-voz.ogg").read_bytes())
    )
    await add_message(engine, arq, world, text="alô?")
    await workers.run()

    turn = await the_turn(engine, world)
    assert turn.ready_at is not None
    # Ready when the media wait ran out, not when the model finally gave up.
    waited = (turn.ready_at - turn.deadline_at).total_seconds()
    assert 0.4 < waited < 1.2
    assert turn.merged_text == "[áudio não pôde ser transcrito: timeout]\nalô?"
    assert (await message(engine, voice)).transcription_error == "llm_timeout"


async def test_corrupt_empty_and_oversized_media_are_reported_not_fatal(
    engine: AsyncEngine, arq: ArqRedis, workers: Workers, standin: OpenAIStandin
) -> None:
    world = await make_world(engine, llm_base_url=standin.base_url)
    workers.with_config(media_max_bytes=10_000)
    corrupt = await add_message(
        engine, arq, world, media=Media(kind="voice", data=b"OggS" + bytes(range(256)) * 20)
    )
    empty = await add_message(engine, arq, world, media=Media(kind="image", data=b""))
    big = await add_message(
        engine,
        arq,
        world,
        media=Media(kind="image", data=(MEDIA / "comprovante-pix.jpg").read_bytes()),
    )
    await workers.run()

    assert (await message(engine, corrupt)).transcription_error == "corrupt"
    assert (await message(engine, empty)).media_error == "empty"
    assert (await message(engine, big)).media_error == "too_large"
    assert (await message(engine, big)).content["media"]["url"] is None
    assert await inline_left(engine) == 0
    assert standin.requests() == []
    turn = await the_turn(engine, world)
    assert turn.merged_text == (
        "[áudio não pôde ser transcrito: arquivo corrompido]\n"
        "[imagem não pôde ser lida: arquivo vazio]\n"
        "[imagem não pôde ser lida: arquivo grande demais]"
    )


async def test_processing_a_message_twice_does_the_work_once(
    engine: AsyncEngine, arq: ArqRedis, workers: Workers, standin: OpenAIStandin, settings: Settings
) -> None:
    world = await make_world(engine, llm_base_url=standin.base_url)
    voice = await add_message(
        engine,
        None,
        world,
        media=Media(kind="voice", data=(MEDIA / "nota-de-voz.ogg").read_bytes()),
    )
    for _ in range(3):  # a relay re-send and a duplicate, each with its own job id
        await arq.enqueue_job("process_media", str(voice))
    await workers.run(count=2)
    await arq.enqueue_job("process_media", str(voice))
    await workers.run()

    assert len(standin.requests("transcription")) == 1
    assert len([p for p in settings.media_dir.rglob("*") if p.is_file()]) == 1
    assert (await message(engine, voice)).transcription == standin.transcription_text


async def test_private_addresses_are_refused_unless_allowed(
    engine: AsyncEngine, arq: ArqRedis, workers: Workers, files: TinyServer
) -> None:
    files.routes["/internal"] = static(b"%PDF-1.4 secret", "application/pdf")
    world = await make_world(engine)
    workers.with_config(media_allow_private=False)
    doc = await add_message(
        engine, arq, world, media=Media(kind="document", url=files.url("/internal"))
    )
    await workers.run()

    assert files.hits == []
    assert (await message(engine, doc)).media_error == "forbidden_address"
    turn = await the_turn(engine, world)
    assert turn.merged_text == "[documento não pôde ser lido: download recusado]"


async def test_a_video_is_transcribed_and_its_frames_described(
    engine: AsyncEngine, arq: ArqRedis, workers: Workers, standin: OpenAIStandin
) -> None:
    world = await make_world(engine, llm_base_url=standin.base_url)
    standin.queue("transcription", Reply(text="Meu pedido ainda não chegou."))
    standin.queue("chat", Reply(text="Um comprovante Pix de R$ 189,90."))
    video = await add_message(
        engine,
        arq,
        world,
        media=Media(kind="video", data=(MEDIA / "video-pedido.mp4").read_bytes()),
    )
    await workers.run()

    frames = standin.last("chat").json["messages"][0]["content"][1:]
    assert frames and all(f["image_url"]["url"].startswith("data:image/jpeg") for f in frames)
    row = await message(engine, video)
    assert row.content["media"]["type"] == "video" and row.content["media"]["duration"] > 0
    turn = await the_turn(engine, world)
    assert turn.merged_text == (
        "[vídeo] Áudio do vídeo: Meu pedido ainda não chegou.\n\n"
        "Imagens do vídeo: Um comprovante Pix de R$ 189,90."
    )
