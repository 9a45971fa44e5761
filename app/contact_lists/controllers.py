"""Contact lists, their members and their imports (API.md "Contact lists and imports").
Supervisors and administrators manage them; another organization's list is a 404."""

from __future__ import annotations

import uuid

import msgspec
import sqlalchemy as sa
from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody

from app.auth.guards import supervisors
from app.contact_lists import services, uploads
from app.contact_lists.schemas import (
    BulkAdd,
    BulkResult,
    ContactList,
    ContactListCreate,
    ContactListUpdate,
    Import,
    ImportPreview,
    ImportRowError,
    ImportUpload,
    MemberIds,
    MemberRemoval,
)
from app.contacts.schemas import Contact
from app.contacts.services import contacts_out
from app.db import models as m
from app.deps import Caller, Db, Shared
from app.errors import NotFound
from app.jobs import commit_with_jobs
from app.pagination import Page, PageLimit, PageNumber, paginate
from app.records import unset_fields
from app.schemas import SearchQuery

_UPLOAD_BODY = uploads.MAX_BYTES + 64 * 1024


def import_out(row: m.ContactImport) -> Import:
    return Import(
        id=row.id,
        contact_list_id=row.contact_list_id,
        status=str(row.status),
        file_name=row.file_name,
        total_rows=row.total_rows,
        processed_rows=row.processed_rows,
        created=row.created,
        updated=row.updated,
        duplicates=row.duplicates,
        invalid=row.invalid,
        opted_out=row.opted_out,
        errors=msgspec.convert(row.errors or [], list[ImportRowError]),
        error=row.error,
        mapping=row.mapping,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


class ContactListController(Controller):
    path = "/api/v1/contact-lists"
    tags = ["contact lists"]
    guards = [supervisors]

    @get("/")
    async def list_contact_lists(
        self, db: Db, page: FromQuery[PageNumber] = 1, limit: FromQuery[PageLimit] = 50
    ) -> Page[ContactList]:
        stmt = sa.select(m.ContactList).order_by(m.ContactList.name, m.ContactList.id)
        rows, pages = await paginate(db, stmt, page, limit)
        counts = await services.counts(db, [r.id for r in rows])
        return Page(
            data=[services.list_out(r, counts.get(r.id, 0)) for r in rows], pagination=pages
        )

    @post("/")
    async def create_contact_list(
        self, db: Db, principal: Caller, data: JSONBody[ContactListCreate]
    ) -> ContactList:
        await services.check_name_free(db, data.name)
        row = m.ContactList(
            organization_id=principal.organization_id, name=data.name, description=data.description
        )
        db.add(row)
        await db.commit()
        return await services.load_list(db, row.id)

    @get("/{list_id:uuid}")
    async def get_contact_list(self, db: Db, list_id: FromPath[uuid.UUID]) -> ContactList:
        return await services.load_list(db, list_id)

    @patch("/{list_id:uuid}")
    async def update_contact_list(
        self, db: Db, list_id: FromPath[uuid.UUID], data: JSONBody[ContactListUpdate]
    ) -> ContactList:
        row = await services.require_list(db, list_id)
        changes = unset_fields(data)
        if "name" in changes:
            await services.check_name_free(db, changes["name"], exclude=row.id)
        for key, value in changes.items():
            setattr(row, key, value)
        await db.commit()
        return await services.load_list(db, list_id)

    @delete("/{list_id:uuid}")
    async def delete_contact_list(self, db: Db, list_id: FromPath[uuid.UUID]) -> None:
        """The list and its memberships go; the contacts stay."""
        await db.delete(await services.require_list(db, list_id))
        await db.commit()

    @get("/{list_id:uuid}/contacts")
    async def list_members(
        self,
        db: Db,
        list_id: FromPath[uuid.UUID],
        search: SearchQuery = None,
        page: FromQuery[PageNumber] = 1,
        limit: FromQuery[PageLimit] = 50,
    ) -> Page[Contact]:
        """The list's contacts in the order they joined; ``search`` as GET /contacts."""
        await services.require_list(db, list_id)
        stmt = services.members_statement(list_id, search)
        rows, pages = await paginate(db, stmt, page, limit)
        return Page(data=await contacts_out(db, rows), pagination=pages)

    @post("/{list_id:uuid}/contacts", status_code=200)
    async def add_members(
        self, db: Db, principal: Caller, list_id: FromPath[uuid.UUID], data: JSONBody[BulkAdd]
    ) -> BulkResult:
        """Contacts by id, and contacts by phone (created, or merged into the contact
        with that phone), added to the list; opted-out contacts are counted, not added."""
        await services.require_list(db, list_id)
        result = await services.add_members(db, principal.organization_id, list_id, data)
        await db.commit()
        return result

    @delete("/{list_id:uuid}/contacts", status_code=200)
    async def remove_members(
        self, db: Db, list_id: FromPath[uuid.UUID], data: JSONBody[MemberIds]
    ) -> MemberRemoval:
        await services.require_list(db, list_id)
        ids = await services.check_contacts(db, data.contact_ids)
        removed = await services.remove_members(db, list_id, ids)
        await db.commit()
        return MemberRemoval(removed=removed)

    @post(
        "/{list_id:uuid}/imports",
        status_code=202,
        request_max_body_size=_UPLOAD_BODY,
    )
    async def create_import(
        self,
        db: Db,
        principal: Caller,
        app_state: Shared,
        list_id: FromPath[uuid.UUID],
        data: MultipartBody[ImportUpload],
    ) -> Import:
        """A CSV, XLSX or XLS `file`, optional `mapping` (JSON); imported by a job:
        follow it at GET …/imports/{importId}."""
        await services.require_list(db, list_id)
        raw, name = await uploads.read_upload(data)
        mapping = uploads.parse_mapping(data.mapping)
        table = await uploads.check_file(raw, mapping)
        row, jobs = await uploads.record_import(
            db,
            app_state.media_storage,
            organization_id=principal.organization_id,
            list_id=list_id,
            user_id=principal.user_id,
            file_name=name,
            raw=raw,
            table=table,
            mapping=mapping,
        )
        await commit_with_jobs(db, app_state, jobs)
        await db.refresh(row)
        return import_out(row)

    @post("/{list_id:uuid}/imports/preview", status_code=200, request_max_body_size=_UPLOAD_BODY)
    async def preview_import(
        self, db: Db, list_id: FromPath[uuid.UUID], data: MultipartBody[ImportUpload]
    ) -> ImportPreview:
        """The header, the first rows and the mapping the import would use."""
        await services.require_list(db, list_id)
        raw, _ = await uploads.read_upload(data)
        return await uploads.preview(raw)

    @get("/{list_id:uuid}/imports")
    async def list_imports(
        self,
        db: Db,
        list_id: FromPath[uuid.UUID],
        page: FromQuery[PageNumber] = 1,
        limit: FromQuery[PageLimit] = 50,
    ) -> Page[Import]:
        await services.require_list(db, list_id)
        stmt = (
            sa.select(m.ContactImport)
            .where(m.ContactImport.contact_list_id == list_id)
            .order_by(m.ContactImport.created_at.desc(), m.ContactImport.id)
        )
        rows, pages = await paginate(db, stmt, page, limit)
        return Page(data=[import_out(r) for r in rows], pagination=pages)

    @get("/{list_id:uuid}/imports/{import_id:uuid}")
    async def get_import(
        self, db: Db, list_id: FromPath[uuid.UUID], import_id: FromPath[uuid.UUID]
    ) -> Import:
        row = await db.scalar(
            sa.select(m.ContactImport).where(
                m.ContactImport.id == import_id, m.ContactImport.contact_list_id == list_id
            )
        )
        if row is None:
            raise NotFound("No such import.", id=str(import_id))
        return import_out(row)
