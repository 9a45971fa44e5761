"""The foundation through HTTP: ops endpoints, error shape, login, API keys, tenancy."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from support.orgs import Org

Client = AsyncTestClient[Litestar]


async def test_health_and_ready(client: Client) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "postgres": "ok", "redis": "ok"}


async def test_responses_carry_a_request_id(client: Client) -> None:
    generated = await client.get("/health")
    assert len(generated.headers["x-request-id"]) == 32
    echoed = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"


async def test_unknown_route_is_json_404(client: Client) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {
        "status": 404,
        "code": "not_found",
        "detail": "Not Found",
        "extra": {},
    }


async def test_openapi_and_metrics_are_served(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert schema["info"]["title"] == "Balcão API"
    assert "/api/v1/auth/login" in schema["paths"]
    await client.get("/health")
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert 'litestar_requests_total{app_name="balcao",method="GET",path="/health"' in metrics.text


async def test_calls_without_a_token_get_401(client: Client) -> None:
    response = await client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.json()["code"] == "missing_token"


async def test_garbage_tokens_get_401(client: Client) -> None:
    for token in ("bk_not-a-key", "eyJhbGciOiJIUzI1NiJ9.e30.bad", "x" * 5000):
        response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.json()["code"] == "invalid_token"


async def test_api_key_acts_as_admin_of_its_org(client: Client, org: Org) -> None:
    me = (await client.get("/api/v1/auth/me", headers=org.headers)).json()
    assert me["organizationId"] == org.id
    assert me["role"] == "ADMIN"
    assert me["userId"] is None


async def test_login_returns_tokens_that_work(client: Client, org: Org) -> None:
    login = await client.post(
        "/api/v1/auth/login", json={"email": org.email.upper(), "password": org.password}
    )
    assert login.status_code == 200
    tokens = login.json()
    assert tokens["tokenType"] == "Bearer"
    headers = {"Authorization": f"Bearer {tokens['accessToken']}"}
    me = (await client.get("/api/v1/auth/me", headers=headers)).json()
    assert me == {
        "organizationId": org.id,
        "role": "ADMIN",
        "userId": org.admin_id,
        "apiKeyId": None,
        "email": org.email,
        "name": "admin",
    }


async def test_login_with_a_wrong_password_is_401(client: Client, org: Org) -> None:
    for email, password in ((org.email, "wrong-password"), ("nobody@x.example", org.password)):
        response = await client.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_credentials"


async def test_login_validation_names_the_field(client: Client) -> None:
    response = await client.post("/api/v1/auth/login", json={"email": "a@b.c"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["extra"]["field"] == "password"


async def test_malformed_json_is_a_4xx(client: Client) -> None:
    response = await client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"status", "code", "detail", "extra"}


async def test_a_binary_value_in_a_text_form_field_is_a_4xx(client: Client, org: Org) -> None:
    # Found by the long schemathesis run: a PNG sent as a plain multipart field (no
    # filename) failed Litestar's text decoding with a 500.
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"\r\n\r\n'.encode()
        + b"\x89PNG\r\n\x1a\n\x00\x00"
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = await client.post(
        "/api/v1/knowledge",
        content=body,
        headers={**org.headers, "content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_encoding"


async def test_refresh_rotates_and_each_refresh_token_works_once(client: Client, org: Org) -> None:
    tokens = (
        await client.post("/api/v1/auth/login", json={"email": org.email, "password": org.password})
    ).json()
    first = await client.post("/api/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert first.status_code == 200
    assert first.json()["refreshToken"] != tokens["refreshToken"]
    again = await client.post("/api/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert again.status_code == 401
    access_as_refresh = await client.post(
        "/api/v1/auth/refresh", json={"refreshToken": tokens["accessToken"]}
    )
    assert access_as_refresh.status_code == 401


async def test_api_keys_are_shown_once_and_revocable(client: Client, org: Org) -> None:
    created = await client.post("/api/v1/api-keys", json={"name": "crm"}, headers=org.headers)
    assert created.status_code == 201
    key = created.json()["key"]
    listed = (await client.get("/api/v1/api-keys", headers=org.headers)).json()
    assert {k["name"] for k in listed} == {"default", "crm"}
    assert all("key" not in k for k in listed)
    headers = {"Authorization": f"Bearer {key}"}
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200
    revoked = await client.delete(f"/api/v1/api-keys/{created.json()['id']}", headers=org.headers)
    assert revoked.status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401


async def test_another_tenants_api_key_is_404(client: Client, org: Org, other_org: Org) -> None:
    created = await client.post("/api/v1/api-keys", json={"name": "crm"}, headers=org.headers)
    key_id = created.json()["id"]
    response = await client.delete(f"/api/v1/api-keys/{key_id}", headers=other_org.headers)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    listed = (await client.get("/api/v1/api-keys", headers=other_org.headers)).json()
    assert [k["name"] for k in listed] == ["default"]
