"""Every shared provider fixture goes through the HTTP endpoint and is stored as its
.expected.json says."""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.orgs import Org
from support.webhooks import (
    WEBHOOK_PROVIDERS,
    Client,
    Db,
    expected,
    fixture_names,
    make_connection,
    payload,
    post,
)

CASES = [(p, name) for p in WEBHOOK_PROVIDERS for name in fixture_names(p)]
_STATUS = {
    "sent": "SENT",
    "delivered": "DELIVERED",
    "read": "READ",
    "played": "READ",
    "failed": "FAILED",
}
_CONNECTION = {
    "connecting": "CONNECTING",
    "connected": "CONNECTED",
    "disconnected": "DISCONNECTED",
    "qr_pending": "QR_PENDING",  # WAHA SCAN_QR_CODE: the QR itself comes from the health check
}


async def _check_message(db: Db, exp: dict[str, Any]) -> None:
    if exp["type"] == "reaction":
        return  # a reaction to a message we never saw has nothing to attach to
    row = await db.message(exp["message_id"])
    assert row is not None, exp["message_id"]
    if exp["contact_phone"] and not exp["is_group"]:
        assert row["contact_phone"] == exp["contact_phone"]
    assert row["direction"] == ("OUT" if exp["from_me"] else "IN")
    assert row["author"] == ("BUSINESS" if exp["from_me"] else "CUSTOMER")
    content = json.loads(row["content"])
    if exp["text"] is not None:
        assert content["text"] == exp["text"]
    if exp["media"] is not None:
        assert content["media"]["mimeType"] == exp["media"]["mimetype"]
        assert row["media_source"] is not None
    if exp["quoted_message_id"]:
        assert row["quoted_provider_message_id"] == exp["quoted_message_id"]
    if exp["is_group"]:
        assert row["participant"] is not None or exp["from_me"]


async def _check_status(db: Db, exp: dict[str, Any]) -> None:
    status = _STATUS.get(exp["status"])
    if status is None:
        return
    pending = await db.val(
        "SELECT status FROM pending_ack WHERE provider_message_id = $1", exp["message_id"]
    )
    assert pending == status


async def _check_connection(db: Db, hook_id: str, exp: dict[str, Any]) -> None:
    status = await db.val("SELECT status FROM connection WHERE id = $1::uuid", hook_id)
    if exp["event_kind"] == "qr":
        assert status == "QR_PENDING"
    else:
        assert status == _CONNECTION[exp["status"]]


@pytest.mark.parametrize(("provider", "name"), CASES, ids=[f"{p}/{n}" for p, n in CASES])
async def test_fixture_is_stored(
    client: Client, org: Org, settings: Any, provider: str, name: str
) -> None:
    hook = await make_connection(client, org, provider)
    response = await post(client, hook, payload(provider, name))
    assert response.status_code == 200, response.text
    db = Db(settings.database_url)
    for exp in expected(provider, name):
        if exp["event_kind"] == "message":
            await _check_message(db, exp)
        elif exp["event_kind"] == "status":
            await _check_status(db, exp)
        else:
            await _check_connection(db, hook.id, exp)
    again = await post(client, hook, payload(provider, name))
    assert again.status_code == 200
    messages = [
        e
        for e in expected(provider, name)
        if e["event_kind"] == "message" and e["type"] != "reaction"
    ]
    if messages:
        assert again.json()["accepted"] == 0
        assert again.json()["duplicates"] >= len(messages)
