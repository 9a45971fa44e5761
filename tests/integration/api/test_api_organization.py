"""The organization's own settings (GET|PATCH /api/v1/organization): what it reads,
what a change must be, who may change it, and that it is always the caller's own."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from apikit import Client, ok, user
from support.orgs import Org

import prompts
from app.config import Settings
from app.db import models as m
from app.db.engine import make_engine, make_sessionmaker

PATH = "/api/v1/organization"


async def _audit(settings: Settings, org: Org) -> list[m.AuditLog]:
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as db:
            rows = await db.scalars(
                sa.select(m.AuditLog)
                .where(m.AuditLog.organization_id == uuid.UUID(org.id))
                .order_by(m.AuditLog.id)
            )
            return list(rows)
    finally:
        await engine.dispose()


async def test_it_reads_the_defaults_and_changes_every_field(
    client: Client, settings: Settings, org: Org
) -> None:
    first = await ok(await client.get(PATH, headers=org.headers))
    default = prompts.render("opt_out_confirmation", organization_name="Padaria Centro")
    assert first == {
        "id": org.id,
        "name": "Padaria Centro",
        "timezone": "America/Sao_Paulo",
        "holidaySubdivision": None,
        "optOutMessage": None,
        "optOutMessageDefault": default,
        "createdAt": first["createdAt"],
        "updatedAt": first["updatedAt"],
    }
    assert "Padaria Centro" in default

    body = {
        "name": "  Padaria Centro Ltda ",
        "timezone": "America/Manaus",
        "holidaySubdivision": "am",
        "optOutMessage": "  Tudo certo, você saiu da lista.  ",
    }
    changed = await ok(await client.patch(PATH, json=body, headers=org.headers))
    assert changed["name"] == "Padaria Centro Ltda"
    assert changed["timezone"] == "America/Manaus"
    assert changed["holidaySubdivision"] == "AM"
    assert changed["optOutMessage"] == "Tudo certo, você saiu da lista."
    # The built-in text follows the name, whatever the organization's own text.
    assert "Padaria Centro Ltda" in changed["optOutMessageDefault"]
    assert changed["updatedAt"] >= first["updatedAt"]
    assert await ok(await client.get(PATH, headers=org.headers)) == changed

    # Only what the body carries changes; null and blank go back to the defaults.
    back = await ok(
        await client.patch(
            PATH, json={"holidaySubdivision": None, "optOutMessage": "   "}, headers=org.headers
        )
    )
    assert (back["name"], back["timezone"]) == ("Padaria Centro Ltda", "America/Manaus")
    assert back["holidaySubdivision"] is None and back["optOutMessage"] is None
    cleared = await ok(await client.patch(PATH, json={"optOutMessage": None}, headers=org.headers))
    assert cleared["optOutMessage"] is None
    assert (await ok(await client.patch(PATH, json={}, headers=org.headers)))["name"] == (
        "Padaria Centro Ltda"
    )

    # Who changed which field is in the audit log (without the values).
    logged = await _audit(settings, org)
    assert [(row.action, row.data["fields"]) for row in logged] == [
        (
            "organization.updated",
            ["holidaySubdivision", "name", "optOutMessage", "timezone"],
        ),
        ("organization.updated", ["holidaySubdivision", "optOutMessage"]),
    ]  # the second null and the empty body changed nothing
    assert all(row.actor_api_key_id is not None for row in logged)


async def test_the_default_text_is_the_one_the_responder_sends(
    client: Client, settings: Settings, org: Org
) -> None:
    """The worker fills the same template with the organization's name (workers/respond)."""
    shown = await ok(await client.get(PATH, headers=org.headers))
    template = prompts.template("opt_out_confirmation")
    assert shown["optOutMessageDefault"] == template.render(organization_name=shown["name"])


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"timezone": "America/Atlantis"}, "invalid_timezone", "timezone"),
        ({"timezone": "localtime"}, "invalid_timezone", "timezone"),
        ({"timezone": "../../etc/passwd"}, "invalid_timezone", "timezone"),
        ({"timezone": ""}, "validation_error", "timezone"),
        ({"timezone": None}, "validation_error", "timezone"),
        ({"timezone": 3}, "validation_error", "timezone"),
        ({"holidaySubdivision": "XX"}, "invalid_subdivision", "holidaySubdivision"),
        ({"holidaySubdivision": "São Paulo"}, "invalid_subdivision", "holidaySubdivision"),
        ({"holidaySubdivision": ""}, "validation_error", "holidaySubdivision"),
        ({"holidaySubdivision": ["SP"]}, "validation_error", "holidaySubdivision"),
        ({"optOutMessage": "x" * 1001}, "validation_error", "optOutMessage"),
        ({"optOutMessage": "sem\x00nul"}, "validation_error", "optOutMessage"),
        ({"optOutMessage": 12}, "validation_error", "optOutMessage"),
        ({"name": ""}, "validation_error", "name"),
        ({"name": "   "}, "validation_error", "name"),
        ({"name": None}, "validation_error", "name"),
        ({"name": "x" * 201}, "validation_error", "name"),
    ],
)
async def test_bad_values_are_422_naming_the_field(
    client: Client, org: Org, body: dict[str, Any], code: str, field: str
) -> None:
    before = await ok(await client.get(PATH, headers=org.headers))
    response = await client.patch(PATH, json=body, headers=org.headers)
    assert response.status_code == 422, response.text
    assert (response.json()["code"], response.json()["extra"]["field"]) == (code, field)
    assert await ok(await client.get(PATH, headers=org.headers)) == before


async def test_the_longest_text_and_every_state_are_accepted(client: Client, org: Org) -> None:
    text = "á" * 1000
    saved = await ok(await client.patch(PATH, json={"optOutMessage": text}, headers=org.headers))
    assert saved["optOutMessage"] == text
    refused = await client.patch(PATH, json={"holidaySubdivision": "XX"}, headers=org.headers)
    states = refused.json()["extra"]["allowed"]
    assert len(states) == 27 and "SP" in states and "DF" in states
    for state in states:
        body = {"holidaySubdivision": state.lower()}
        assert (await ok(await client.patch(PATH, json=body, headers=org.headers)))[
            "holidaySubdivision"
        ] == state


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b"{", 400, "bad_request"),
        (b"[]", 422, "validation_error"),
        (b'"name"', 422, "validation_error"),
        (b"null", 422, "validation_error"),
        (b"\xff\xfe", 400, "bad_request"),
        (b'{"name": "\\ud800"}', 400, "bad_request"),
        (b"[" * 5000 + b"]" * 5000, 400, "too_deep"),
    ],
    ids=["truncated", "array", "string", "null", "not-utf8", "surrogate", "deep"],
)
async def test_malformed_bodies_are_4xx(
    client: Client, org: Org, content: bytes, status: int, code: str
) -> None:
    response = await client.patch(
        PATH, content=content, headers={**org.headers, "content-type": "application/json"}
    )
    assert (response.status_code, response.json()["code"]) == (status, code), response.text


async def test_unknown_fields_are_ignored_like_elsewhere(client: Client, org: Org) -> None:
    body = {"name": "Padaria Nova", "plan": {"maxAgents": 1000}, "id": str(uuid.uuid4())}
    saved = await ok(await client.patch(PATH, json=body, headers=org.headers))
    assert (saved["name"], saved["id"]) == ("Padaria Nova", org.id)


@pytest.mark.parametrize("role", ["AGENT", "SUPERVISOR", "VIEWER"])
async def test_only_an_administrator_changes_it(client: Client, org: Org, role: str) -> None:
    _, headers = await user(client, org, role, f"{role.lower()}@padaria.example")
    read = await ok(await client.get(PATH, headers=headers))
    assert read["name"] == "Padaria Centro"
    refused = await client.patch(PATH, json={"name": "Tomada"}, headers=headers)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "forbidden"
    assert (await ok(await client.get(PATH, headers=org.headers)))["name"] == "Padaria Centro"


async def test_an_admin_user_changes_it_with_a_token(client: Client, org: Org) -> None:
    _, headers = await user(client, org, "ADMIN", "socia@padaria.example")
    saved = await ok(await client.patch(PATH, json={"timezone": "UTC"}, headers=headers))
    assert saved["timezone"] == "UTC"


async def test_each_organization_sees_and_changes_only_its_own(
    client: Client, org: Org, other_org: Org
) -> None:
    mine = await ok(await client.get(PATH, headers=org.headers))
    theirs = await ok(await client.get(PATH, headers=other_org.headers))
    assert (mine["id"], theirs["id"]) == (org.id, other_org.id)
    assert theirs["name"] == "Outra Loja"

    await ok(
        await client.patch(
            PATH, json={"name": "Outra Loja 2", "timezone": "America/Recife"},
            headers=other_org.headers,
        )
    )  # fmt: skip
    assert await ok(await client.get(PATH, headers=org.headers)) == mine
    # There is no way to name another organization: its id in the path is no route.
    other = await client.get(f"{PATH}/{other_org.id}", headers=org.headers)
    assert other.status_code in (404, 405)
    assert other_org.id not in other.text


async def test_without_credentials_it_is_401(client: Client) -> None:
    assert (await client.get(PATH)).status_code == 401
    assert (await client.patch(PATH, json={"name": "x"})).status_code == 401
