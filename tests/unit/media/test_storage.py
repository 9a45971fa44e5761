from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from app.media.errors import StorageError
from app.media.storage import LocalMediaStorage, MediaStorage

WHEN = dt.datetime(2026, 11, 22, 10, 42, tzinfo=dt.UTC)


async def test_put_read_stream_delete(tmp_path: Path) -> None:
    storage = LocalMediaStorage(tmp_path)
    assert isinstance(storage, MediaStorage)
    key = await storage.put("org_1", b"%PDF-1.7 ...", mimetype="application/pdf", now=WHEN)
    assert re.fullmatch(r"org_1/2026/11/[0-9a-f]{32}\.pdf", key)
    assert await storage.read(key) == b"%PDF-1.7 ..."
    assert b"".join([chunk async for chunk in storage.stream(key, chunk_size=3)]) == b"%PDF-1.7 ..."
    path = storage.local_path(key)
    assert path is not None and path.read_bytes() == b"%PDF-1.7 ..."
    assert storage.url(key) == f"/api/v1/media/{key}"
    await storage.delete(key)
    await storage.delete(key)  # a re-run job deletes again without failing
    with pytest.raises(StorageError) as caught:
        await storage.read(key)
    assert caught.value.code == "not_found"


async def test_writes_leave_no_temp_files(tmp_path: Path) -> None:
    storage = LocalMediaStorage(tmp_path)
    key = await storage.put("org", b"x" * 100_000, mimetype="audio/ogg", now=WHEN)
    assert _files(tmp_path) == [key.rsplit("/", 1)[1]]


def _files(root: Path) -> list[str]:
    return [path.name for path in root.rglob("*") if path.is_file()]


def test_root_defaults_to_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BALCAO_MEDIA_DIR", str(tmp_path / "media"))
    assert LocalMediaStorage().root == (tmp_path / "media").resolve()


@pytest.mark.parametrize(
    "key",
    [
        "../etc/passwd",
        "org/2026/11/../../../../etc/passwd",
        "/etc/passwd",
        "org/2026/11/" + "a" * 32 + ".pdf/../x",
        "org\\2026\\11\\x.pdf",
        "",
    ],
)
async def test_path_traversal_is_refused(tmp_path: Path, key: str) -> None:
    storage = LocalMediaStorage(tmp_path)
    for call in (storage.read(key), storage.delete(key)):
        with pytest.raises(StorageError) as caught:
            await call
        assert caught.value.code == "bad_key"
    with pytest.raises(StorageError):
        storage.local_path(key)


async def test_organization_id_must_be_a_plain_segment(tmp_path: Path) -> None:
    with pytest.raises(StorageError) as caught:
        await LocalMediaStorage(tmp_path).put("../other", b"x", mimetype=None)
    assert caught.value.code == "bad_key"
