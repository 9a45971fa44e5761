"""The webhook endpoint, one test per condition: authentication, bad input, exactly-once
storage, contacts and sessions, acks, edits, reactions, connection events."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any

from support.orgs import Org
from support.webhooks import Client, Db, Hook, make_connection, payload, post

from app.state import state_of

MARIA = "5511987654321"


def native(message_id: str, text: str = "oi", sender: str = MARIA, **extra: Any) -> bytes:
    body = {
        "event": "message",
        "messageId": message_id,
        "from": sender,
        "name": "Maria",
        "timestamp": 1769958000,
        "fromMe": False,
        "type": "text",
        "text": text,
        **extra,
    }
    return json.dumps(body).encode()


async def _native(client: Client, org: Org, **extra: Any) -> Hook:
    return await make_connection(
        client, org, "native", {"sendUrl": "http://127.0.0.1:9/send"}, **extra
    )


async def test_a_message_creates_contact_session_and_message(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await _native(client, org)
    response = await post(client, hook, native("m1", "Vocês têm pão de queijo?"))
    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "duplicates": 0}
    row = await Db(settings.database_url).message("m1")
    assert row is not None
    assert (row["contact_phone"], row["contact_name"]) == (MARIA, "Maria")
    assert (row["direction"], row["author"], row["type"]) == ("IN", "CUSTOMER", "TEXT")
    assert json.loads(row["content"]) == {"text": "Vocês têm pão de queijo?"}
    assert (row["session_status"], row["started_by"]) == ("ACTIVE", "CUSTOMER")


async def test_follow_up_jobs_wait_in_the_outbox_until_enqueued(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await _native(client, org)
    # Events get publish_event jobs only when a subscription listens to them (app.outbox).
    crm = {"url": "https://crm.example/hook", "events": ["message.created", "session.created"]}
    created = await client.post("/api/v1/webhook-subscriptions", json=crm, headers=org.headers)
    assert created.status_code == 201, created.text
    await post(client, hook, native("m1"))
    db = Db(settings.database_url)
    # The outbox row is deleted once its job is in Redis (after the answer).
    for _ in range(100):
        if not await db.outbox_jobs():
            break
        await asyncio.sleep(0.02)
    assert await db.outbox_jobs() == []
    import redis.asyncio as aioredis

    redis = aioredis.Redis.from_url(settings.redis_url)
    try:
        queued = await redis.zcard("arq:queue")
    finally:
        await redis.aclose()
    assert queued == 3  # message.created, session.created, merge_burst


async def test_the_same_message_twice_is_stored_once(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await _native(client, org)
    first = await post(client, hook, native("dup"))
    second = await post(client, hook, native("dup"))
    assert first.json() == {"accepted": 1, "duplicates": 0}
    assert second.json() == {"accepted": 0, "duplicates": 1}
    assert await Db(settings.database_url).val("SELECT count(*) FROM message") == 1


async def test_concurrent_duplicates_store_one_message(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await _native(client, org)
    responses = await asyncio.gather(*(post(client, hook, native("race")) for _ in range(8)))
    assert all(r.status_code == 200 for r in responses)
    assert sum(r.json()["accepted"] for r in responses) == 1
    assert sum(r.json()["duplicates"] for r in responses) == 7
    db = Db(settings.database_url)
    assert await db.val("SELECT count(*) FROM message") == 1
    assert await db.val("SELECT count(*) FROM session") == 1
    assert await db.val("SELECT count(*) FROM contact") == 1


async def test_concurrent_first_messages_of_a_contact_share_one_session(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await _native(client, org)
    await asyncio.gather(*(post(client, hook, native(f"burst-{i}")) for i in range(10)))
    db = Db(settings.database_url)
    assert await db.val("SELECT count(*) FROM message") == 10
    assert await db.val("SELECT count(*) FROM session") == 1


async def test_a_batch_is_one_delivery(client: Client, org: Org, settings: Any) -> None:
    hook = await _native(client, org)
    events = [json.loads(native(f"b{i}")) for i in range(5)]
    response = await post(client, hook, json.dumps({"events": [*events, events[0]]}).encode())
    assert response.json() == {"accepted": 5, "duplicates": 1}


async def test_phone_forms_with_and_without_the_ninth_digit_are_one_contact(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await _native(client, org)
    await post(client, hook, native("a", sender="5531991234567"))
    await post(client, hook, native("b", sender="553191234567"))
    db = Db(settings.database_url)
    assert [r["phone_number"] for r in await db.fetch("SELECT phone_number FROM contact")] == [
        "5531991234567"
    ]


async def test_a_message_after_a_closed_session_opens_a_new_one(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await _native(client, org)
    db = Db(settings.database_url)
    await post(client, hook, native("old"))
    await db.fetch("UPDATE session SET status = 'CLOSED', closed_at = now()")
    await post(client, hook, native("new"))
    sessions = await db.fetch("SELECT status FROM session ORDER BY created_at")
    assert [s["status"] for s in sessions] == ["CLOSED", "ACTIVE"]
    old, new = await db.message("old"), await db.message("new")
    assert old is not None and new is not None and old["session_id"] != new["session_id"]


async def test_a_late_retry_after_the_session_closed_opens_nothing(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await _native(client, org)
    db = Db(settings.database_url)
    await post(client, hook, native("once"))
    await db.fetch("UPDATE session SET status = 'CLOSED', closed_at = now()")
    retry = await post(client, hook, native("once"))
    assert retry.json() == {"accepted": 0, "duplicates": 1}
    assert [s["status"] for s in await db.fetch("SELECT status FROM session")] == ["CLOSED"]


async def test_a_reply_typed_on_the_phone_is_business_and_blocks_the_ai(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await make_connection(client, org, "evolution", aiBlockTtlMinutes=30)
    await post(client, hook, payload("evolution", "messages.upsert.fromme.json"))
    db = Db(settings.database_url)
    row = await db.message("3A7556C5D3ABE14BD25D")
    assert row is not None
    assert (row["direction"], row["author"], row["status"]) == ("OUT", "BUSINESS", "SENT")
    assert row["started_by"] == "BUSINESS"
    blocked_minutes = await db.val(
        "SELECT extract(epoch FROM ai_blocked_until - now()) / 60 FROM session"
    )
    assert 29 < blocked_minutes <= 30
    assert not any(job == "merge_burst" for job, _ in await db.outbox_jobs())


async def test_our_own_send_echoed_back_is_not_stored_twice(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await make_connection(client, org, "evolution")
    db = Db(settings.database_url)
    await post(client, hook, payload("evolution", "messages.upsert.text.json"))
    echo = json.loads(payload("evolution", "send.message.text.json"))
    message_id = echo["data"]["key"]["id"]
    session = await db.val("SELECT id FROM session")
    await db.fetch(
        """INSERT INTO message (organization_id, session_id, contact_id, connection_id, direction,
               author, type, content, status, provider_message_id)
           SELECT organization_id, id, contact_id, connection_id, 'OUT', 'AI', 'TEXT',
               '{"text": "olá"}', 'SENT', $2 FROM session WHERE id = $1""",
        session,
        message_id,
    )
    response = await post(client, hook, json.dumps(echo).encode())
    assert response.json() == {"accepted": 0, "duplicates": 1}
    assert (
        await db.val("SELECT count(*) FROM message WHERE provider_message_id = $1", message_id) == 1
    )


async def test_acks_move_status_forward_only(client: Client, org: Org, settings: Any) -> None:
    hook = await _native(client, org)
    db = Db(settings.database_url)
    await post(client, hook, native("out-1", fromMe=True))
    for status in ("READ", "DELIVERED", "SENT"):
        body = json.dumps({"event": "status", "messageId": "out-1", "status": status}).encode()
        assert (await post(client, hook, body)).status_code == 200
    row = await db.message("out-1")
    assert row is not None
    assert row["status"] == "READ"
    assert row["read_at"] is not None and row["delivered_at"] is not None


async def test_an_ack_before_its_message_waits_for_it(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await _native(client, org)
    db = Db(settings.database_url)
    ack = json.dumps({"event": "status", "messageId": "early", "status": "DELIVERED"}).encode()
    assert (await post(client, hook, ack)).json() == {"accepted": 1, "duplicates": 0}
    await post(client, hook, native("early", fromMe=True))
    row = await db.message("early")
    assert row is not None and row["status"] == "DELIVERED"
    assert await db.val("SELECT count(*) FROM pending_ack") == 0


async def test_a_lid_only_message_finds_the_contact_of_its_phone(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await make_connection(client, org, "evolution")
    db = Db(settings.database_url)
    # First the PN-addressed message that shows both the phone and the LID...
    first = json.loads(payload("evolution", "messages.upsert.text.json"))
    await post(client, hook, json.dumps(first).encode())
    # ...then the same customer addressed by the LID alone (Evolution 2.3.5-2.3.6).
    lid_only = json.loads(payload("evolution", "messages.upsert.text.json"))
    lid_only["data"]["key"] = {
        "remoteJid": "201234567890123@lid",
        "fromMe": False,
        "id": "LIDONLY1",
        "participant": "",
        "addressingMode": "lid",
    }
    assert (await post(client, hook, json.dumps(lid_only).encode())).json()["accepted"] == 1
    contacts = await db.fetch("SELECT id, phone_number FROM contact")
    assert [c["phone_number"] for c in contacts] == ["5511987654321"]
    second = await db.message("LIDONLY1")
    assert second is not None and second["contact_phone"] == "5511987654321"
    assert await db.val("SELECT count(*) FROM session") == 1


async def test_an_unknown_lid_gets_a_contact_of_its_own(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await make_connection(client, org, "evolution")
    db = Db(settings.database_url)
    lid_only = json.loads(payload("evolution", "messages.upsert.text.json"))
    lid_only["data"]["key"] = {
        "remoteJid": "777@lid",
        "fromMe": False,
        "id": "L2",
        "participant": "",
    }
    await post(client, hook, json.dumps(lid_only).encode())
    await post(
        client,
        hook,
        json.dumps(
            {
                **lid_only,
                "data": {**lid_only["data"], "key": {**lid_only["data"]["key"], "id": "L3"}},
            }
        ).encode(),
    )
    rows = await db.fetch("SELECT phone_number, name FROM contact")
    assert [(r["phone_number"], r["name"]) for r in rows] == [(None, "Mariana Souza")]
    assert await db.val("SELECT count(*) FROM message") == 2


async def test_reactions_attach_to_their_message(client: Client, org: Org, settings: Any) -> None:
    hook = await _native(client, org)
    db = Db(settings.database_url)
    await post(client, hook, native("target", fromMe=True))
    react = native("r1", type="reaction", text="❤️", quotedMessageId="target")
    assert (await post(client, hook, react)).json() == {"accepted": 1, "duplicates": 0}
    row = await db.message("target")
    assert row is not None
    assert [(r["emoji"], r["by"]) for r in json.loads(row["reactions"])] == [("❤️", "customer")]
    assert await db.val("SELECT count(*) FROM message") == 1
    await post(client, hook, native("r2", type="reaction", text="", quotedMessageId="target"))
    row = await db.message("target")
    assert row is not None and json.loads(row["reactions"]) == []


async def test_group_messages_keep_the_participant_and_do_not_wake_the_ai(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await make_connection(client, org, "evolution")
    db = Db(settings.database_url)
    await post(client, hook, payload("evolution", "messages.upsert.group.json"))
    row = (await db.fetch("SELECT participant FROM message"))[0]
    assert row["participant"]
    assert not any(job == "merge_burst" for job, _ in await db.outbox_jobs())


async def test_connection_and_qr_events_update_the_connection(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await make_connection(client, org, "evolution")
    await post(client, hook, payload("evolution", "qrcode.updated.json"))
    qr = (await client.get(f"/api/v1/connections/{hook.id}/qr", headers=org.headers)).json()
    assert qr["status"] == "QR_PENDING"
    assert qr["qrCode"].startswith("data:image/png;base64,")
    await post(client, hook, payload("evolution", "connection.update.open.json"))
    status = (await client.get(f"/api/v1/connections/{hook.id}/status", headers=org.headers)).json()
    assert status["status"] == "CONNECTED"
    assert status["isAuthenticated"] is True
    assert (await client.get(f"/api/v1/connections/{hook.id}/qr", headers=org.headers)).json()[
        "qrCode"
    ] is None


async def test_a_missing_or_wrong_token_is_401(client: Client, org: Org) -> None:
    hook = await _native(client, org)
    for path in (hook.path, f"{hook.path}?token=wrong"):
        response = await client.post(
            path, content=native("x"), headers={"content-type": "application/json"}
        )
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_signature"


async def test_native_signature_is_required_when_a_secret_is_set(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await make_connection(
        client, org, "native", {"sendUrl": "http://127.0.0.1:9/", "secret": "s3cr3t"}
    )
    body = native("signed")
    unsigned = await post(client, hook, body)
    assert unsigned.status_code == 401
    signature = "sha256=" + hmac.new(b"s3cr3t", body, hashlib.sha256).hexdigest()
    signed = await client.post(hook.path, content=body, headers={"X-Balcao-Signature": signature})
    assert signed.status_code == 200


async def test_meta_signature_and_challenge(client: Client, org: Org) -> None:
    hook = await make_connection(
        client, org, "meta", {"appSecret": "meta-secret", "verifyToken": "verifica-123"}
    )
    body = payload("meta", "messages.text.json")
    bad = await client.post(hook.path, content=body, headers={"X-Hub-Signature-256": "sha256=00"})
    assert bad.status_code == 401
    good_sig = "sha256=" + hmac.new(b"meta-secret", body, hashlib.sha256).hexdigest()
    good = await client.post(hook.path, content=body, headers={"X-Hub-Signature-256": good_sig})
    assert good.status_code == 200
    query = {
        "hub.mode": "subscribe",
        "hub.challenge": "1158201444",
        "hub.verify_token": "verifica-123",
    }
    challenge = await client.get(hook.path, params=query)
    assert (challenge.status_code, challenge.text) == (200, "1158201444")
    wrong = await client.get(hook.path, params={**query, "hub.verify_token": "nope"})
    assert wrong.status_code == 403


async def test_unknown_connections_are_404(client: Client, org: Org) -> None:
    hook = await _native(client, org)
    token = hook.url.split("?")[1]
    for path in (
        f"/api/v1/webhooks/native/00000000-0000-0000-0000-000000000000?{token}",
        f"/api/v1/webhooks/native/not-a-uuid?{token}",
        f"/api/v1/webhooks/evolution/{hook.id}?{token}",
        f"/api/v1/webhooks/telegram/{hook.id}?{token}",
    ):
        response = await client.post(path, content=native("x"))
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"


async def test_another_tenants_token_does_not_open_a_connection(
    client: Client, org: Org, other_org: Org
) -> None:
    mine, theirs = await _native(client, org), await _native(client, other_org)
    path = f"{mine.path}?{theirs.url.split('?')[1]}"
    assert (await client.post(path, content=native("x"))).status_code == 401


async def test_a_deleted_connection_takes_no_webhooks(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await _native(client, org)
    await client.delete(f"/api/v1/connections/{hook.id}", headers=org.headers)
    await asyncio.sleep(0)  # the connection cache keeps a row for a few seconds at most
    state_of(client.app.state).connections._rows.clear()
    assert (await post(client, hook, native("x"))).status_code == 404


async def test_an_oversized_body_is_413(client: Client, org: Org) -> None:
    hook = await _native(client, org)
    huge = native("big", text="x" * (state_of(client.app.state).settings.webhook_max_bytes + 1))
    response = await post(client, hook, huge)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


async def test_an_unparseable_payload_is_422_and_kept_as_a_dead_letter(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await _native(client, org)
    db = Db(settings.database_url)
    for body in (b"{not json", b"[]", b'{"event": "message"}', b"\xff\xfe"):
        response = await post(client, hook, body)
        assert response.status_code == 422, body
        assert response.json()["code"] == "unparseable_payload"
        dead = await db.fetch(
            "SELECT body, connection_id::text FROM dead_letter WHERE id = $1::uuid",
            response.json()["extra"]["deadLetterId"],
        )
        assert dead[0]["body"] == body
        assert dead[0]["connection_id"] == hook.id
    assert await db.val("SELECT count(*) FROM message") == 0


async def _cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    import sys

    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


async def test_dead_letters_replay_through_the_cli(client: Client, org: Org, settings: Any) -> None:
    hook = await _native(client, org)
    db = Db(settings.database_url)
    response = await post(client, hook, b'{"event": "message"}')
    dead_id = response.json()["extra"]["deadLetterId"]
    # As if the parser had been fixed since: the stored body is now a valid payload.
    await db.fetch(
        "UPDATE dead_letter SET body = $2 WHERE id = $1::uuid", dead_id, native("replayed")
    )
    env = {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "PATH": "/usr/bin:/bin",
    }
    code, out, err = await _cli(env, "webhooks", "replay")
    assert code == 0, err
    assert json.loads(out) == {"stored": 1, "still_failing": 0, "accepted": 1, "duplicates": 0}
    assert await db.message("replayed") is not None
    assert await db.val("SELECT replayed_at IS NOT NULL FROM dead_letter") is True
    _, again, _ = await _cli(env, "webhooks", "replay")
    assert json.loads(again)["stored"] == 0


async def test_a_reply_before_its_original_keeps_the_quote_and_is_resolved_later(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await _native(client, org)
    reply = native("reply-1", "sim, esse mesmo", quotedMessageId="original-1")
    assert (await post(client, hook, reply)).json() == {"accepted": 1, "duplicates": 0}
    db = Db(settings.database_url)
    stored = await db.message("reply-1")
    assert stored is not None
    listed = await client.get(
        f"/api/v1/sessions/{stored['session_id']}/messages", headers=org.headers
    )
    [early] = listed.json()["data"]
    assert (early["quotedProviderMessageId"], early["quotedMessageId"]) == ("original-1", None)
    # The original arrives later (a provider's late delivery, or a history sync).
    assert (await post(client, hook, native("original-1", "tem de chocolate?"))).status_code == 200
    original = await db.message("original-1")
    assert original is not None
    again = await client.get(f"/api/v1/messages/{stored['id']}", headers=org.headers)
    assert again.json()["quotedMessageId"] == str(original["id"])
    assert again.json()["quotedProviderMessageId"] == "original-1"


async def test_a_reply_keeps_the_quoted_text_its_payload_carries(
    client: Client, org: Org, settings: Any
) -> None:
    hook = await make_connection(client, org, "evolution")
    assert (await post(client, hook, payload("evolution", "messages.upsert.reply.json"))).json()[
        "accepted"
    ] == 1
    row = await Db(settings.database_url).message("3A067CA04053432AB168")
    assert row is not None
    message = (await client.get(f"/api/v1/messages/{row['id']}", headers=org.headers)).json()
    assert message["quotedProviderMessageId"] == "3EB0957B808A95C67B09A2"
    assert message["quotedMessageId"] is None  # the original was never stored
    assert message["content"]["quotedText"] == "Temos sim! Sai fornada nova às 15h 🧀"
