from __future__ import annotations

import uuid

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from app import events
from app.auth.guards import admin_only, supervisors
from app.contacts import privacy, services
from app.contacts.privacy import ContactExport
from app.contacts.schemas import Contact, ContactCreate, ContactUpdate, OptOutCreate, TabulationIds
from app.deps import Caller, Db, Shared
from app.errors import NotFound
from app.jobs import commit_with_jobs
from app.pagination import Page, PageLimit, PageNumber, paginate
from app.records import unset_fields
from app.schemas import SearchQuery
from app.sessions.access import check_can_edit_contacts
from app.tabulations import services as tabulations


class ContactController(Controller):
    path = "/api/v1/contacts"
    tags = ["contacts"]

    @get("/")
    async def list_contacts(
        self,
        db: Db,
        search: SearchQuery = None,
        # camelCase parameter names: they are API.md's, and errors name them.
        tabulationId: FromQuery[uuid.UUID | None] = None,
        page: FromQuery[PageNumber] = 1,
        limit: FromQuery[PageLimit] = 50,
    ) -> Page[Contact]:
        stmt = services.list_statement(search, tabulationId)
        rows, pages = await paginate(db, stmt, page, limit)
        return Page(data=await services.contacts_out(db, rows), pagination=pages)

    @post("/")
    async def create_contact(
        self, db: Db, principal: Caller, app_state: Shared, data: JSONBody[ContactCreate]
    ) -> Contact:
        check_can_edit_contacts(principal)
        row, jobs = await services.record_contact(db, principal.organization_id, data)
        await commit_with_jobs(db, app_state, jobs)
        return await services.load_contact(db, row.id)

    @get("/by-phone/{phone:str}")
    async def get_contact_by_phone(self, db: Db, phone: FromPath[str]) -> Contact:
        """Any common spelling of the number finds the contact."""
        row = await services.find_by_phone(db, services.check_phone(phone, field="phone"))
        if row is None:
            raise NotFound("No contact with this phone number.")
        return (await services.contacts_out(db, [row]))[0]

    @get("/{contact_id:uuid}")
    async def get_contact(self, db: Db, contact_id: FromPath[uuid.UUID]) -> Contact:
        return await services.load_contact(db, contact_id)

    @patch("/{contact_id:uuid}")
    async def update_contact(
        self,
        db: Db,
        principal: Caller,
        app_state: Shared,
        contact_id: FromPath[uuid.UUID],
        data: JSONBody[ContactUpdate],
    ) -> Contact:
        check_can_edit_contacts(principal)
        row = await services.require_contact(db, contact_id)
        jobs = await services.update_contact(db, row, unset_fields(data))
        await commit_with_jobs(db, app_state, jobs)
        return await services.load_contact(db, contact_id)

    @post("/{contact_id:uuid}/tabulations", status_code=200)
    async def add_tabulations(
        self,
        db: Db,
        principal: Caller,
        app_state: Shared,
        contact_id: FromPath[uuid.UUID],
        data: JSONBody[TabulationIds],
    ) -> Contact:
        check_can_edit_contacts(principal)
        row = await services.require_contact(db, contact_id)
        ids = await tabulations.check_tabulations(db, data.tabulation_ids)
        await tabulations.link_contact(db, row.id, ids)
        await commit_with_jobs(db, app_state, services.touched(row))
        return await services.load_contact(db, contact_id)

    @delete("/{contact_id:uuid}/tabulations", status_code=200)
    async def remove_tabulations(
        self,
        db: Db,
        principal: Caller,
        app_state: Shared,
        contact_id: FromPath[uuid.UUID],
        data: JSONBody[TabulationIds],
    ) -> Contact:
        check_can_edit_contacts(principal)
        row = await services.require_contact(db, contact_id)
        ids = await tabulations.check_tabulations(db, data.tabulation_ids)
        await tabulations.unlink_contact(db, row.id, ids)
        await commit_with_jobs(db, app_state, services.touched(row))
        return await services.load_contact(db, contact_id)

    @post("/{contact_id:uuid}/opt-out", status_code=200)
    async def opt_out(
        self,
        db: Db,
        principal: Caller,
        app_state: Shared,
        contact_id: FromPath[uuid.UUID],
        data: JSONBody[OptOutCreate | None] = None,
    ) -> Contact:
        """No more campaign messages to this contact. Already opted out: unchanged (the
        first time, source and reason are kept)."""
        check_can_edit_contacts(principal)
        row = await services.require_contact(db, contact_id)
        source = "AGENT" if principal.user_id is not None else "API"
        reason = data.reason if data is not None else None
        jobs = []
        if await services.opt_out(db, row.organization_id, row.id, source, reason):
            jobs = [events.event_row(row.organization_id, events.CONTACT_UPDATED, row.id)]
        await commit_with_jobs(db, app_state, jobs)
        return await services.load_contact(db, contact_id)

    @delete("/{contact_id:uuid}/opt-out", status_code=200)
    async def clear_opt_out(
        self, db: Db, principal: Caller, app_state: Shared, contact_id: FromPath[uuid.UUID]
    ) -> Contact:
        check_can_edit_contacts(principal)
        row = await services.require_contact(db, contact_id)
        jobs = []
        if await services.clear_opt_out(db, row.organization_id, row.id):
            jobs = [events.event_row(row.organization_id, events.CONTACT_UPDATED, row.id)]
        await commit_with_jobs(db, app_state, jobs)
        return await services.load_contact(db, contact_id)

    @get("/{contact_id:uuid}/export", guards=[supervisors])
    async def export_contact(self, db: Db, contact_id: FromPath[uuid.UUID]) -> ContactExport:
        """Everything held about the contact (LGPD art. 18), machine readable."""
        return await privacy.export_contact(db, await services.load_contact(db, contact_id))

    @delete("/{contact_id:uuid}", guards=[admin_only])
    async def erase_contact(
        self, db: Db, principal: Caller, app_state: Shared, contact_id: FromPath[uuid.UUID]
    ) -> None:
        """Erase by anonymisation (LGPD art. 18): the rows stay for statistics, what
        identifies the person or was said by them is gone."""
        row = await services.require_contact(db, contact_id)
        media_keys, jobs = await privacy.erase_contact(db, principal, row)
        await commit_with_jobs(db, app_state, jobs)
        await privacy.delete_media_files(app_state.settings.media_dir, media_keys)
