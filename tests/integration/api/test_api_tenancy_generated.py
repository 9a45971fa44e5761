"""Tenant isolation, generated from the OpenAPI document: every operation with an id in
its path, every method, is called with organization A's real ids and organization B's
API key, and must refuse (404, or the route's documented refusal) without a byte of A's
data; id filters in query strings and id fields in bodies are probed the same way. A's
data is read back afterwards, unchanged, and the same calls with B's own ids get past
the lookup (so a 404 means "not yours", not "broken call").

A new endpoint is covered by existing: an id kind this file cannot make fails the test
until MAKERS learns it.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from apikit import Client, message, next_phone, ok, session
from support.orgs import Org

from app.config import Settings
from app.db import models as m
from app.db.engine import make_engine, make_sessionmaker
from app.media import LocalMediaStorage

Maker = Callable[["Tenant"], Awaitable[str]]
# Parameters and fields that name something of the caller's organization, by kind; camel
# names are read as snake (tabulationIds → tabulation_id).
ALIASES = {"agent_id": "user_id", "phone": "contact_phone", "key": "media_key"}
# Path parameters that are not ids.
NOT_IDS: dict[str, Callable[[Tenant], str]] = {
    "provider": lambda _: "native",
    "token": lambda _: "not-an-invite-token",  # invite links: the token is the credential
}
# Public routes (a provider calls them with the connection's token, not an API key):
# their refusal without the token, which the caller's own ids get too.
PUBLIC: dict[tuple[str, str], tuple[int, str]] = {
    ("POST", "/api/v1/webhooks/{provider}/{connection_id}"): (401, "invalid_signature"),
    ("GET", "/api/v1/webhooks/{provider}/{connection_id}"): (404, "not_found"),  # Meta only
    ("GET", "/api/v1/auth/invites/{token}"): (404, "invite_unknown"),
    ("POST", "/api/v1/auth/invites/{token}/accept"): (404, "invite_unknown"),
}
WRITES = ("POST", "PUT", "PATCH", "DELETE")
VOLATILE = frozenset({"exportedAt", "remainingSeconds"})


class Tenant:
    """One organization and the real ids of everything in it, made on first use."""

    def __init__(self, client: Client, settings: Settings, org: Org, tag: str) -> None:
        self.client, self.settings, self.org, self.tag = client, settings, org, tag
        self._ids: dict[str, str] = {}

    @property
    def headers(self) -> dict[str, str]:
        return self.org.headers

    async def id(self, kind: str) -> str:
        if kind not in self._ids:
            maker = MAKERS.get(kind)
            if maker is None:
                pytest.fail(f"no way to make a real {kind!r}: teach MAKERS how")
            self._ids[kind] = await maker(self)
        return self._ids[kind]

    def made(self) -> dict[str, str]:
        return dict(self._ids)

    async def create(self, path: str, body: dict[str, Any], **kwargs: Any) -> str:
        response = await self.client.post(path, json=body, headers=self.headers, **kwargs)
        created: dict[str, Any] = await ok(response, 201)
        return str(created["id"])

    async def insert(self, row: Any) -> str:
        assert self.settings.database_url
        engine = make_engine(self.settings.database_url, pool_size=1)
        try:
            async with make_sessionmaker(engine)() as db:
                db.add(row)
                await db.commit()
                return str(row.id)
        finally:
            await engine.dispose()


async def _contact(t: Tenant) -> str:
    body = {"phoneNumber": next_phone(), "name": f"Cliente {t.tag}"}
    return await t.create("/api/v1/contacts", body)


async def _contact_phone(t: Tenant) -> str:
    contact = await ok(
        await t.client.get(f"/api/v1/contacts/{await t.id('contact_id')}", headers=t.headers)
    )
    return str(contact["phoneNumber"])


async def _session(t: Tenant) -> str:
    return await session(t.settings, t.org, await t.id("contact_id"), await t.id("connection_id"))


async def _message(t: Tenant) -> str:
    return str((await message(t.client, t.org, await t.id("session_id"), f"segredo {t.tag}"))["id"])


async def _document(t: Tenant) -> str:
    files = {"file": ("faq.txt", f"Horário {t.tag}: das 8h às 18h.".encode(), "text/plain")}
    response = await t.client.post(
        "/api/v1/knowledge", files=files, data={"title": f"FAQ {t.tag}"}, headers=t.headers
    )
    return str((await ok(response, 201))["id"])


async def _delivery(t: Tenant) -> str:
    return await t.insert(
        m.WebhookDelivery(
            organization_id=uuid.UUID(t.org.id),
            subscription_id=uuid.UUID(await t.id("subscription_id")),
            event="session.closed",
            payload={"secret": t.tag},
        )
    )


async def _turn(t: Tenant) -> str:
    now = dt.datetime.now(dt.UTC)
    return await t.insert(
        m.Turn(
            organization_id=uuid.UUID(t.org.id),
            session_id=uuid.UUID(await t.id("session_id")),
            burst_key=await t.id("message_id"),
            status=m.TurnStatus.READY,
            message_ids=[uuid.UUID(await t.id("message_id"))],
            merged_text=f"segredo {t.tag}",
            first_message_at=now,
            last_message_at=now,
            deadline_at=now,
            fired_at=now,
            lateness_ms=0.0,
        )
    )


async def _media_key(t: Tenant) -> str:
    storage = LocalMediaStorage(t.settings.media_dir)
    return await storage.put(t.org.id, b"OggS" + t.tag.encode() * 64, mimetype="audio/ogg")


async def _user(t: Tenant) -> str:
    email = f"agente-{uuid.uuid4().hex[:8]}@{t.tag}.example"
    departments = [await t.id("department_id")]
    body = {"email": email, "role": "AGENT", "password": "senha-forte-123",
            "departmentIds": departments}  # fmt: skip
    return await t.create("/api/v1/users", body)


async def _import(t: Tenant) -> str:
    files = {"file": ("lista.csv", f"telefone;nome\n{next_phone()};{t.tag}\n".encode())}
    response = await t.client.post(
        f"/api/v1/contact-lists/{await t.id('list_id')}/imports", files=files, headers=t.headers
    )
    return str((await ok(response, 202))["id"])


async def _contact_list(t: Tenant) -> str:
    return await t.insert(m.ContactList(organization_id=uuid.UUID(t.org.id), name=t.tag))


async def _mirror(t: Tenant) -> str:
    body = {
        "name": f"Espelho {t.tag}",
        "connectionId": await t.id("connection_id"),
        "sourceGroupIds": [f"120363{t.tag}01@g.us"],
        "destinationGroupIds": [f"120363{t.tag}02@g.us"],
        "affiliate": {"shopee": {"appId": "1", "secret": f"segredo {t.tag}"}},
    }
    return await t.create("/api/v1/mirrors", body)


async def _team_channel(t: Tenant) -> str:
    return await t.insert(
        m.TeamChannel(
            organization_id=uuid.UUID(t.org.id),
            kind=m.TeamChannelKind.DEPARTMENT,
            department_id=uuid.UUID(await t.id("department_id")),
        )
    )


MAKERS: dict[str, Maker] = {
    "connection_id": lambda t: t.create(
        "/api/v1/connections", {"name": t.tag, "provider": "NATIVE"}
    ),
    "contact_id": _contact,
    "contact_phone": _contact_phone,
    "session_id": _session,
    "message_id": _message,
    "tabulation_id": lambda t: t.create("/api/v1/tabulations", {"name": f"Tab {t.tag}"}),
    "department_id": lambda t: t.create("/api/v1/departments", {"name": f"Dep {t.tag}"}),
    "user_id": _user,
    "key_id": lambda t: t.create("/api/v1/api-keys", {"name": f"chave {t.tag}"}),
    "document_id": _document,
    "subscription_id": lambda t: t.create(
        "/api/v1/webhook-subscriptions",
        {"url": f"https://crm.example/{t.tag}", "events": ["message.created"]},
    ),
    "delivery_id": _delivery,
    "turn_id": _turn,
    "reply_id": lambda t: t.create("/api/v1/quick-replies", {"shortcut": t.tag, "content": "x"}),
    "media_key": _media_key,
    "list_id": lambda t: t.create("/api/v1/contact-lists", {"name": f"Lista {t.tag}"}),
    "import_id": _import,
    "contact_list_id": _contact_list,
    "campaign_id": lambda t: t.create(
        "/api/v1/campaigns", {"name": f"Campanha {t.tag}", "messages": [{"text": "Oi"}]}
    ),
    "mirror_id": _mirror,
    "channel_id": _team_channel,
    "rule_id": lambda t: t.create(
        "/api/v1/bot-rules",
        {"name": f"Regra {t.tag}", "match": {"kind": "ANY"},
         "actions": [{"type": "REPLY", "text": "Oi"}]},
    ),
}  # fmt: skip


def kind_of(name: str) -> str:
    """``tabulationIds`` → ``tabulation_id``; ``agentId`` → ``user_id``."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    snake = snake[:-1] if snake.endswith("_ids") else snake
    return ALIASES.get(snake, snake)


def is_id_field(name: str, schema: dict[str, Any]) -> bool:
    return kind_of(name) in MAKERS and _uuid_like(schema)


def _uuid_like(schema: dict[str, Any]) -> bool:
    if schema.get("format") == "uuid":
        return True
    for key in ("items", "oneOf", "anyOf"):
        inner = schema.get(key)
        parts = inner if isinstance(inner, list) else [inner] if inner else []
        if any(_uuid_like(part) for part in parts):
            return True
    return False


class Document:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            schema = self.raw["components"]["schemas"][name]
        return schema

    def operations(self) -> list[tuple[str, str, dict[str, Any]]]:
        found = []
        for path, item in self.raw["paths"].items():
            for method in ("get", "post", "put", "patch", "delete"):
                if method in item and not path.startswith("/inbox"):
                    found.append((method.upper(), path, item[method]))
        return found

    def body_schema(self, operation: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        content = operation.get("requestBody", {}).get("content", {})
        if not content:
            return None
        media_type = next(iter(content))
        schema = self.resolve(content[media_type]["schema"])
        for option in schema.get("oneOf", []):  # Optional[Body]: the object, not null
            if self.resolve(option).get("type") == "object":
                schema = self.resolve(option)
        return media_type, schema


async def minimal(doc: Document, schema: dict[str, Any], t: Tenant, name: str = "") -> Any:
    """The smallest value the schema accepts, with the tenant's own ids for id fields."""
    schema = doc.resolve(schema)
    if name and is_id_field(name, schema):
        own = await t.id(kind_of(name))
        return [own] if _is_array(doc, schema) else own
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("oneOf", "anyOf"):
        if key in schema:
            options = [doc.resolve(o) for o in schema[key] if doc.resolve(o).get("type") != "null"]
            if not options:
                return None
            merged = {**options[0], **{k: v for k, v in schema.items() if k != key}}
            return await minimal(doc, merged, t, name)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {p: await minimal(doc, props[p], t, p) for p in schema.get("required", [])}
    if kind == "array":
        item = await minimal(doc, schema.get("items", {}), t)
        return [item] * max(int(schema.get("minItems", 0)), 0)
    if kind == "integer" or kind == "number":
        return int(schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if kind == "string":
        if schema.get("format") == "email":
            return f"x-{uuid.uuid4().hex[:6]}@example.com"
        return "x" * max(int(schema.get("minLength", 1)), 1)
    return None


def _is_array(doc: Document, schema: dict[str, Any]) -> bool:
    if schema.get("type") == "array":
        return True
    return any(doc.resolve(o).get("type") == "array" for o in schema.get("oneOf", []))


class Call:
    def __init__(self, method: str, template: str, path: str, body: Any, media_type: str | None):
        self.method, self.template, self.path = method, template, path
        self.body, self.media_type = body, media_type

    def __repr__(self) -> str:
        return f"{self.method} {self.path} {self.body!r}"


async def _fill(template: str, t: Tenant) -> str:
    path = template
    for name in re.findall(r"{(\w+)}", template):
        value = NOT_IDS[name](t) if name in NOT_IDS else await t.id(kind_of(name))
        path = path.replace("{" + name + "}", value)
    return path


async def _call(
    doc: Document, method: str, template: str, operation: dict[str, Any], ids: Tenant, own: Tenant
) -> Call:
    """``ids`` fills the path, ``own`` (the caller) the body's id fields."""
    body_schema = doc.body_schema(operation)
    body, media_type = None, None
    if body_schema is not None:
        media_type, schema = body_schema
        body = await minimal(doc, schema, own)
    return Call(method, template, await _fill(template, ids), body, media_type)


async def send(client: Client, call: Call, headers: dict[str, str]) -> Any:
    if call.media_type == "multipart/form-data":
        files = {"file": ("a.txt", b"conteudo", "text/plain")}
        return await client.request(call.method, call.path, files=files, headers=headers)
    body = call.body if call.method in WRITES or call.body is not None else None
    return await client.request(call.method, call.path, json=body, headers=headers)


def assert_no_leak(response: Any, secrets: set[str], call: Call) -> None:
    text, sent = response.text, repr(call)  # an error may name the id it was given
    leaked = {s for s in secrets if s in text and s not in sent}
    assert not leaked, f"{call}: {response.status_code} shows the other tenant's {leaked}"


async def _snapshot(doc: Document, a: Tenant) -> dict[str, Any]:
    """Every GET A can make of its own things (lists and the objects by id)."""
    seen: dict[str, Any] = {}
    for method, template, _ in doc.operations():
        if method != "GET" or template.startswith(("/api/v1/webhooks/", "/health", "/ready")):
            continue
        if template in ("/metrics", "/api/v1/auth/me") or "/media/" in template:
            continue
        path = await _fill(template, a)
        response = await a.client.get(path, headers=a.headers)
        if "json" not in response.headers.get("content-type", ""):  # recipients.csv
            seen[path] = (response.status_code, response.text)
            continue
        seen[path] = (response.status_code, _steady(response.json()))
    return seen


def _steady(value: Any) -> Any:
    """A response without what changes by itself (the time an export was made)."""
    if isinstance(value, dict):
        return {k: _steady(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_steady(v) for v in value]
    return value


async def _probe_bodies(
    client: Client, doc: Document, a: Tenant, b: Tenant, secrets: set[str]
) -> list[str]:
    """B's own call, with one id field of its body set to A's: refused, never stored."""
    probed: list[str] = []
    for method, template, operation in doc.operations():
        body_schema = doc.body_schema(operation)
        if body_schema is None or body_schema[0] != "application/json":
            continue
        properties = body_schema[1].get("properties", {})
        for name, field in properties.items():
            field = doc.resolve(field)
            if not is_id_field(name, field):
                continue
            call = await _call(doc, method, template, operation, ids=b, own=b)
            theirs = await a.id(kind_of(name))
            call.body = {**call.body, name: [theirs] if _is_array(doc, field) else theirs}
            response = await send(client, call, b.headers)
            assert 400 <= response.status_code < 500, f"{call}: {response.status_code}"
            assert response.status_code in (404, 422), f"{call}: {response.text}"
            assert_no_leak(response, secrets, call)
            probed.append(f"{method} {template} body.{name}")
    return probed


async def _probe_filters(
    client: Client, doc: Document, a: Tenant, b: Tenant, secrets: set[str]
) -> list[str]:
    """A query-string filter naming A's id finds nothing of A's."""
    probed: list[str] = []
    for method, template, operation in doc.operations():
        for parameter in operation.get("parameters", []):
            name = parameter["name"]
            if parameter["in"] != "query" or not is_id_field(name, parameter.get("schema", {})):
                continue
            call = await _call(doc, method, template, operation, ids=b, own=b)
            call.path += f"?{name}={await a.id(kind_of(name))}"
            response = await send(client, call, b.headers)
            assert response.status_code in (200, 404, 422), f"{call}: {response.text}"
            assert_no_leak(response, secrets, call)
            if response.status_code == 200:
                assert response.json()["data"] == [], f"{call}: {response.text}"
            probed.append(f"{method} {template}?{name}")
    return probed


@pytest.fixture
async def tenants(
    client: Client, settings: Settings, org: Org, other_org: Org
) -> tuple[Tenant, Tenant]:
    return Tenant(client, settings, org, "alfa"), Tenant(client, settings, other_org, "beta")


async def test_other_tenants_ids_are_404_everywhere(
    client: Client, tenants: tuple[Tenant, Tenant]
) -> None:
    a, b = tenants
    raw = (await client.get("/schema/openapi.json")).json()
    doc = Document(raw)
    operations = [op for op in doc.operations() if "{" in op[1]]
    assert len(operations) >= 50
    # Every id kind made up front, so no maker runs after a call changed its tenant.
    for tenant in (a, b):
        for _, template, _ in operations:
            await _fill(template, tenant)
        for kind in MAKERS:
            await tenant.id(kind)
    secrets = set(a.made().values()) | {"segredo alfa", "alfa.example", "crm.example/alfa"}
    before = await _snapshot(doc, a)

    refused: list[str] = []
    for method, template, operation in operations:
        call = await _call(doc, method, template, operation, ids=a, own=b)
        response = await send(client, call, b.headers)
        status, code = PUBLIC.get((method, template), (404, "not_found"))
        assert response.status_code == status, f"{call}: {response.status_code} {response.text}"
        assert response.json()["code"] == code, call
        assert_no_leak(response, secrets, call)
        refused.append(f"{method} {template}")

    bodies = await _probe_bodies(client, doc, a, b, secrets)
    filters = await _probe_filters(client, doc, a, b, secrets)
    assert len(bodies) >= 10 and len(filters) >= 5
    assert await _snapshot(doc, a) == before, "a refused call changed the other tenant's data"
    # The same calls with B's own ids get past the lookup: the 404s above meant "not yours".
    # Deletions of whole objects last, so that nothing is gone before its own calls.
    last = sorted(operations, key=lambda op: op[0] == "DELETE" and op[1].endswith("}"))
    for method, template, operation in last:
        if (method, template) in PUBLIC:
            continue
        call = await _call(doc, method, template, operation, ids=b, own=b)
        response = await send(client, call, b.headers)
        assert response.status_code != 404, f"own ids: {call}: {response.text}"
        assert response.status_code < 500, f"own ids: {call}: {response.text}"
    print(f"tenancy: {len(refused)} operations, {len(bodies)} body fields, {len(filters)} filters")
