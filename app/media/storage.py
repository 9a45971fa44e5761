"""Where media bytes live once fetched. :class:`MediaStorage` is the seam; the local disk
implementation is the default, and an S3-compatible one can follow with the same keys.

Keys look like ``<org>/<yyyy>/<mm>/<uuid>.<ext>``: tenant first, so deleting or exporting
one organization's media is a prefix operation on any backend.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol, runtime_checkable

from app.media.errors import StorageError
from app.media.sniff import extension_for

DEFAULT_ROOT_ENV = "BALCAO_MEDIA_DIR"
DEFAULT_ROOT = "./data/media"
_SEGMENT = re.compile(r"[A-Za-z0-9_-]{1,64}")
_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}/\d{4}/\d{2}/[0-9a-f]{32}\.[a-z0-9]{1,8}")


@runtime_checkable
class MediaStorage(Protocol):
    async def put(
        self, org_id: str, data: bytes, *, mimetype: str | None, now: dt.datetime | None = None
    ) -> str:
        """Store ``data`` under a new key and return the key."""
        ...

    async def read(self, key: str) -> bytes: ...

    def stream(self, key: str, *, chunk_size: int = 65536) -> AsyncIterator[bytes]:
        """The stored bytes in chunks, for serving large files without loading them."""
        ...

    def local_path(self, key: str) -> Path | None:
        """A file ffmpeg can open directly, or None when the bytes are remote."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error (jobs re-run)."""
        ...

    def url(self, key: str) -> str:
        """Where API clients download the object (an API route or a presigned link)."""
        ...


def new_key(org_id: str, mimetype: str | None, now: dt.datetime | None = None) -> str:
    if not _SEGMENT.fullmatch(org_id):
        raise StorageError("bad_key", f"organization id not usable in a key: {org_id!r}")
    when = now or dt.datetime.now(dt.UTC)
    return f"{org_id}/{when:%Y}/{when:%m}/{uuid.uuid4().hex}.{extension_for(mimetype)}"


def check_key(key: str) -> str:
    """Refuse anything but keys we mint: no ``..``, no absolute paths, no odd characters."""
    if not _KEY.fullmatch(key):
        raise StorageError("bad_key", f"not a media key: {key!r}")
    return key


class LocalMediaStorage:
    """Files under ``root``; writes are atomic (temp file + fsync + rename), so a reader
    never sees half a file even if the worker dies mid-write."""

    def __init__(
        self, root: str | os.PathLike[str] | None = None, *, base_url: str = "/api/v1/media"
    ) -> None:
        self.root = Path(root or os.environ.get(DEFAULT_ROOT_ENV) or DEFAULT_ROOT).resolve()
        self.base_url = base_url.rstrip("/")

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        # The key pattern already forbids traversal; this guards against symlinks inside root.
        if not path.is_relative_to(self.root):
            raise StorageError("bad_key", f"key escapes the media root: {key!r}")
        return path

    async def put(
        self, org_id: str, data: bytes, *, mimetype: str | None, now: dt.datetime | None = None
    ) -> str:
        key = new_key(org_id, mimetype, now)
        await asyncio.to_thread(_write_atomic, self._path(key), data)
        return key

    async def read(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise StorageError("not_found", key) from None

    async def stream(self, key: str, *, chunk_size: int = 65536) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise StorageError("not_found", key) from None
        try:
            while chunk := await asyncio.to_thread(handle.read, chunk_size):
                yield chunk
        finally:
            handle.close()

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    def url(self, key: str) -> str:
        return f"{self.base_url}/{check_key(key)}"


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
