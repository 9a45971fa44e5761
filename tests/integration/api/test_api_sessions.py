"""Sessions through HTTP: shape, filters, lifecycle, tabulations, AI block, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apikit import Client, World, contact, department, message, ok, session, tabulation, world
from conftest import Org

from app.config import Settings
from app.db.enums import SessionStatus


async def test_session_shape(client: Client, settings: Settings, org: Org) -> None:
    w = await world(client, settings, org)
    got = await ok(await client.get(f"/api/v1/sessions/{w.session_id}", headers=w.headers))
    assert set(got) >= {
        "id", "contactId", "connectionId", "organizationId", "status", "startedBy",
        "statusReason", "endReason", "externalId", "assignedDepartmentId", "assignedAgentId",
        "assignedCustomerId", "concatTimeout", "aiBlockedUntil", "aiBlockReason", "createdAt",
        "updatedAt", "closedAt", "tabulations",
    }  # fmt: skip
    assert got["status"] == "QUEUED"
    assert got["contactId"] == w.contact["id"]
    assert got["organizationId"] == org.id
    assert got["tabulations"] == []
