"""What ingest knows of a connection: read once per webhook (briefly cached by the
endpoint and the runner) and passed down to every step of a delivery."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """What ingest needs of a connection (cached briefly by the webhook endpoint)."""

    id: uuid.UUID
    organization_id: uuid.UUID
    provider: str  # a registered provider kind (providers.get_provider)
    config: dict[str, Any]
    webhook_token: str
    ai_enabled: bool
    ai_block_ttl_minutes: int
    allow_groups: bool
