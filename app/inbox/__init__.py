"""The agent inbox (UI): pages, fragments and live updates, served by the api."""

from __future__ import annotations

from typing import Any

from litestar.static_files import create_static_files_router

from app.inbox.controllers import InboxController, root
from app.inbox.render import STATIC, STATIC_PATH


def inbox_handlers() -> list[Any]:
    return [
        root,
        InboxController,
        create_static_files_router(
            path=STATIC_PATH,
            directories=[STATIC],
            include_in_schema=False,
            # URLs carry a content hash (render.static_url): cache for long.
            cache_control=None,
        ),
    ]
