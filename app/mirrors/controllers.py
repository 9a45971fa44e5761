"""Group mirrors (API.md "Groups and group mirrors"): supervisors and administrators."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from app.auth.guards import supervisors
from app.db import models as m
from app.db.models.mirrors import MirrorPostStatus
from app.deps import Caller, Db
from app.mirrors import services
from app.mirrors.schemas import Mirror, MirrorCreate, MirrorPost, MirrorStats, MirrorUpdate
from app.pagination import Page, PageLimit, PageNumber, paginate
from app.records import unset_fields


class MirrorController(Controller):
    path = "/api/v1/mirrors"
    tags = ["mirrors"]
    guards = [supervisors]

    @get("/")
    async def list_mirrors(
        self,
        db: Db,
        connection_id: FromQuery[uuid.UUID | None] = None,
        page: FromQuery[PageNumber] = 1,
        limit: FromQuery[PageLimit] = 50,
    ) -> Page[Mirror]:
        stmt = sa.select(m.Mirror).order_by(m.Mirror.created_at.desc(), m.Mirror.id)
        if connection_id is not None:
            stmt = stmt.where(m.Mirror.connection_id == connection_id)
        rows, pages = await paginate(db, stmt, page, limit)
        return Page(data=[services.mirror_out(r) for r in rows], pagination=pages)

    @post("/")
    async def create_mirror(
        self, db: Db, principal: Caller, data: JSONBody[MirrorCreate]
    ) -> Mirror:
        await services.check_connection(db, data.connection_id)
        services.check_groups(data.source_group_ids, data.destination_group_ids)
        await services.check_destinations(db, data.connection_id, data.destination_group_ids)
        services.check_quiet_hours(data.quiet_hours)
        services.check_template(data.template)
        row = services.new_mirror(principal, data)
        db.add(row)
        await db.flush()
        db.add(services.audit(principal, "mirror.created", row, ["name"]))
        await db.commit()
        await db.refresh(row)
        return services.mirror_out(row)

    @get("/{mirror_id:uuid}")
    async def get_mirror(self, db: Db, mirror_id: FromPath[uuid.UUID]) -> Mirror:
        return services.mirror_out(await services.require_mirror(db, mirror_id))

    @patch("/{mirror_id:uuid}")
    async def update_mirror(
        self,
        db: Db,
        principal: Caller,
        mirror_id: FromPath[uuid.UUID],
        data: JSONBody[MirrorUpdate],
    ) -> Mirror:
        row = await services.require_mirror(db, mirror_id)
        changes = unset_fields(data)
        if "connection_id" in changes:
            await services.check_connection(db, changes["connection_id"])
        services.check_groups(
            changes.get("source_group_ids", row.source_group_ids),
            changes.get("destination_group_ids", row.destination_group_ids),
        )
        if "connection_id" in changes or "destination_group_ids" in changes:
            await services.check_destinations(
                db,
                changes.get("connection_id", row.connection_id),
                changes.get("destination_group_ids", row.destination_group_ids),
            )
        if "quiet_hours" in changes:
            services.check_quiet_hours(changes["quiet_hours"])
        if "template" in changes:
            services.check_template(changes["template"])
        services.apply_changes(row, changes)
        if changes:
            names = [
                MirrorUpdate.__struct_encode_fields__[i]
                for i, f in enumerate(MirrorUpdate.__struct_fields__)
                if f in changes
            ]
            db.add(services.audit(principal, "mirror.updated", row, names))
        await db.commit()
        await db.refresh(row)
        return services.mirror_out(row)

    @delete("/{mirror_id:uuid}")
    async def delete_mirror(
        self, db: Db, principal: Caller, mirror_id: FromPath[uuid.UUID]
    ) -> None:
        row = await services.require_mirror(db, mirror_id)
        db.add(services.audit(principal, "mirror.deleted", row, ["name"]))
        await db.delete(row)
        await db.commit()

    @get("/{mirror_id:uuid}/posts")
    async def list_posts(
        self,
        db: Db,
        mirror_id: FromPath[uuid.UUID],
        status: FromQuery[MirrorPostStatus | None] = None,
        page: FromQuery[PageNumber] = 1,
        limit: FromQuery[PageLimit] = 50,
    ) -> Page[MirrorPost]:
        """Newest first, each with where it went."""
        await services.require_mirror(db, mirror_id)
        stmt = (
            sa.select(m.MirrorPost)
            .where(m.MirrorPost.mirror_id == mirror_id)
            .order_by(m.MirrorPost.created_at.desc(), m.MirrorPost.id)
        )
        if status is not None:
            stmt = stmt.where(m.MirrorPost.status == status)
        rows, pages = await paginate(db, stmt, page, limit)
        deliveries = await services.deliveries_of(db, [r.id for r in rows])
        return Page(data=[services.post_out(r, deliveries[r.id]) for r in rows], pagination=pages)

    @get("/{mirror_id:uuid}/stats")
    async def get_stats(self, db: Db, mirror_id: FromPath[uuid.UUID]) -> MirrorStats:
        row = await services.require_mirror(db, mirror_id)
        zone = await services.organization_zone(db, row.organization_id)
        windows = await services.post_counts(db, row.organization_id, [row.id], zone)
        return MirrorStats(
            mirror_id=row.id,
            timezone=zone,
            today=windows["today"],
            week=windows["week"],
            month=windows["month"],
            destinations=await services.destination_counts(db, row, zone),
        )
