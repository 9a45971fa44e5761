"""Stored media (what the media job downloaded): ``content.media.url`` of a message
points here. Keys begin with the organization's id, so the tenant check is on the key
itself; another organization's key answers 404 like a missing one."""

from __future__ import annotations

import mimetypes

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Stream

from app.deps import Caller, Shared
from app.errors import NotFound
from app.media.errors import StorageError

# Types a browser would run as a page if opened directly; served as downloads instead.
_ACTIVE = frozenset({"text/html", "image/svg+xml", "application/xhtml+xml", "text/xml"})


class MediaController(Controller):
    path = "/api/v1/media"
    tags = ["media"]

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
