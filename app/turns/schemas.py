from __future__ import annotations

import uuid
from datetime import datetime

from app.db.models import TurnStatus
from app.schemas import Camel


class Turn(Camel):
    """One burst of customer messages merged into the text the AI answers."""

    id: uuid.UUID
    session_id: uuid.UUID
    status: TurnStatus
    message_ids: list[uuid.UUID]
    merged_text: str | None
    first_message_at: datetime
    last_message_at: datetime
    deadline_at: datetime
    fired_at: datetime
    lateness_ms: float
    ready_at: datetime | None
    created_at: datetime
