from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from app.auth.guards import admin_only
from app.connections import services
from app.connections.schemas import (
    Connection,
    ConnectionCreate,
    ConnectionState,
    ConnectionStats,
    ConnectionUpdate,
    QrCode,
)
from app.db import models as m
from app.db.enums import ConnectionStatus
from app.deps import Caller, Db, Shared
from app.errors import Conflict
from app.groups import services as groups
from app.groups.schemas import Group
from app.jobs import commit_with_jobs
from app.pagination import Page, PageLimit, PageNumber, paginate
from app.records import unset_fields


class ConnectionController(Controller):
    path = "/api/v1/connections"
    tags = ["connections"]

    @get("/")
    async def list_connections(
        self,
        db: Db,
        app_state: Shared,
        page: FromQuery[PageNumber] = 1,
        limit: FromQuery[PageLimit] = 50,
    ) -> Page[Connection]:
        stmt = (
            sa.select(m.Connection)
            .where(m.Connection.deleted_at.is_(None))
            .order_by(m.Connection.created_at)
        )
        rows, pages = await paginate(db, stmt, page, limit)
        base = app_state.settings.base_url
        return Page(data=[services.connection_out(r, base) for r in rows], pagination=pages)

    @post("/", guards=[admin_only])
    async def create_connection(
        self, db: Db, principal: Caller, app_state: Shared, data: JSONBody[ConnectionCreate]
    ) -> Connection:
        row = await services.record_connection(db, principal.organization_id, data)
        await commit_with_jobs(db, app_state, services.provision_jobs(row))
        await db.refresh(row)
        await services.send_connection_hook(app_state.redis, row, deleted=False)
        return services.connection_out(row, app_state.settings.base_url)

    @get("/{connection_id:uuid}")
    async def get_connection(
        self, db: Db, app_state: Shared, connection_id: FromPath[uuid.UUID]
    ) -> Connection:
        row = await services.require_connection(db, connection_id)
        return services.connection_out(row, app_state.settings.base_url)

    @patch("/{connection_id:uuid}", guards=[admin_only])
    async def update_connection(
        self,
        db: Db,
        app_state: Shared,
        connection_id: FromPath[uuid.UUID],
        data: JSONBody[ConnectionUpdate],
    ) -> Connection:
        row = await services.require_connection(db, connection_id)
        changes = unset_fields(data)
        if "failover_connection_id" in changes:
            await services.check_failover(db, changes["failover_connection_id"], row.id)
        services.apply_changes(row, changes)
        # New credentials or URL: the provider is set up again with them.
        jobs = services.provision_jobs(row) if "config" in changes else []
        await commit_with_jobs(db, app_state, jobs)
        await db.refresh(row)
        return services.connection_out(row, app_state.settings.base_url)

    @post("/{connection_id:uuid}/provision", guards=[admin_only], status_code=202)
    async def provision_connection(
        self, db: Db, app_state: Shared, connection_id: FromPath[uuid.UUID]
    ) -> Connection:
        """Set the provider up again (create or start its session, point its webhook at
        us, start pairing), in the background: the answer is the connection as it is
        now; its status follows live (``connection.status_changed``). 409
        ``not_provisioned`` for a provider the platform does not set up (WhatsApp Web
        pairs through its runner, a native integration calls us)."""
        row = await services.require_connection(db, connection_id)
        jobs = services.provision_jobs(row)
        if not jobs:
            raise Conflict(
                f"{row.provider} connections are not set up by the platform.",
                code="not_provisioned",
            )
        if row.status in (ConnectionStatus.DISCONNECTED, ConnectionStatus.FAILED):
            row.status = ConnectionStatus.CONNECTING
            row.status_reason = None
        await commit_with_jobs(db, app_state, jobs)
        await db.refresh(row)
        return services.connection_out(row, app_state.settings.base_url)

    @delete("/{connection_id:uuid}", guards=[admin_only])
    async def delete_connection(
        self, db: Db, app_state: Shared, connection_id: FromPath[uuid.UUID]
    ) -> None:
        """Soft delete: the history stays readable through sessions and messages;
        the connection stops accepting webhooks (a WhatsApp-Web one is logged out)."""
        row = await services.require_connection(db, connection_id)
        row.deleted_at = datetime.now(UTC)
        row.status = ConnectionStatus.DISCONNECTED
        row.qr_code = None
        await db.commit()
        await services.send_connection_hook(app_state.redis, row, deleted=True)

    @get("/{connection_id:uuid}/qr")
    async def get_qr(self, db: Db, connection_id: FromPath[uuid.UUID]) -> QrCode:
        row = await services.require_connection(db, connection_id)
        return QrCode(
            status=row.status,
            qr_code=row.qr_code if row.status == ConnectionStatus.QR_PENDING else None,
        )

    @get("/{connection_id:uuid}/status")
    async def get_status(self, db: Db, connection_id: FromPath[uuid.UUID]) -> ConnectionState:
        row = await services.require_connection(db, connection_id)
        return ConnectionState(
            status=row.status,
            is_authenticated=row.status == ConnectionStatus.CONNECTED,
            phone_number=row.phone_number,
            last_seen_at=row.last_seen_at,
        )

    @get("/{connection_id:uuid}/stats")
    async def get_stats(self, db: Db, connection_id: FromPath[uuid.UUID]) -> ConnectionStats:
        row = await services.require_connection(db, connection_id)
        return await services.connection_stats(db, row)

    @get("/{connection_id:uuid}/groups")
    async def list_groups(
        self,
        db: Db,
        principal: Caller,
        app_state: Shared,
        connection_id: FromPath[uuid.UUID],
        refresh: FromQuery[bool] = False,
    ) -> Response[list[Group]]:
        """The groups the number is in, as last listed from its provider or page (never
        fetched inside this request). ``refresh=true`` lists them again in the
        background: 202 with the stored list; the new one follows in seconds (a
        connected number is also listed within a minute of connecting, and every few
        hours after). 409 ``groups_not_supported`` where the provider has no groups
        (Meta)."""
        row = await groups.require_group_connection(db, principal.organization_id, connection_id)
        stored = await groups.stored_groups(db, row.id)
        body = [Group(id=g.group_id, name=g.name, participants=g.participants) for g in stored]
        if not refresh:
            return Response(body)
        await commit_with_jobs(db, app_state, [groups.sync_job(row.id)])
        return Response(body, status_code=202)
