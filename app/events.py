"""Domain events (API.md "Webhooks out"). A transaction that changes something writes
``event_row(...)`` into the outbox; after the commit the ``publish_event`` job loads the
entity's current state, fans it out to the organization's webhook subscriptions
(signed, retried deliveries) and to realtime subscribers over Redis pub/sub
(channel ``balcao:events:<organizationId>``)."""

from __future__ import annotations

import uuid
from typing import Any, Final

from app.outbox import outbox_row

MESSAGE_CREATED: Final = "message.created"
MESSAGE_UPDATED: Final = "message.updated"
SESSION_CREATED: Final = "session.created"
SESSION_STATUS_CHANGED: Final = "session.status_changed"
SESSION_ASSIGNED: Final = "session.assigned"
SESSION_CLOSED: Final = "session.closed"
CONTACT_UPDATED: Final = "contact.updated"
CONNECTION_STATUS_CHANGED: Final = "connection.status_changed"
SESSION_AI_UNBLOCKED: Final = "session.ai_unblocked"

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
    }
)


def realtime_channel(organization_id: uuid.UUID | str) -> str:
    return f"balcao:events:{organization_id}"


def event_row(
    organization_id: uuid.UUID | str, event: str, entity_id: uuid.UUID | str
) -> dict[str, Any]:
    """The outbox row that publishes ``event`` about ``entity_id`` after commit."""
    return outbox_row("publish_event", str(organization_id), event, str(entity_id))
