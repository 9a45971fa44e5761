"""Domain events (API.md "Webhooks out"). A transaction that changes something writes
``event_row(...)`` into the outbox; after the commit a compact notice goes to realtime
subscribers over Redis pub/sub (app.realtime, as the row is enqueued) and the
``publish_event`` job loads the entity's current state and fans it out to the
organization's webhook subscriptions (signed, retried deliveries)."""

from __future__ import annotations

import uuid
from typing import Final

from app import realtime
from app.outbox import OutboxRow

MESSAGE_CREATED: Final = "message.created"
MESSAGE_UPDATED: Final = "message.updated"
SESSION_CREATED: Final = "session.created"
SESSION_STATUS_CHANGED: Final = "session.status_changed"
SESSION_ASSIGNED: Final = "session.assigned"
SESSION_CLOSED: Final = "session.closed"
CONTACT_UPDATED: Final = "contact.updated"
CONNECTION_STATUS_CHANGED: Final = "connection.status_changed"
SESSION_AI_UNBLOCKED: Final = "session.ai_unblocked"
NOTE_CREATED: Final = "note.created"

EVENTS: Final = frozenset(
    {
        MESSAGE_CREATED,
        MESSAGE_UPDATED,
        SESSION_CREATED,
        SESSION_STATUS_CHANGED,
        SESSION_ASSIGNED,
        SESSION_CLOSED,
        CONTACT_UPDATED,
        CONNECTION_STATUS_CHANGED,
        SESSION_AI_UNBLOCKED,
        NOTE_CREATED,
    }
)


def event_row(
    organization_id: uuid.UUID | str,
    event: str,
    entity_id: uuid.UUID | str,
    *,
    session_id: uuid.UUID | str | None = None,
) -> OutboxRow:
    """The outbox row that publishes ``event`` about ``entity_id`` after commit. Pass
    the ``session_id`` of a created message or note: the inbox places it by that."""
    args = realtime.publish_event_args(organization_id, event, entity_id, session_id)
    return OutboxRow(realtime.PUBLISH_EVENT_JOB, args)
