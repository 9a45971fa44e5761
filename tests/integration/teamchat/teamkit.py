"""Builders for the team chat tests: people with roles and departments, through the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apikit import Client, department, ok, user
from support.orgs import Org

TEAM = "/api/v1/team"


@dataclass
class Person:
    id: str
    headers: dict[str, str]
    email: str

    @property
    def name(self) -> str:
        """A user created without a name is called by their e-mail's local part."""
        return self.email.split("@")[0]


@dataclass
class Team:
    suporte: str
    vendas: str
    agent: Person  # Suporte
    other_agent: Person  # Vendas
    supervisor: Person  # no department
    viewer: Person
    admin: Person


async def person(
    client: Client, org: Org, role: str, email: str, departments: list[str] | None = None
) -> Person:
    user_id, headers = await user(client, org, role, email, departments)
    return Person(user_id, headers, email)


async def team(client: Client, org: Org, tag: str = "padaria") -> Team:
    suporte = (await department(client, org, "Suporte"))["id"]
    vendas = (await department(client, org, "Vendas"))["id"]
    admin_headers = await _admin_headers(client, org)
    return Team(
        suporte=suporte,
        vendas=vendas,
        agent=await person(client, org, "AGENT", f"ana@{tag}.example", [suporte]),
        other_agent=await person(client, org, "AGENT", f"bruno@{tag}.example", [vendas]),
        supervisor=await person(client, org, "SUPERVISOR", f"carla@{tag}.example"),
        viewer=await person(client, org, "VIEWER", f"davi@{tag}.example"),
        admin=Person(org.admin_id, admin_headers, org.email),
    )


async def _admin_headers(client: Client, org: Org) -> dict[str, str]:
    body = {"email": org.email, "password": org.password}
    tokens = await ok(await client.post("/api/v1/auth/login", json=body))
    return {"Authorization": f"Bearer {tokens['accessToken']}"}


async def channels(client: Client, who: Person) -> dict[str, Any]:
    return await ok(await client.get(f"{TEAM}/channels", headers=who.headers))


async def department_channel(client: Client, who: Person, department_id: str) -> str:
    listed = await channels(client, who)
    return next(c["id"] for c in listed["data"] if c["departmentId"] == department_id)


async def say(client: Client, who: Person, channel_id: str, text: str, **extra: Any) -> Any:
    body = {"text": text, **extra}
    response = await client.post(
        f"{TEAM}/channels/{channel_id}/messages", json=body, headers=who.headers
    )
    return await ok(response, 201)


async def unread(client: Client, who: Person) -> dict[str, Any]:
    return await ok(await client.get(f"{TEAM}/unread", headers=who.headers))
