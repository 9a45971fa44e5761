"""The provider's own opt-out signal: Meta's ``user_preferences`` webhook (a user stopped
or resumed marketing messages) through the real webhook path opts the contact out of
campaigns, with its source; a resume undoes only that one."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from support.orgs import Org
from support.webhooks import Client, make_connection

PHONE = "5511987654321"


def _preferences(value: str, wa_id: str = PHONE) -> bytes:
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "102290129340398",
                    "changes": [
                        {
                            "field": "user_preferences",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "15550783881",
                                    "phone_number_id": "106540352242922",
                                },
                                "contacts": [{"wa_id": wa_id, "profile": {"name": "Maria"}}],
                                "user_preferences": [
                                    {
                                        "wa_id": wa_id,
                                        "detail": "User requested to stop marketing messages",
                                        "category": "marketing_messages",
                                        "value": value,
                                        "timestamp": 1731705721,
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()


async def _post(client: Client, path: str, body: bytes) -> Any:
    signature = "sha256=" + hmac.new(b"meta-secret", body, hashlib.sha256).hexdigest()
    response = await client.post(path, content=body, headers={"X-Hub-Signature-256": signature})
    assert response.status_code == 200, response.text
    return response


async def test_user_preferences_stop_and_resume(client: Client, org: Org) -> None:
    hook = await make_connection(
        client, org, "meta", {"appSecret": "meta-secret", "verifyToken": "v"}
    )
    created = await client.post(
        "/api/v1/contacts", json={"phoneNumber": f"+{PHONE}", "name": "Maria"}, headers=org.headers
    )
    assert created.status_code == 201, created.text
    contact = created.json()["data"] if "data" in created.json() else created.json()

    async def current() -> dict[str, Any]:
        response = await client.get(f"/api/v1/contacts/{contact['id']}", headers=org.headers)
        body = response.json()
        return dict(body.get("data", body))

    await _post(client, hook.path, _preferences("stop"))
    stopped = await current()
    assert stopped["optedOutAt"] is not None and stopped["optOutSource"] == "PROVIDER"

    await _post(client, hook.path, _preferences("stop"))  # a repeat changes nothing
    assert (await current())["optedOutAt"] == stopped["optedOutAt"]

    await _post(client, hook.path, _preferences("resume"))
    assert (await current())["optedOutAt"] is None

    # A resume never undoes an opt-out the contact made some other way.
    opted = await client.post(f"/api/v1/contacts/{contact['id']}/opt-out", headers=org.headers)
    assert opted.status_code in (200, 201), opted.text
    await _post(client, hook.path, _preferences("resume"))
    assert (await current())["optedOutAt"] is not None

    # Unknown numbers and malformed preferences are taken and ignored.
    await _post(client, hook.path, _preferences("stop", wa_id="5511900000000"))
    await _post(client, hook.path, _preferences("maybe"))
