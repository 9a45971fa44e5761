"""The outbox row that wakes the campaign dispatcher (workers/campaigns.py), shared by
the API's transitions, the dispatcher's own re-scheduling, the reconciler and replies to
a reply gate."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from app.outbox import OutboxRow, outbox_row

JOB = "run_campaign"


def dispatch_row(campaign_id: uuid.UUID | str, at: datetime | None = None) -> OutboxRow:
    """Run the dispatcher at ``at`` (now when None or past). The job id names the time,
    so the same wake-up asked twice (a run and the reconciler) is one job, and a later
    one is another."""
    now = datetime.now(UTC)
    stamp = int((at or now).timestamp() * 1000)
    defer = (at - now).total_seconds() if at is not None and at > now else None
    return outbox_row(JOB, str(campaign_id), job_id=f"campaign:{campaign_id}:{stamp}", defer=defer)
