"""Role checks (async: Litestar runs sync guards in a worker thread, a cost on
every request). VIEWER reads only; ADMIN manages the organization. Department-level
rules (AGENT, SUPERVISOR) live with the resources they protect."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from app.auth.principal import Principal
from app.db.enums import Role
from app.errors import Forbidden

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    user = connection.scope.get("user")
    if not isinstance(user, Principal):
        raise Forbidden()
    return user


async def writers_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    user = connection.scope.get("user")  # None on routes excluded from auth
    is_viewer = isinstance(user, Principal) and user.role == Role.VIEWER
    if is_viewer and connection.scope.get("method") not in _READ_METHODS:
        raise Forbidden("Viewers can only read.")


async def admin_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if _principal(connection).role != Role.ADMIN:
        raise Forbidden("Only an administrator can do this.")


async def supervisors(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if _principal(connection).role not in (Role.ADMIN, Role.SUPERVISOR):
        raise Forbidden("Only a supervisor or administrator can do this.")
