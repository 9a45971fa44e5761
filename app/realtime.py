"""Realtime notices: what the inbox hears about changes, within milliseconds of the commit.

Every domain event is an outbox row for the ``publish_event`` job (app.events). When
such a row is enqueued — right after the commit that wrote it, in the same Redis
pipeline as the job — a compact notice is also published on the organization's
channel::

    balcao:events:<organizationId>   {"event": "message.created", "id": "...", "sessionId": "..."}

Notices carry ids only (never content, so nothing is leaked to a subscriber that may not
read the entity); an inbox page that cares fetches what it shows through endpoints that
check access. ``sessionId`` is set for session events and for ``message.created``; for
other message events the page knows the message by its id. Going through the enqueue
rather than the job keeps arq's polling delay out of the realtime path.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Final

import msgspec

PUBLISH_EVENT_JOB: Final = "publish_event"
CHANNEL_PREFIX: Final = "balcao:events:"


class Notice(msgspec.Struct, rename="camel", omit_defaults=True, frozen=True):
    event: str
    id: str
    session_id: str | None = None
    # Team chat's notices (app.teamchat.live) name the team channel of their message.
    channel_id: str | None = None


def channel(organization_id: uuid.UUID | str) -> str:
    return f"{CHANNEL_PREFIX}{organization_id}"


def publish_event_args(
    organization_id: uuid.UUID | str,
    event: str,
    entity_id: uuid.UUID | str,
    session_id: uuid.UUID | str | None,
) -> list[str]:
    """The ``publish_event`` job's arguments (the session only where it is known)."""
    args = [str(organization_id), event, str(entity_id)]
    if session_id is None and event.startswith("session."):
        session_id = entity_id
    if session_id is not None:
        args.append(str(session_id))
    return args


def notices(jobs: Sequence[tuple[str, Sequence[Any]]]) -> list[tuple[str, bytes]]:
    """(channel, payload) for each ``publish_event`` among ``(job name, args)`` pairs."""
    out: list[tuple[str, bytes]] = []
    for name, args in jobs:
        if name != PUBLISH_EVENT_JOB or len(args) < 3:
            continue
        notice = Notice(
            event=str(args[1]),
            id=str(args[2]),
            session_id=str(args[3]) if len(args) > 3 and args[3] is not None else None,
        )
        out.append((channel(args[0]), msgspec.json.encode(notice)))
    return out
