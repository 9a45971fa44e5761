from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar.datastructures import UploadFile

from app.schemas import Camel, Email, ExternalId, FieldValues, Label, Reason

# One request's worth: bigger sets go through an import (a file, a job).
BULK_MAX = 5000


class ContactList(Camel):
    id: uuid.UUID
    name: str
    description: str | None
    contact_count: int
    created_at: datetime
    updated_at: datetime


class ContactListCreate(Camel):
    name: Label
    description: Reason | None = None


class ContactListUpdate(Camel):
    name: Label | msgspec.UnsetType = msgspec.UNSET
    description: Reason | msgspec.UnsetType | None = msgspec.UNSET


BulkPhone = Annotated[str, msgspec.Meta(max_length=64)]


class BulkContact(Camel):
    # Not PhoneInput: a bad number is reported in ``invalid`` by its index, the rest
    # of the batch still goes in.
    phone_number: BulkPhone
    name: Label | None = None
    email: Email | None = None
    external_id: ExternalId | None = None
    fields: FieldValues = msgspec.field(default_factory=dict)


class BulkAdd(Camel):
    contact_ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=BULK_MAX)] = msgspec.field(
        default_factory=list
    )
    contacts: Annotated[list[BulkContact], msgspec.Meta(max_length=BULK_MAX)] = msgspec.field(
        default_factory=list
    )


class BulkInvalid(Camel):
    """A row of ``contacts`` left out: ``index`` into it, the ``value`` sent, why."""

    index: int
    value: str
    code: str


class BulkResult(Camel):
    added: int
    created: int
    updated: int
    duplicates: int
    opted_out: int
    invalid: list[BulkInvalid]


class MemberIds(Camel):
    contact_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=BULK_MAX)]


class MemberRemoval(Camel):
    removed: int


class ImportRowError(Camel):
    line: int
    column: str | None
    value: str | None
    code: str


class Import(Camel):
    id: uuid.UUID
    contact_list_id: uuid.UUID
    status: str
    file_name: str
    total_rows: int
    processed_rows: int
    created: int
    updated: int
    duplicates: int
    invalid: int
    opted_out: int
    errors: list[ImportRowError]
    error: str | None
    mapping: dict[str, Any] | None
    created_at: datetime
    finished_at: datetime | None


@dataclass
class ImportUpload:
    """Multipart form: ``file`` (CSV, XLSX or XLS) and an optional ``mapping``, JSON
    ``{"<column header>": "phoneNumber|name|email|externalId|field:<key>|ignore"}``."""

    file: UploadFile | None = None
    mapping: str | None = None


class ImportPreview(Camel):
    headers: list[str]
    rows: list[list[str]]
    detected_mapping: dict[str, str]
    delimiter: str | None
    encoding: str | None
    kind: str
    # None when only the first part of a large CSV was read for the preview.
    total_rows: int | None
