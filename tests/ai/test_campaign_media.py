"""A campaign's attachment: uploaded to us once (``POST /api/v1/media``), uploaded to
Meta once per connection and sent to every recipient by that media id
(workers/deliver_media.py), uploaded again when the id is past its reuse window or Meta
refuses it; through a provider that takes the file itself (native) every recipient gets
the file. ``run_campaign`` runs in-process; what it leaves queued is dropped."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from ai_harness import World
from arq.constants import default_queue_name
from campaign_kit import make_campaign, make_contacts
from standins.provider_apis import MetaStandIn
from support.webhooks import Hook, make_connection

from workers.campaigns import run_campaign
from workers.deliver import deliver_message

IMAGE = Path(__file__).parents[1] / "fixtures" / "media" / "comprovante-pix.jpg"
TEXT = "Oi {{primeiro_nome}}, o bolo de cenoura está em dobro hoje!"


@pytest.fixture(scope="module")
def meta_api() -> Iterator[MetaStandIn]:
    with MetaStandIn() as standin:
        yield standin


@pytest.fixture
def meta(meta_api: MetaStandIn) -> Iterator[MetaStandIn]:
    meta_api.reset()
    yield meta_api
    meta_api.reset()


async def _meta_connection(world: World, meta: MetaStandIn) -> Hook:
    hook = await make_connection(world.client, world.org, "meta", meta.config)
    # A token connection counts as paired once Meta's check says so; here, at once.
    await world.db.fetch(
        "UPDATE connection SET status = 'CONNECTED' WHERE id = $1", uuid.UUID(hook.id)
    )
    return hook


async def _stored_image(world: World) -> str:
    response = await world.client.post(
        "/api/v1/media",
        files={"file": ("bolo.jpg", IMAGE.read_bytes(), "image/jpeg")},
        headers=world.org.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["mediaKey"])


async def _contacts(world: World, first: int, n: int) -> list[uuid.UUID]:
    rows = [
        {"phone": f"55119000{first + i:05d}", "name": f"Cliente{first + i} Souza"} for i in range(n)
    ]
    return await make_contacts(world, rows)


async def _run(world: World, campaign: uuid.UUID) -> str:
    """One dispatcher run in-process; whatever it leaves queued is forgotten."""
    shared = world.context()
    pool = await world.pool()
    try:
        return await run_campaign({"context": shared, "redis": pool}, str(campaign))
    finally:
        await pool.delete(default_queue_name)
        await pool.aclose()
        await shared.aclose()


async def _deliver(world: World, message_id: uuid.UUID) -> str:
    """The delivery job of one message, run in-process (as its queued retry would)."""
    shared = world.context()
    pool = await world.pool()
    try:
        return await deliver_message({"context": shared, "redis": pool}, str(message_id))
    finally:
        await pool.delete(default_queue_name)
        await pool.aclose()
        await shared.aclose()


async def _cached(world: World, hook: Hook) -> list[Any]:
    return await world.db.fetch(
        "SELECT media_key, provider_media_id, uploaded_at FROM provider_media"
        " WHERE connection_id = $1",
        uuid.UUID(hook.id),
    )


async def _age(world: World, hook: Hook, age: timedelta) -> None:
    """Make the connection's uploads ``age`` old."""
    await world.db.fetch(
        "UPDATE provider_media SET uploaded_at = now() - $2::interval WHERE connection_id = $1",
        uuid.UUID(hook.id),
        age,
    )


async def _statuses(world: World, campaign: uuid.UUID) -> list[str]:
    rows = await world.db.fetch(
        "SELECT status FROM campaign_recipient WHERE campaign_id = $1", campaign
    )
    return [r["status"] for r in rows]


def _images(meta: MetaStandIn) -> dict[str, dict[str, Any]]:
    return {s["to"]: s["image"] for s in meta.sends() if s["type"] == "image"}


async def test_a_campaign_image_is_uploaded_to_meta_once_and_sent_by_its_id(
    world: World, meta: MetaStandIn
) -> None:
    hook = await _meta_connection(world, meta)
    key = await _stored_image(world)
    contacts = await _contacts(world, 100, 5)
    campaign = await make_campaign(
        world,
        contacts,
        messages=[{"text": TEXT, "media": {"mediaKey": key}}],
        connections=[hook.id],
    )

    assert await _run(world, campaign) == "completed"

    [media_id] = meta.uploads
    assert meta.uploaded[media_id]["file"] == IMAGE.read_bytes()
    assert meta.uploaded[media_id]["type"] == "image/jpeg"
    images = _images(meta)
    assert images == {
        f"55119000{100 + i:05d}": {
            "id": media_id,
            "caption": f"Oi Cliente{100 + i}, o bolo de cenoura está em dobro hoje!",
        }
        for i in range(5)
    }
    assert len(meta.sends()) == 5
    assert await _statuses(world, campaign) == ["SENT"] * 5
    [row] = await _cached(world, hook)
    assert (row["media_key"], row["provider_media_id"]) == (key, media_id)


async def test_a_second_campaign_with_the_same_file_reuses_the_upload(
    world: World, meta: MetaStandIn
) -> None:
    hook = await _meta_connection(world, meta)
    key = await _stored_image(world)
    message = {"text": TEXT, "media": {"mediaKey": key}}
    first = await make_campaign(
        world, await _contacts(world, 200, 2), messages=[message], connections=[hook.id]
    )
    assert await _run(world, first) == "completed"
    await world.db.fetch("UPDATE campaign SET status = 'COMPLETED' WHERE id = $1", first)
    [media_id] = meta.uploads

    second = await make_campaign(
        world, await _contacts(world, 300, 3), messages=[message], connections=[hook.id]
    )
    assert await _run(world, second) == "completed"

    assert meta.uploads == [media_id]
    assert {image["id"] for image in _images(meta).values()} == {media_id}
    assert len(_images(meta)) == 5


async def test_an_upload_past_the_reuse_window_is_uploaded_again(
    world: World, meta: MetaStandIn
) -> None:
    hook = await _meta_connection(world, meta)
    key = await _stored_image(world)
    message = {"text": TEXT, "media": {"mediaKey": key}}
    first = await make_campaign(
        world, await _contacts(world, 400, 1), messages=[message], connections=[hook.id]
    )
    assert await _run(world, first) == "completed"
    await world.db.fetch("UPDATE campaign SET status = 'COMPLETED' WHERE id = $1", first)
    # Meta keeps an id 30 days; we reuse one for 25 (Capabilities.media_reuse_days).
    await _age(world, hook, timedelta(days=25, minutes=1))

    second = await make_campaign(
        world, await _contacts(world, 500, 2), messages=[message], connections=[hook.id]
    )
    assert await _run(world, second) == "completed"

    old, new = meta.uploads
    assert {s["to"]: s["image"]["id"] for s in meta.sends()} == {
        "5511900000400": old,
        "5511900000500": new,
        "5511900000501": new,
    }
    [row] = await _cached(world, hook)
    assert row["provider_media_id"] == new


async def test_an_id_meta_refuses_is_forgotten_and_the_retry_uploads_again(
    world: World, meta: MetaStandIn
) -> None:
    hook = await _meta_connection(world, meta)
    key = await _stored_image(world)
    message = {"text": TEXT, "media": {"mediaKey": key}}
    first = await make_campaign(
        world, await _contacts(world, 600, 1), messages=[message], connections=[hook.id]
    )
    assert await _run(world, first) == "completed"
    await world.db.fetch("UPDATE campaign SET status = 'COMPLETED' WHERE id = $1", first)
    [old] = meta.uploads
    meta.expire_media(old)  # e.g. deleted at Meta, or the number was registered again
    await _age(world, hook, timedelta(hours=1))

    second = await make_campaign(
        world, await _contacts(world, 700, 1), messages=[message], connections=[hook.id]
    )
    await _run(world, second)

    refused = meta.requests_to(f"/v23.0/{meta.phone_number_id}/messages")[-1]
    assert refused.status == 400 and refused.json["image"]["id"] == old
    assert await _cached(world, hook) == []  # forgotten: the retry must not reuse it
    [pending] = await world.db.fetch(
        "SELECT id, status FROM message WHERE campaign_id = $1", second
    )
    assert pending["status"] == "PENDING"  # a transient failure: its job retries

    assert (await _deliver(world, pending["id"])).startswith("SENT:")

    first_upload, new = meta.uploads  # one more upload, for the retry
    assert first_upload == old and new != old
    assert _images(meta)["5511900000700"]["id"] == new
    [row] = await _cached(world, hook)
    assert row["provider_media_id"] == new
    assert await _statuses(world, second) == ["SENT"]


async def test_a_file_meta_refuses_right_after_its_upload_fails_without_another_upload(
    world: World, meta: MetaStandIn
) -> None:
    hook = await _meta_connection(world, meta)
    key = await _stored_image(world)
    refusal = MetaStandIn.error(400, 131053, "Media upload error", "Image is invalid.")
    meta.respond_next(400, refusal.body, path=f"/v23.0/{meta.phone_number_id}/messages")
    campaign = await make_campaign(
        world,
        await _contacts(world, 900, 1),
        messages=[{"text": TEXT, "media": {"mediaKey": key}}],
        connections=[hook.id],
    )

    await _run(world, campaign)

    [media_id] = meta.uploads
    [row] = await _cached(world, hook)  # kept: the next sends fail fast, uploading nothing
    assert row["provider_media_id"] == media_id
    [message] = await world.db.fetch(
        "SELECT status, error FROM message WHERE campaign_id = $1", campaign
    )
    assert message["status"] == "FAILED" and "131053" in message["error"]


async def test_through_a_provider_that_takes_the_file_each_recipient_gets_it(
    world: World,
) -> None:
    key = await _stored_image(world)
    contacts = await _contacts(world, 800, 5)
    campaign = await make_campaign(
        world, contacts, messages=[{"text": TEXT, "media": {"mediaKey": key}}]
    )

    assert await _run(world, campaign) == "completed"

    sent = {r.json["to"]: r.json for r in world.native.requests if r.status == 200}
    assert sorted(sent) == [f"55119000{800 + i:05d}" for i in range(5)]
    for i, body in enumerate(sent[f"55119000{800 + i:05d}"] for i in range(5)):
        assert body["type"] == "image"
        assert body["text"] == f"Oi Cliente{800 + i}, o bolo de cenoura está em dobro hoje!"
        assert body["media"]["mimetype"] == "image/jpeg"
        assert base64.b64decode(body["media"]["base64"]) == IMAGE.read_bytes()
    assert await _statuses(world, campaign) == ["SENT"] * 5
    assert await world.db.fetch("SELECT 1 FROM provider_media") == []  # nothing to reuse
