from __future__ import annotations

from app.schemas import Camel


class Group(Camel):
    """A group the connection's number is in: ``id`` is what a post names as
    ``groupId``."""

    id: str
    name: str
    participants: int
