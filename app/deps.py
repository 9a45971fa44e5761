"""Request-scoped dependencies shared by every feature."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import SkipValidation
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.db.tenancy import set_tenant
from app.sessions.actor import bind_principal
from app.state import AppState, state_of


async def provide_db(state: State, request: Request[Any, Any, Any]) -> AsyncIterator[AsyncSession]:
    """A database session scoped to the caller's organization (see app.db.tenancy).
    Handlers commit explicitly; anything uncommitted is rolled back."""
    async with state_of(state).sessionmaker() as db:
        user = request.scope.get("user")
        if isinstance(user, Principal):
            set_tenant(db, user.organization_id)
            bind_principal(db, user)
        yield db


def provide_principal(request: Request[Principal, Any, Any]) -> Principal:
    return request.user


def provide_app_state(state: State) -> AppState:
    return state_of(state)


# Handlers name what they need by these aliases (Litestar injects by parameter name).
Db = NamedDependency[AsyncSession]
Caller = NamedDependency[Principal]
# As ``app_state``: settings, engine, Redis, storage… Not validated: it is ours, and a
# dataclass would be converted field by field on every request.
Shared = NamedDependency[SkipValidation[AppState]]
