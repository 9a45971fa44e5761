"""``import_contacts(ctx, import_id)`` — a contact import, batch by batch
(app.contact_lists.imports, the same code ``balcao contacts import`` runs). Safe to run
twice: it resumes at the import's last committed batch, and a finished import is left
as it is. The reconciler enqueues it again when Redis lost it (workers.reconcile)."""

from __future__ import annotations

import uuid
from typing import Any

from app.contact_lists.imports import run_import
from workers.context import context

# A 50,000-row file takes seconds; this is for the millions.
TIMEOUT_SECONDS = 3600


async def import_contacts(ctx: dict[str, Any], import_id: str) -> str:
    deps = context(ctx)
    report = await run_import(deps.engine, deps.storage, uuid.UUID(import_id))
    return report.status
