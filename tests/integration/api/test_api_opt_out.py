"""Opt-out of campaigns through HTTP: who did it is recorded, the first one is kept."""

from __future__ import annotations

from apikit import Client, contact, ok, user
from support.orgs import Org


async def test_opt_out_and_back(client: Client, org: Org) -> None:
    person = await contact(client, org, fields={"plano": "ouro", "pontos": 12})
    assert person["fields"] == {"plano": "ouro", "pontos": 12}
    assert (person["optedOutAt"], person["optOutSource"]) == (None, None)
    path = f"/api/v1/contacts/{person['id']}/opt-out"
    out = await ok(await client.post(path, json={"reason": "pediu"}, headers=org.headers))
    assert out["optOutSource"] == "API" and out["optedOutAt"]
    again = await ok(await client.post(path, headers=org.headers))
    assert again["optedOutAt"] == out["optedOutAt"]  # the first opt-out is kept
    back = await ok(await client.delete(path, headers=org.headers))
    assert (back["optedOutAt"], back["optOutSource"]) == (None, None)
    _, agent = await user(client, org, "AGENT", "agente@padaria.example")
    by_agent = await ok(await client.post(path, json={}, headers=agent))
    assert by_agent["optOutSource"] == "AGENT"
    _, viewer = await user(client, org, "VIEWER", "leitor@padaria.example")
    refused = await client.delete(path, headers=viewer)
    assert refused.status_code == 403
    bad = await client.post(path, json={"reason": 5}, headers=org.headers)
    assert (bad.status_code, bad.json()["extra"]["field"]) == (422, "reason")


async def test_opt_out_of_another_tenant_is_404(client: Client, org: Org, other_org: Org) -> None:
    person = await contact(client, org)
    for method in ("post", "delete"):
        response = await getattr(client, method)(
            f"/api/v1/contacts/{person['id']}/opt-out", headers=other_org.headers
        )
        assert response.status_code == 404, method


async def test_fields_replace_on_patch(client: Client, org: Org) -> None:
    person = await contact(client, org, fields={"a": "1", "b": "2"})
    path = f"/api/v1/contacts/{person['id']}"
    patched = await ok(await client.patch(path, json={"fields": {"c": "3"}}, headers=org.headers))
    assert patched["fields"] == {"c": "3"}
    bad = await client.patch(path, json={"fields": {"x": {"nested": 1}}}, headers=org.headers)
    assert bad.status_code == 422
