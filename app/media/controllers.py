"""Stored media (what the media job downloaded, or what a client uploaded to send):
``content.media.url`` of a message points here. Keys begin with the organization's id,
so the tenant check is on the key itself; another organization's key answers 404 like
a missing one."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass

from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, MultipartBody
from litestar.response import Stream

from app.deps import Caller, Shared
from app.errors import NotFound, PayloadTooLarge, ValidationFailed
from app.media.errors import StorageError
from app.media.sniff import resolve_mimetype
from app.schemas import Camel

# The media job's own limit for what it downloads (BALCAO_MEDIA_MAX_BYTES' default),
# and WhatsApp's for documents.
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
_MIMETYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")

# Types a browser would run as a page if opened directly; served as downloads instead.
_ACTIVE = frozenset({"text/html", "image/svg+xml", "application/xhtml+xml", "text/xml"})


@dataclass
class MediaUpload:
    file: UploadFile | None = None


class StoredMedia(Camel):
    media_key: str
    url: str
    mime_type: str
    size: int


class MediaController(Controller):
    path = "/api/v1/media"
    tags = ["media"]

    @post("/", request_max_body_size=MAX_UPLOAD_BYTES + 64 * 1024)
    async def upload_media(
        self, app_state: Shared, principal: Caller, data: MultipartBody[MediaUpload]
    ) -> StoredMedia:
        """Store a file (multipart ``file``) to send later: its type is read from the
        bytes (a declared type only refines it), as for downloaded media."""
        if data.file is None:
            raise ValidationFailed("Send the file as the `file` field.", field="file")
        raw = await data.file.read()
        if not raw:
            raise ValidationFailed("The file is empty.", code="empty_file", field="file")
        if len(raw) > MAX_UPLOAD_BYTES:
            raise PayloadTooLarge(
                f"The file is over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.",
                code="file_too_large",
                maxBytes=MAX_UPLOAD_BYTES,
            )
        declared = (data.file.content_type or "").split(";", 1)[0].strip().lower()
        mimetype = resolve_mimetype(raw, declared if _MIMETYPE.match(declared) else None)
        storage = app_state.media_storage
        try:
            key = await storage.put(str(principal.organization_id), raw, mimetype=mimetype)
        except StorageError:  # a declared type whose extension cannot be part of a key
            mimetype = "application/octet-stream"
            key = await storage.put(str(principal.organization_id), raw, mimetype=mimetype)
        return StoredMedia(media_key=key, url=storage.url(key), mime_type=mimetype, size=len(raw))

    @get("/{key:path}")
    async def get_media(self, app_state: Shared, principal: Caller, key: FromPath[str]) -> Stream:
        """The bytes of a stored file (``content.media.url`` of a message)."""
        key = key.lstrip("/")
        storage = app_state.media_storage
        if not key.startswith(f"{principal.organization_id}/"):
            raise NotFound("No such media.")
        try:
            path = storage.local_path(key)
        except StorageError:
            raise NotFound("No such media.") from None
        if path is None or not path.is_file():
            raise NotFound("No such media.")
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        disposition = "inline"
        if mimetype in _ACTIVE:
            mimetype, disposition = "application/octet-stream", "attachment"
        return Stream(
            storage.stream(key),
            media_type=mimetype,
            headers={
                "Content-Length": str(path.stat().st_size),
                "Content-Disposition": f'{disposition}; filename="{path.name}"',
                "Cache-Control": "private, max-age=86400",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "sandbox",
            },
        )
