"""Request-scoped dependencies shared by every feature."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.db.tenancy import set_tenant


async def provide_db(state: State, request: Request[Any, Any, Any]) -> AsyncIterator[AsyncSession]:
    """A database session scoped to the caller's organization (see app.db.tenancy).
    Handlers commit explicitly; anything uncommitted is rolled back."""
    async with state.sessionmaker() as db:
        user = request.scope.get("user")
        if isinstance(user, Principal):
            set_tenant(db, user.organization_id)
        yield db


def provide_principal(request: Request[Principal, Any, Any]) -> Principal:
    return request.user


# Handlers name what they need by these aliases (Litestar injects by parameter name).
Db = NamedDependency[AsyncSession]
Caller = NamedDependency[Principal]
