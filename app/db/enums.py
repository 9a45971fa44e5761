"""The enums of the public contract (API.md): values are kept exactly."""

from __future__ import annotations

import enum

from providers.base import ProviderKind

__all__ = [
    "Author",
    "CampaignStatus",
    "ConnectionStatus",
    "DeliveryStatus",
    "Direction",
    "ImportStatus",
    "MessageStatus",
    "MessageType",
    "ProviderKind",
    "RecipientStatus",
    "Role",
    "SessionStatus",
    "StartedBy",
]


class Role(enum.StrEnum):
    ADMIN = "ADMIN"
    SUPERVISOR = "SUPERVISOR"
    AGENT = "AGENT"
    VIEWER = "VIEWER"


class ConnectionStatus(enum.StrEnum):
    DISCONNECTED = "DISCONNECTED"
    QR_PENDING = "QR_PENDING"
    CONNECTING = "CONNECTING"
    CONNECTED = "CONNECTED"
    FAILED = "FAILED"


class SessionStatus(enum.StrEnum):
    QUEUED = "QUEUED"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    CLOSED = "CLOSED"


class StartedBy(enum.StrEnum):
    CUSTOMER = "CUSTOMER"
    BUSINESS = "BUSINESS"
    AGENT = "AGENT"


class Direction(enum.StrEnum):
    IN = "IN"
    OUT = "OUT"


class Author(enum.StrEnum):
    CUSTOMER = "CUSTOMER"
    AGENT = "AGENT"
    AI = "AI"
    BUSINESS = "BUSINESS"
    SYSTEM = "SYSTEM"
    AGENT_PLATFORM = "AGENT_PLATFORM"


HUMAN_AUTHORS = frozenset({Author.AGENT, Author.AGENT_PLATFORM, Author.BUSINESS})


class MessageType(enum.StrEnum):
    TEXT = "TEXT"
    MEDIA = "MEDIA"
    RECORDING = "RECORDING"
    CHAT_COMMAND = "CHAT_COMMAND"


class MessageStatus(enum.StrEnum):
    PENDING = "PENDING"
    SENT = "SENT"
    DELIVERED = "DELIVERED"
    READ = "READ"
    FAILED = "FAILED"


# Acks only move a message forward (never READ → DELIVERED); FAILED is terminal for
# a send but a later "delivered" from the provider still wins, so it ranks lowest.
STATUS_RANK = {
    MessageStatus.FAILED: 0,
    MessageStatus.PENDING: 1,
    MessageStatus.SENT: 2,
    MessageStatus.DELIVERED: 3,
    MessageStatus.READ: 4,
}


class DeliveryStatus(enum.StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


class ImportStatus(enum.StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


class CampaignStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    SCHEDULED = "SCHEDULED"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


class RecipientStatus(enum.StrEnum):
    PENDING = "PENDING"
    SENDING = "SENDING"
    SENT = "SENT"
    DELIVERED = "DELIVERED"
    READ = "READ"
    REPLIED = "REPLIED"
    FAILED = "FAILED"
    OPTED_OUT = "OPTED_OUT"
    SKIPPED = "SKIPPED"
