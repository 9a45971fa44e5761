"""Builders for the inbox tests: signing in as a user of the organization, and the
requests the inbox page makes (cookie + the X-Balcao-Inbox header)."""

from __future__ import annotations

import re
from typing import Any

from apikit import Client, ok

INBOX = {"X-Balcao-Inbox": "1"}


async def sign_in(client: Client, email: str, password: str = "senha-forte-123") -> None:
    """Sign in through the form; the client keeps the session cookie."""
    response = await client.post(
        "/inbox/login",
        data={"email": email, "password": password, "next": "/inbox"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert "balcao_inbox" in client.cookies


async def fragment(client: Client, path: str, status: int = 200) -> str:
    response = await client.get(path, headers=INBOX)
    assert response.status_code == status, (path, response.text)
    return response.text


async def page_call(client: Client, method: str, path: str, body: Any = None) -> Any:
    """A change the inbox page makes through the public API."""
    response = await client.request(method, path, json=body, headers=INBOX)
    return response


def row_ids(html: str) -> list[str]:
    """The sessions a queue fragment lists, in order."""
    return re.findall(r'id="q-([0-9a-f-]{36})"', html)


async def signed_out(client: Client) -> None:
    client.cookies.clear()


async def api_ok(response: Any, status: int = 200) -> Any:
    return await ok(response, status)
