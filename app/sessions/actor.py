"""Who changes a session, for its history.

The ``record_session_event`` trigger (migration 0022) reads the transaction-local setting
``balcao.actor`` ('TYPE:id', TYPE one of USER, API_KEY, AI, BOT_RULE, SYSTEM, CUSTOMER)
and ``balcao.reason``. Without an actor a session a customer's message opened is the
CUSTOMER's and any other change is SYSTEM's, so ingest, campaigns and crons set nothing.

Code on a raw connection calls :func:`set_actor` in the transaction that changes the
session. A request's database session carries its caller (:func:`bind_principal`, called
by ``app.deps.provide_db``) and the setting is written lazily, in the same transaction,
just before the first statement that inserts or updates a session: reads pay nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import ORMExecuteState, SessionTransaction
from sqlalchemy.orm import Session as OrmSession

from app.auth.principal import Principal
from app.db import models as m
from app.db.models.history import ActorType
from app.db.tenancy import TenantSession

_SET = sa.text(
    "SELECT set_config('balcao.actor', :actor, true), set_config('balcao.reason', :reason, true)"
)
_ACTOR = "balcao_actor"
_APPLIED = "balcao_actor_applied"


def actor(kind: ActorType, actor_id: uuid.UUID | str | None = None) -> str:
    return kind.value if actor_id is None else f"{kind.value}:{actor_id}"


def actor_of(principal: Principal) -> str:
    """A signed-in user, else the API key (API keys act without a user)."""
    if principal.user_id is not None:
        return actor(ActorType.USER, principal.user_id)
    if principal.api_key_id is not None:
        return actor(ActorType.API_KEY, principal.api_key_id)
    return actor(ActorType.SYSTEM)


async def set_actor(
    db: AsyncConnection | AsyncSession, who: str, reason: str | None = None
) -> None:
    """Name the actor (and a reason) of the session changes of the current transaction."""
    await db.execute(_SET, {"actor": who, "reason": reason or ""})
    if isinstance(db, AsyncSession):
        # Named by hand: the request's caller is not written over it in this transaction.
        db.sync_session.info[_APPLIED] = db.sync_session.get_transaction()


def bind_principal(db: AsyncSession, principal: Principal) -> None:
    """Session changes made through ``db`` are recorded as ``principal``'s."""
    db.sync_session.info[_ACTOR] = actor_of(principal)


def _apply(session: OrmSession) -> None:
    who = session.info.get(_ACTOR)
    if who is None or session.info.get(_APPLIED) is session.get_transaction():
        return
    conn: Connection = session.connection()
    conn.execute(_SET, {"actor": who, "reason": ""})
    session.info[_APPLIED] = session.get_transaction()


def _touches_sessions(session: OrmSession) -> bool:
    return any(isinstance(row, m.Session) for row in (*session.new, *session.dirty))


@event.listens_for(TenantSession, "before_flush")
def _before_flush(session: OrmSession, _context: Any, _instances: Any) -> None:
    if _ACTOR in session.info and _touches_sessions(session):
        _apply(session)


@event.listens_for(TenantSession, "do_orm_execute")
def _before_statement(state: ORMExecuteState) -> None:
    if _ACTOR not in state.session.info or not (state.is_insert or state.is_update):
        return
    # The ORM hands over an annotated copy of the table: compare by name.
    if getattr(getattr(state.statement, "table", None), "name", None) == m.Session.__tablename__:
        _apply(state.session)


@event.listens_for(TenantSession, "after_transaction_end")
def _forget(session: OrmSession, transaction: SessionTransaction) -> None:
    if session.info.get(_APPLIED) is transaction:
        del session.info[_APPLIED]
