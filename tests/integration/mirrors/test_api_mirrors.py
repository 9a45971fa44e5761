"""The /api/v1/mirrors contract: defaults, checks with their codes, write-only secrets,
the audit trail, tenancy, posts and stats."""

from __future__ import annotations

from typing import Any

from apikit import Client, connection, ok
from arq.connections import ArqRedis
from mirrorkit import DEST_A, DEST_B, SOURCE, SOURCE_2, create_mirror
from standins.provider_apis import EvolutionStandIn, StandInGroup
from support.orgs import Org
from support.webhooks import Hook
from tests_mirror_db import audit_actions

from app.config import Settings
from workers.context import CONTEXT_KEY, WorkerContext
from workers.groups import sync_connection_groups


async def _post(client: Client, org: Org, **body: Any) -> Any:
    return await client.post("/api/v1/mirrors", json=body, headers=org.headers)


def _body(hook: Hook, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Ofertas",
        "connectionId": hook.id,
        "sourceGroupIds": [SOURCE],
        "destinationGroupIds": [DEST_A],
        **extra,
    }


async def test_a_mirror_has_the_contract_s_defaults(client: Client, org: Org, hook: Hook) -> None:
    created = await ok(await _post(client, org, **_body(hook)), 201)
    assert created["isActive"] is True
    assert created["sourceGroupIds"] == [SOURCE] and created["destinationGroupIds"] == [DEST_A]
    assert created["filters"] == {}
    assert created["unmappedLinks"] == "DROP"
    assert created["dedupHours"] == 6
    assert created["minIntervalPerGroupSeconds"] == 180
    assert created["minIntervalSeconds"] == 30
    assert created["quietHours"] is None and created["dailyCap"] is None
    assert created["template"] is None and created["configuredSecrets"] == []
    again = await ok(await client.get(f"/api/v1/mirrors/{created['id']}", headers=org.headers))
    assert again == created
    listed = await ok(await client.get("/api/v1/mirrors", headers=org.headers))
    assert [m["id"] for m in listed["data"]] == [created["id"]]
    assert listed["pagination"]["total_data"] == 1


async def test_affiliate_secrets_are_write_only(client: Client, org: Org, hook: Hook) -> None:
    affiliate = {
        "amazonTag": "loja-20",
        "mercadoLivre": {"mattWord": "loja", "mattTool": "123"},
        "magaluStore": "magazineloja",
        "shopee": {"appId": "1800", "secret": "s3cr3t-shopee"},
        "aliexpress": {"appKey": "5000", "secret": "s3cr3t-ali", "trackingId": "loja"},
    }
    response = await _post(client, org, **_body(hook, affiliate=affiliate))
    assert "s3cr3t" not in response.text
    created = await ok(response, 201)
    assert created["affiliate"] == {
        "amazonTag": "loja-20",
        "mercadoLivre": {"mattWord": "loja", "mattTool": "123"},
        "magaluStore": "magazineloja",
        "shopee": {"appId": "1800"},
        "aliexpress": {"appKey": "5000", "trackingId": "loja"},
    }
    assert created["configuredSecrets"] == ["shopee.secret", "aliexpress.secret"]
    # A PATCH without the secret keeps the stored one.
    patched = await ok(
        await client.patch(
            f"/api/v1/mirrors/{created['id']}",
            json={"affiliate": {**affiliate, "shopee": {"appId": "1900"}, "aliexpress": None}},
            headers=org.headers,
        )
    )
    assert patched["affiliate"]["shopee"] == {"appId": "1900"}
    assert patched["configuredSecrets"] == ["shopee.secret"]


async def test_bad_bodies_get_422_with_a_code(
    client: Client, org: Org, other_org: Org, hook: Hook
) -> None:
    meta = await connection(client, org, provider="META", name="Cloud")
    foreign = await connection(client, other_org, name="Outra")
    cases = [
        (_body(hook, connectionId=foreign["id"]), "unknown_connection"),
        (_body(hook, connectionId=meta["id"]), "groups_not_supported"),
        (_body(hook, destinationGroupIds=[SOURCE, DEST_B]), "destination_is_source"),
        (_body(hook, sourceGroupIds=[]), "no_source_groups"),
        (_body(hook, quietHours={"start": "25:00", "end": "07:00"}), "invalid_quiet_hours"),
        (_body(hook, quietHours={"start": "22:00", "end": "22:00"}), "invalid_quiet_hours"),
        (_body(hook, template="Oferta! 🔥"), "invalid_template"),
        (_body(hook, template="{{texto}} {{texto}}"), "invalid_template"),
    ]
    for body, code in cases:
        response = await _post(client, org, **body)
        assert response.status_code == 422, (code, response.text)
        assert response.json()["code"] == code
    bad = await _post(client, org, **_body(hook, dedupHours=0))
    assert bad.status_code in (400, 422)
    created = await create_mirror(client, org, hook)
    swap = await client.patch(
        f"/api/v1/mirrors/{created['id']}",
        json={"destinationGroupIds": [SOURCE_2]},
        headers=org.headers,
    )
    assert swap.status_code == 422 and swap.json()["code"] == "destination_is_source"


async def test_another_organization_s_mirror_is_not_found(
    client: Client, org: Org, other_org: Org, hook: Hook
) -> None:
    created = await create_mirror(client, org, hook)
    path = f"/api/v1/mirrors/{created['id']}"
    for method, suffix in (
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("GET", "/posts"),
        ("GET", "/stats"),
    ):
        body = {"name": "x"} if method == "PATCH" else None
        response = await client.request(method, path + suffix, json=body, headers=other_org.headers)
        assert response.status_code == 404, (method, suffix, response.text)
    listed = await ok(await client.get("/api/v1/mirrors", headers=other_org.headers))
    assert listed["data"] == []


async def test_changes_are_audited_without_values(
    client: Client, settings: Settings, org: Org, hook: Hook
) -> None:
    created = await create_mirror(
        client, org, hook, affiliate={"shopee": {"appId": "1", "secret": "zz-secret"}}
    )
    await ok(
        await client.patch(
            f"/api/v1/mirrors/{created['id']}",
            json={"name": "Novo nome", "dailyCap": 40},
            headers=org.headers,
        )
    )
    deleted = await client.delete(f"/api/v1/mirrors/{created['id']}", headers=org.headers)
    assert deleted.status_code == 204
    actions = await audit_actions(settings)
    assert [a for a, _ in actions] == ["mirror.created", "mirror.updated", "mirror.deleted"]
    assert actions[1][1] == {"fields": ["dailyCap", "name"]}
    assert "zz-secret" not in repr(actions)
    gone = await client.get(f"/api/v1/mirrors/{created['id']}", headers=org.headers)
    assert gone.status_code == 404


async def test_posts_and_stats_of_a_new_mirror_are_empty(
    client: Client, org: Org, hook: Hook
) -> None:
    created = await create_mirror(client, org, hook)
    posts = await ok(
        await client.get(f"/api/v1/mirrors/{created['id']}/posts", headers=org.headers)
    )
    assert posts["data"] == [] and posts["pagination"]["total_data"] == 0
    stats = await ok(
        await client.get(f"/api/v1/mirrors/{created['id']}/stats", headers=org.headers)
    )
    assert stats["timezone"] == "America/Sao_Paulo"
    assert stats["today"] == {
        "received": 0,
        "filtered": 0,
        "duplicate": 0,
        "queued": 0,
        "posted": 0,
        "failed": 0,
        "rewriteFailed": 0,
    }
    assert [d["groupId"] for d in stats["destinations"]] == [DEST_A, DEST_B]
    bad = await client.get(
        f"/api/v1/mirrors/{created['id']}/posts?status=NOPE", headers=org.headers
    )
    assert bad.status_code == 422


async def test_a_destination_the_number_is_not_in_is_refused(
    client: Client,
    org: Org,
    hook: Hook,
    evolution_api: EvolutionStandIn,
    deps: WorkerContext,
    redis: ArqRedis,
) -> None:
    # The number's next listing: it is in SOURCE and DEST_A, no longer in DEST_B.
    evolution_api.groups = [
        StandInGroup(SOURCE, "Fonte de ofertas"),
        StandInGroup(DEST_A, "Ofertas VIP"),
    ]
    ctx = {CONTEXT_KEY: deps, "redis": redis, "job_try": 1}
    assert await sync_connection_groups(ctx, hook.id) == "2 groups"

    body = {
        "name": "depois",
        "connectionId": hook.id,
        "sourceGroupIds": [SOURCE],
        "destinationGroupIds": [DEST_A, DEST_B],
    }
    refused = await client.post("/api/v1/mirrors", json=body, headers=org.headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "unknown_group"
    assert DEST_B in refused.text
    made = await create_mirror(client, org, hook, name="ok", destinationGroupIds=[DEST_A])
    moved = await client.patch(
        f"/api/v1/mirrors/{made['id']}",
        json={"destinationGroupIds": [DEST_B]},
        headers=org.headers,
    )
    assert moved.status_code == 422 and moved.json()["code"] == "unknown_group", moved.text


async def test_a_number_whose_groups_were_never_listed_takes_typed_ids(
    client: Client, org: Org, hook: Hook
) -> None:
    fresh = await connection(client, org)  # native: groups, none listed yet
    made = await create_mirror(client, org, hook, connectionId=fresh["id"], name="digitados")
    assert made["destinationGroupIds"] == [DEST_A, DEST_B]
