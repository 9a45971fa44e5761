"""The contacts page (API.md "Web app pages", (S): administrators and supervisors):
the contact lists with their counts, and one list's contacts with its import.

The pages only read, with the API's own queries and shapes; creating, renaming and
deleting lists, removing contacts, opting them out and in, and the import (preview,
mapping, upload, progress, report) are the page script calling /api/v1/contact-lists
and /api/v1/contacts, as any other client would."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from litestar import Request, Response, get
from litestar.params import FromPath, FromQuery

from app.contact_lists import services
from app.contacts.services import contacts_out
from app.db import models as m
from app.deps import Db, Shared
from app.errors import Forbidden
from app.inbox.render import html
from app.inbox.settings_shell import SettingsBase
from app.inbox.viewer import Viewer
from app.inbox.web import Me, PageNo, SearchText, context, translator
from app.pagination import paginate

LISTS_PAGE_SIZE = 50
MEMBERS_PAGE_SIZE = 50
FIELDS_SHOWN = 3  # a row's fields summary: the first few key: value pairs


def require_contacts(viewer: Viewer) -> None:
    if not viewer.manages:
        raise Forbidden("Your role cannot open the contacts page.", code="forbidden")


def fields_summary(fields: dict[str, Any]) -> str:
    shown = [f"{key}: {value}" for key, value in list(fields.items())[:FIELDS_SHOWN]]
    more = len(fields) - FIELDS_SHOWN
    return " · ".join(shown) + (f" · +{more}" if more > 0 else "")


def _page(
    request: Request[Any, Any, Any], app_state: Shared, viewer: Viewer, **extra: Any
) -> dict[str, Any]:
    page = context(request, app_state, viewer, section="contacts", **extra)
    page["boot"]["ct"] = translator(request).prefixed("ct.")
    page["boot"]["timezone"] = app_state.settings.timezone  # dates as the server shows them
    return page


class ContactsPageController(SettingsBase):
    @get("/contacts")
    async def contact_lists_page(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        viewer: Me,
        page: FromQuery[PageNo] = 1,
    ) -> Response[str]:
        require_contacts(viewer)
        stmt = sa.select(m.ContactList).order_by(m.ContactList.name, m.ContactList.id)
        rows, pages = await paginate(db, stmt, page, LISTS_PAGE_SIZE)
        counts = await services.counts(db, [r.id for r in rows])
        lists = [services.list_out(r, counts.get(r.id, 0)) for r in rows]
        return html(
            "contacts/lists.html", **_page(request, app_state, viewer, lists=lists, pages=pages)
        )

    @get("/contacts/{list_id:uuid}")
    async def contact_list_page(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        app_state: Shared,
        viewer: Me,
        list_id: FromPath[uuid.UUID],
        q: FromQuery[SearchText] = None,
        page: FromQuery[PageNo] = 1,
    ) -> Response[str]:
        require_contacts(viewer)
        shown = await services.load_list(db, list_id)  # 404 page
        search = q.strip() if q and q.strip() else None
        stmt = services.members_statement(list_id, search)
        rows, pages = await paginate(db, stmt, page, MEMBERS_PAGE_SIZE)
        members = await contacts_out(db, rows)
        extra = {
            "list": shown,
            "members": [(c, fields_summary(c.fields)) for c in members],
            "pages": pages,
            "q": search or "",
        }
        return html("contacts/list.html", **_page(request, app_state, viewer, **extra))
