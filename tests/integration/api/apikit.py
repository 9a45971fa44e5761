"""Builders for the API tests: what the API can create is created through it; sessions
(opened only by ingest) are inserted with the ORM."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from support.orgs import Org

from app.config import Settings
from app.db import models as m
from app.db.engine import make_engine, make_sessionmaker
from app.db.enums import SessionStatus, StartedBy

Client = AsyncTestClient[Litestar]
_phones = itertools.count(1000)


def next_phone() -> str:
    """A valid Brazilian mobile number, different on every call."""
    return f"55119{next(_phones):04d}{next(_phones) % 10000:04d}"


async def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def connection(client: Client, org: Org, **extra: Any) -> dict[str, Any]:
    body = {"name": "Loja", "provider": "NATIVE", **extra}
    return await ok(await client.post("/api/v1/connections", json=body, headers=org.headers), 201)


async def contact(client: Client, org: Org, **extra: Any) -> dict[str, Any]:
    body = {"phoneNumber": next_phone(), "name": "Maria", **extra}
    return await ok(await client.post("/api/v1/contacts", json=body, headers=org.headers), 201)


async def session(
    settings: Settings,
    org: Org,
    contact_id: str,
    connection_id: str,
    *,
    status: SessionStatus = SessionStatus.QUEUED,
    department_id: str | None = None,
    agent_id: str | None = None,
) -> str:
    assert settings.database_url
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as db:
            row = m.Session(
                organization_id=uuid.UUID(org.id),
                contact_id=uuid.UUID(contact_id),
                connection_id=uuid.UUID(connection_id),
                status=status,
                started_by=StartedBy.CUSTOMER,
                assigned_department_id=uuid.UUID(department_id) if department_id else None,
                assigned_agent_id=uuid.UUID(agent_id) if agent_id else None,
            )
            db.add(row)
            await db.commit()
            return str(row.id)
    finally:
        await engine.dispose()


async def message(
    client: Client, org: Org, session_id: str, text: str = "Olá", **extra: Any
) -> dict[str, Any]:
    body = {
        "sessionId": session_id,
        "type": "TEXT",
        "author": "CUSTOMER",
        "content": {"text": text},
        **extra,
    }
    return await ok(await client.post("/api/v1/messages", json=body, headers=org.headers), 201)


async def login(client: Client, email: str, password: str = "senha-forte-123") -> dict[str, str]:
    body = {"email": email, "password": password}
    tokens = await ok(await client.post("/api/v1/auth/login", json=body))
    return {"Authorization": f"Bearer {tokens['accessToken']}"}


async def user(
    client: Client, org: Org, role: str, email: str, departments: list[str] | None = None
) -> tuple[str, dict[str, str]]:
    body = {
        "email": email,
        "password": "senha-forte-123",
        "role": role,
        "departmentIds": departments or [],
    }
    created = await ok(await client.post("/api/v1/users", json=body, headers=org.headers), 201)
    return created["id"], await login(client, email)


async def department(client: Client, org: Org, name: str, **extra: Any) -> dict[str, Any]:
    body = {"name": name, **extra}
    return await ok(await client.post("/api/v1/departments", json=body, headers=org.headers), 201)


async def tabulation(client: Client, org: Org, name: str, **extra: Any) -> dict[str, Any]:
    body = {"name": name, **extra}
    return await ok(await client.post("/api/v1/tabulations", json=body, headers=org.headers), 201)


class World:
    """One organization with a connection, a contact and an open session."""

    def __init__(self, org: Org, conn: dict[str, Any], person: dict[str, Any], sid: str) -> None:
        self.org, self.connection, self.contact, self.session_id = org, conn, person, sid

    @property
    def headers(self) -> dict[str, str]:
        return self.org.headers


async def world(client: Client, settings: Settings, org: Org) -> World:
    conn = await connection(client, org)
    person = await contact(client, org)
    sid = await session(settings, org, person["id"], conn["id"])
    return World(org, conn, person, sid)
