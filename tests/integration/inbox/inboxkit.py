"""Builders for the inbox tests: signing in as a user of the organization, and the
requests the inbox page makes (cookie + the X-Balcao-Inbox header)."""

from __future__ import annotations

import re

from apikit import Client

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


def row_ids(html: str) -> list[str]:
    """The sessions a queue fragment lists, in order."""
    return re.findall(r'id="q-([0-9a-f-]{36})"', html)
