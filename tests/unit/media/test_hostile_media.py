"""Hostile media gets a clear refusal or a stated limit, quickly and in bounded memory:
decompression bombs (image, PDF, DOCX), a 2,000-page PDF, a 3-hour audio, and media URLs
that lead into our own network."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import openai
import pytest
from hostile_samples import (
    gif_declaring,
    jpeg_declaring,
    long_mp3,
    pdf_inflating,
    png_declaring,
    webp_declaring,
)
from media_samples import docx_bomb, long_pdf, wav_format
from openai_server import OpenAIStandin, Reply
from tiny_http import TinyServer, redirect, static

from app.media import documents, netguard
from app.media.download import Fetched, fetch_media
from app.media.errors import ExtractError, FetchError
from app.media.images import image_size
from app.media.llm import RetryPolicy
from app.media.sniff import resolve_mimetype
from app.media.understand import Understanding, understand
from providers.base import MediaKind, MediaRef

MiB = 1 << 20


@pytest.fixture
async def server() -> AsyncIterator[TinyServer]:
    tiny = TinyServer()
    await tiny.start()
    yield tiny
    await tiny.stop()


async def refusal(client: httpx.AsyncClient, url: str) -> FetchError:
    ref = MediaRef(kind="image", url=url)
    with pytest.raises(FetchError) as caught:
        await fetch_media(ref, client=client, max_bytes=MiB, timeout=5.0, allow_private=False)
    return caught.value


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, str]) -> None:
    async def resolve(host: str, port: int, **_: object) -> list[netguard.IPAddress]:
        return [ipaddress.ip_address(answers.get(host, host.strip("[]")))]

    monkeypatch.setattr(netguard, "_resolve", resolve)


async def run(llm: openai.AsyncOpenAI, data: bytes, kind: MediaKind) -> Understanding:
    media = Fetched(data=data, mimetype=resolve_mimetype(data, None), filename=None, size=len(data))
    retry = RetryPolicy(attempts=1, base_delay=0.01, max_delay=0.02, timeout=5.0)
    return await understand(
        media, kind, llm=llm, transcription_model="stt", vision_model="vision", retry=retry
    )


@pytest.mark.parametrize(
    ("data", "size"),
    [
        (png_declaring(640, 400), (640, 400)),
        (gif_declaring(320, 200), (320, 200)),
        (jpeg_declaring(1080, 1350), (1080, 1350)),
        (webp_declaring(2000, 1000), (2000, 1000)),
        (b"\xff\xd8\xff\xe0 truncated", None),
        (b"not an image", None),
    ],
)
def test_image_size_comes_from_the_header(data: bytes, size: tuple[int, int] | None) -> None:
    assert image_size(data) == size


def test_a_real_photo_has_its_size_read(fixtures: Path) -> None:
    assert image_size((fixtures / "comprovante-pix.jpg").read_bytes()) is not None


@pytest.mark.parametrize(
    "bomb",
    [png_declaring(100_000, 100_000), jpeg_declaring(65_535, 65_535), webp_declaring(2**24, 2**24)],
    ids=["png", "jpeg", "webp"],
)
async def test_an_image_bomb_never_reaches_the_model(
    standin: OpenAIStandin, llm: openai.AsyncOpenAI, bomb: bytes
) -> None:
    result = await run(llm, bomb, "image")
    assert (result.error, result.route, result.retryable) == ("bomb", "image", False)
    assert "pixels" in (result.detail or "")
    assert standin.requests() == []


async def test_a_pdf_bomb_is_refused_at_once(
    llm: openai.AsyncOpenAI, fixtures: Path, standin: OpenAIStandin
) -> None:
    # 64 MB of text stream in a ~70 KB file: pypdf alone would inflate (and cache) it.
    bomb = pdf_inflating((fixtures / "cobranca-pedido-48213.pdf").read_bytes(), 64 * MiB, 1)
    assert len(bomb) < 200_000
    started = time.monotonic()
    result = await run(llm, bomb, "document")
    assert (result.error, result.route) == ("bomb", "pdf")
    assert time.monotonic() - started < 2
    assert standin.requests() == []


async def test_pdf_pages_under_the_stream_cap_stop_at_the_content_budget(
    fixtures: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each page inflates below the per-stream cap; together they are past the budget.
    monkeypatch.setattr(documents, "PDF_CONTENT_BYTES", 2 * MiB)
    heavy = pdf_inflating((fixtures / "cobranca-pedido-48213.pdf").read_bytes(), MiB, 20)
    document = await documents.pdf_text(heavy)
    assert document.pages == 20 and document.truncated
    assert document.pages_read == 2  # past 2 MB after the second: no third page
    assert "bomba" in document.text


async def test_a_slow_pdf_returns_what_it_read_by_its_deadline(
    fixtures: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A clock that jumps 10 s a reading: past the deadline after the first page.
    ticks = iter(range(0, 10_000, 10))
    monkeypatch.setattr(documents, "monotonic", lambda: float(next(ticks)))
    data = long_pdf((fixtures / "cobranca-pedido-48213.pdf").read_bytes(), pages=12)
    document = await documents.pdf_text(data, timeout=5.0)
    assert (document.pages, document.pages_read, document.truncated) == (12, 1, True)
    assert "Pedido 48213" in document.text


async def test_a_2000_page_pdf_is_read_to_its_page_cap(
    llm: openai.AsyncOpenAI, fixtures: Path
) -> None:
    data = long_pdf((fixtures / "cobranca-pedido-48213.pdf").read_bytes(), pages=2000)
    started = time.monotonic()
    result = await run(llm, data, "document")
    assert result.ok and result.truncated
    assert result.detail == "read 50 of 2000 pages"
    assert time.monotonic() - started < 5


async def test_a_docx_bomb_is_refused_without_inflating_it(llm: openai.AsyncOpenAI) -> None:
    result = await run(llm, docx_bomb(40 * MiB), "document")  # 40 MB of XML in 40 KB
    assert (result.error, result.route) == ("bomb", "docx")


async def test_a_three_hour_audio_is_transcribed_up_to_the_cap(
    standin: OpenAIStandin, llm: openai.AsyncOpenAI, tmp_path: Path
) -> None:
    audio = long_mp3(tmp_path, hours=3)
    standin.queue("transcription", Reply(text="tom"))
    started = time.monotonic()
    result = await run(llm, audio, "audio")
    assert result.ok and result.truncated
    assert result.detail == "only the first 600 s were transcribed"
    assert time.monotonic() - started < 10
    seconds = wav_format(standin.last("transcription").files["file"].data)[3]
    assert seconds == pytest.approx(600, abs=0.5)  # 19 MB: under the 25 MB of STT uploads


def test_extract_errors_name_the_bomb() -> None:
    assert ExtractError("bomb", "x").code == "bomb"


# -- media URLs into our own network --------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "127.1",
        "0x7f000001",
        "017700000001",
        "[::ffff:7f00:1]",
        "[::127.0.0.1]",
        "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
        "[2002:7f00:1::]",  # 6to4 of 127.0.0.1
        "[::ffff:a9fe:a9fe]",  # 169.254.169.254
        "[fd00:ec2::254]",  # the AWS metadata service over IPv6
        "100.100.100.200",  # Alibaba Cloud's metadata service
        "169.254.170.2",  # ECS task credentials
    ],
)
async def test_more_spellings_of_our_network_are_refused(server: TinyServer, host: str) -> None:
    async with httpx.AsyncClient() as client:
        error = await refusal(client, f"http://{host}:{server.port}/latest/meta-data/")
    assert error.code == "forbidden_address"
    assert server.hits == []


async def test_a_name_that_resolves_to_the_metadata_service_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_dns(monkeypatch, {"cdn.example.com": "169.254.169.254"})
    async with httpx.AsyncClient() as client:
        error = await refusal(client, "http://cdn.example.com/latest/meta-data/")
    assert error.code == "forbidden_address"


@pytest.mark.parametrize(
    "target",
    ["http://127.0.0.1:{port}/secret", "http://[::1]:{port}/secret",
     "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://localhost:{port}/"],
)  # fmt: skip
async def test_redirects_into_our_network_are_refused(
    server: TinyServer, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    # The public hop is our tiny server posing as a public address; the hop it redirects
    # to is checked before any connection is made.
    server.routes["/file.jpg"] = redirect(target.format(port=server.port))
    server.routes["/secret"] = static(b"\xff\xd8\xff\xe0 internal")
    fake_dns(monkeypatch, {"media.example.com": "93.184.216.34", "localhost": "127.0.0.1"})
    transport = httpx.AsyncHTTPTransport()

    async def to_tiny(request: httpx.Request) -> httpx.Response:
        rewritten = request.url.copy_with(host="127.0.0.1", port=server.port)
        return await transport.handle_async_request(
            httpx.Request(request.method, rewritten, headers=request.headers)
        )

    async with httpx.AsyncClient(transport=httpx.MockTransport(to_tiny)) as client:
        error = await refusal(client, "http://media.example.com/file.jpg")
    assert error.code == "forbidden_address"
    assert [hit.path for hit in server.hits] == ["/file.jpg"]
