from __future__ import annotations

import asyncio
import base64
import ipaddress
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from tiny_http import Handler, TinyServer, redirect, response, static

from app.media import netguard
from app.media.download import Fetched, fetch_media
from app.media.errors import FetchError, HttpStatusError
from app.media.netguard import IPAddress
from providers.base import MediaRef

CAP = 1_000_000


@pytest.fixture
async def server() -> AsyncIterator[TinyServer]:
    tiny = TinyServer()
    await tiny.start()
    yield tiny
    await tiny.stop()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


async def fetch(
    client: httpx.AsyncClient,
    ref: MediaRef,
    *,
    max_bytes: int = CAP,
    deadline: float = 5.0,
    allow_private: bool = True,
    headers: dict[str, str] | None = None,
) -> Fetched:
    return await fetch_media(
        ref,
        client=client,
        headers=headers or {},
        max_bytes=max_bytes,
        timeout=deadline,
        allow_private=allow_private,
    )


async def fetch_error(client: httpx.AsyncClient, ref: MediaRef, **options: object) -> FetchError:
    with pytest.raises(FetchError) as caught:
        await fetch(client, ref, **options)  # type: ignore[arg-type]
    return caught.value


# -- inline base64 ---------------------------------------------------------------------


async def test_inline_base64_is_decoded_and_sniffed(
    client: httpx.AsyncClient, fixtures: Path
) -> None:
    voice = (fixtures / "nota-de-voz.ogg").read_bytes()
    encoded = base64.b64encode(voice).decode()
    wrapped = "\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    ref = MediaRef(kind="voice", base64=wrapped, mimetype="application/octet-stream")
    fetched = await fetch(client, ref)
    assert fetched.data == voice
    assert fetched.size == len(voice)
    assert fetched.mimetype == "audio/ogg; codecs=opus"


async def test_data_url_in_base64_or_url(client: httpx.AsyncClient, fixtures: Path) -> None:
    jpeg = (fixtures / "comprovante-pix.jpg").read_bytes()
    data_url = "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()
    for ref in (MediaRef(kind="image", base64=data_url), MediaRef(kind="image", url=data_url)):
        fetched = await fetch(client, ref)
        assert fetched.data == jpeg
        assert fetched.mimetype == "image/jpeg"


async def test_inline_too_large_is_refused_before_decoding(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_decode(*_: object, **__: object) -> bytes:
        raise AssertionError("decoded despite the size cap")

    monkeypatch.setattr(base64, "b64decode", no_decode)
    ref = MediaRef(kind="document", base64="QUFB" * 1000)  # 3000 bytes
    assert (await fetch_error(client, ref, max_bytes=2000)).code == "too_large"


@pytest.mark.parametrize(
    ("value", "code"),
    [("not base64 at all!", "bad_base64"), ("", "no_source"), ("data:image/png;base64,", "empty")],
)
async def test_inline_failures(client: httpx.AsyncClient, value: str, code: str) -> None:
    assert (await fetch_error(client, MediaRef(kind="image", base64=value))).code == code


# -- URLs ------------------------------------------------------------------------------


async def test_url_download_follows_redirects(
    client: httpx.AsyncClient, server: TinyServer, fixtures: Path
) -> None:
    pdf = (fixtures / "cobranca-pedido-48213.pdf").read_bytes()
    server.routes["/media/1"] = redirect("/files/cobranca.pdf")
    server.routes["/files/cobranca.pdf"] = static(pdf, "application/octet-stream")
    ref = MediaRef(kind="document", url=server.url("/media/1"))
    fetched = await fetch(client, ref, headers={"apikey": "provider-secret"})
    assert fetched.data == pdf
    assert fetched.mimetype == "application/pdf"
    assert fetched.filename == "cobranca.pdf"
    # Same origin: the provider's credentials follow the redirect.
    assert [hit.headers.get("apikey") for hit in server.hits] == ["provider-secret"] * 2


async def test_content_disposition_names_the_file(
    client: httpx.AsyncClient, server: TinyServer
) -> None:
    disposition = "attachment; filename*=UTF-8''contrato%20fibra.docx"
    server.routes["/m"] = static(b"hello", "text/plain", **{"Content-Disposition": disposition})
    fetched = await fetch(client, MediaRef(kind="document", url=server.url("/m")))
    assert fetched.filename == "contrato fibra.docx"


async def test_declared_content_length_over_the_cap_is_refused_unread(
    client: httpx.AsyncClient, server: TinyServer
) -> None:
    async def huge(writer: object) -> None:
        writer.write(response("200 OK", {"Content-Length": str(CAP * 50)}))  # type: ignore[attr-defined]
        await asyncio.Event().wait()  # never sends the body: reading it would time out

    server.routes["/huge"] = huge
    error = await fetch_error(client, MediaRef(kind="video", url=server.url("/huge")), deadline=30)
    assert error.code == "too_large"


def _endless_chunks() -> Handler:
    async def handler(writer: asyncio.StreamWriter) -> None:
        writer.write(response("200 OK", {"Transfer-Encoding": "chunked"}))
        chunk = b"\x00" * 65536
        while True:  # until the client hangs up
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()

    return handler


async def test_chunked_body_is_cut_at_the_cap(
    client: httpx.AsyncClient, server: TinyServer
) -> None:
    server.routes["/stream"] = _endless_chunks()
    ref = MediaRef(kind="video", url=server.url("/stream"))
    # The body never ends: only the cap, not the 30 s deadline, can end this quickly.
    assert (await fetch_error(client, ref, deadline=30)).code == "too_large"


async def test_lying_content_length_never_lets_more_than_the_cap_in(
    client: httpx.AsyncClient, server: TinyServer
) -> None:
    async def liar(writer: asyncio.StreamWriter) -> None:
        writer.write(response("200 OK", {"Content-Length": "100"}, b"A" * (CAP * 3)))

    server.routes["/liar"] = liar
    fetched = await fetch(client, MediaRef(kind="document", url=server.url("/liar")))
    assert fetched.size == 100


async def test_slow_body_hits_the_overall_timeout(
    client: httpx.AsyncClient, server: TinyServer
) -> None:
    async def drip(writer: asyncio.StreamWriter) -> None:
        writer.write(response("200 OK", {"Content-Length": "1000"}, b"A"))
        await asyncio.Event().wait()

    server.routes["/drip"] = drip
    error = await fetch_error(client, MediaRef(kind="audio", url=server.url("/drip")), deadline=0.3)
    assert error.code == "timeout"
    assert error.transient


async def test_http_errors_carry_the_status(client: httpx.AsyncClient, server: TinyServer) -> None:
    error = await fetch_error(client, MediaRef(kind="audio", url=server.url("/missing")))
    assert isinstance(error, HttpStatusError)
    assert (error.code, error.status, error.transient) == ("http_error", 404, False)


async def test_redirect_loop_is_bounded(client: httpx.AsyncClient, server: TinyServer) -> None:
    server.routes["/loop"] = redirect("/loop")
    error = await fetch_error(client, MediaRef(kind="audio", url=server.url("/loop")))
    assert error.code == "http_error"
    assert len(server.hits) == 6


async def test_empty_body(client: httpx.AsyncClient, server: TinyServer) -> None:
    server.routes["/empty"] = static(b"")
    error = await fetch_error(client, MediaRef(kind="audio", url=server.url("/empty")))
    assert error.code == "empty"


@pytest.mark.parametrize("url", ["ftp://example.com/a.ogg", "file:///etc/passwd", "http://"])
async def test_only_http_urls(client: httpx.AsyncClient, url: str) -> None:
    assert (await fetch_error(client, MediaRef(kind="audio", url=url))).code == "bad_url"


# -- SSRF ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "169.254.169.254",
        "10.1.2.3",
        "192.168.0.10",
        "172.16.5.4",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:169.254.169.254]",
        "[fe80::1]",
        "[fc00::1]",
        "[::]",
        "2130706433",  # 127.0.0.1 written as one number
    ],
)
async def test_private_addresses_are_refused_without_connecting(
    client: httpx.AsyncClient, server: TinyServer, host: str
) -> None:
    url = f"http://{host}:{server.port}/secret"
    error = await fetch_error(client, MediaRef(kind="image", url=url), allow_private=False)
    assert error.code == "forbidden_address"
    assert server.hits == []


def _public_web(seen: list[httpx.Request]) -> httpx.AsyncClient:
    """Public IP literals served by a MockTransport: no DNS, no network."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/to-metadata":
            return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/"})
        if request.url.path == "/to-other-host":
            return httpx.Response(302, headers={"Location": "http://93.184.216.35/file.jpg"})
        return httpx.Response(200, content=b"\xff\xd8\xff\xe0 jpeg")

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


async def test_redirect_to_a_forbidden_address_is_refused() -> None:
    seen: list[httpx.Request] = []
    async with _public_web(seen) as client:
        ref = MediaRef(kind="image", url="http://93.184.216.34/to-metadata")
        error = await fetch_error(client, ref, allow_private=False)
    assert error.code == "forbidden_address"
    assert [str(r.url) for r in seen] == ["http://93.184.216.34/to-metadata"]


async def test_credentials_do_not_follow_a_redirect_to_another_host() -> None:
    seen: list[httpx.Request] = []
    async with _public_web(seen) as client:
        ref = MediaRef(kind="image", url="http://93.184.216.34/to-other-host")
        fetched = await fetch(client, ref, allow_private=False, headers={"apikey": "secret"})
    assert fetched.mimetype == "image/jpeg"
    assert [r.headers.get("apikey") for r in seen] == ["secret", None]
    assert [r.headers["host"] for r in seen] == ["93.184.216.34", "93.184.216.35"]


def _fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> None:
    async def resolve(host: str, port: int, **_: object) -> list[IPAddress]:
        return [ipaddress.ip_address(a) for a in answers[host]]

    monkeypatch.setattr(netguard, "_resolve", resolve)


async def test_http_connects_to_the_address_it_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_dns(monkeypatch, {"media.example.com": ["93.184.216.34"]})
    seen: list[httpx.Request] = []
    async with _public_web(seen) as client:
        ref = MediaRef(kind="image", url="http://media.example.com/file.jpg")
        await fetch(client, ref, allow_private=False)
    # A second DNS answer (rebinding to 127.0.0.1) can no longer change where we connect.
    connected = [(r.url.host, r.headers["host"]) for r in seen]
    assert connected == [("93.184.216.34", "media.example.com")]


async def test_one_private_answer_is_enough_to_refuse(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_dns(monkeypatch, {"media.example.com": ["93.184.216.34", "10.0.0.7"]})
    seen: list[httpx.Request] = []
    async with _public_web(seen) as client:
        ref = MediaRef(kind="image", url="http://media.example.com/file.jpg")
        error = await fetch_error(client, ref, allow_private=False)
    assert error.code == "forbidden_address"
    assert seen == []
