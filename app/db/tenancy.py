"""Tenant scoping, enforced in one place: every ORM statement run on a session that
carries an organization id is filtered to that organization, so a handler cannot
forget it and another tenant's id behaves exactly like an id that does not exist.

Core statements (the ingest hot path) are not touched: they are keyed by a
connection resolved from its unguessable webhook token.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Mapped, ORMExecuteState, mapped_column, with_loader_criteria
from sqlalchemy.orm import Session as OrmSession


class TenantScoped:
    """Mixin of every model that belongs to an organization. Each model declares its
    own ``organization_id`` column (with its own index or key); this one is what the
    criteria below is written against."""

    organization_id: Mapped[uuid.UUID] = mapped_column()


class TenantSession(OrmSession):
    pass


def set_tenant(session: Any, organization_id: uuid.UUID | None) -> None:
    """Scope a session (sync or async) to one organization."""
    sync = getattr(session, "sync_session", session)
    sync.info["organization_id"] = organization_id


@event.listens_for(TenantSession, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    org = state.session.info.get("organization_id")
    if org is None or state.execution_options.get("all_tenants", False):
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(
            with_loader_criteria(
                TenantScoped,
                lambda cls: cls.organization_id == org,
                include_aliases=True,
            )
        )
