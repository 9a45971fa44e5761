"""An import's upload: checked as far as is cheap (what kind of file, its header, the
mapping), stored, recorded with its job in one transaction (the outbox)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from app.contact_lists.imports import open_table
from app.contact_lists.mapping import MappingError, detect_mapping
from app.contact_lists.parsing import FileRejected, Table, cell_text, kind_of, read_table
from app.contact_lists.schemas import ImportPreview, ImportUpload
from app.db import models as m
from app.errors import PayloadTooLarge, ValidationFailed
from app.media.storage import MediaStorage
from app.outbox import OutboxRow, outbox_row

MAX_BYTES = 64 * 1024 * 1024
PREVIEW_ROWS = 10
# A CSV is checked on its first lines only (its rows are the job's to read); a sheet
# has to be opened whole anyway.
CSV_CHECK_BYTES = 256 * 1024
MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
}


async def read_upload(data: ImportUpload) -> tuple[bytes, str]:
    if data.file is None:
        raise ValidationFailed("Send the spreadsheet as the `file` field.", field="file")
    raw = await data.file.read()
    if len(raw) > MAX_BYTES:
        raise PayloadTooLarge(
            f"The file is over {MAX_BYTES // (1024 * 1024)} MB.",
            code="file_too_large",
            maxBytes=MAX_BYTES,
        )
    name = (data.file.filename or "contatos").replace("\x00", "").strip()[:255] or "contatos"
    return raw, name


def parse_mapping(text: str | None) -> dict[str, str] | None:
    if text is None or not text.strip():
        return None
    try:
        mapping = msgspec.json.decode(text, type=dict[str, str])
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ValidationFailed(
            'mapping must be a JSON object {"<column header>": "<target>"}.',
            code="invalid_mapping",
            field="mapping",
        ) from exc
    if len(mapping) > 500 or any("\x00" in k or "\x00" in v for k, v in mapping.items()):
        raise ValidationFailed("mapping is not usable.", code="invalid_mapping", field="mapping")
    return mapping


def _rejected(code: str, detail: str, **extra: Any) -> ValidationFailed:
    return ValidationFailed(detail, code=code, field="file", **extra)


async def check_file(raw: bytes, mapping: dict[str, str] | None) -> Table:
    """The table as far as read here (the first lines of a CSV), or 422 with a code."""
    try:
        kind = kind_of(raw)
        sample = raw
        if kind == "csv" and len(raw) > CSV_CHECK_BYTES:
            cut = raw.rfind(b"\n", 0, CSV_CHECK_BYTES)
            sample = raw[: cut + 1] if cut > 0 else raw[:CSV_CHECK_BYTES]
        table, _, _ = await asyncio.to_thread(open_table, sample, mapping)
    except FileRejected as exc:
        raise _rejected(exc.code, exc.detail) from exc
    except MappingError as exc:
        field = "mapping" if exc.code != "no_phone_column" else "file"
        raise ValidationFailed(exc.detail, code=exc.code, field=field, column=exc.column) from exc
    return table


async def preview(raw: bytes) -> ImportPreview:
    try:
        kind = kind_of(raw)
        sample = raw if kind != "csv" else raw[:CSV_CHECK_BYTES]
        table = await asyncio.to_thread(read_table, sample)
    except FileRejected as exc:
        raise _rejected(exc.code, exc.detail) from exc
    width = len(table.header)
    return ImportPreview(
        headers=table.header,
        rows=[
            [cell_text(c) for c in (cells + [None] * width)[:width]]
            for _, cells in table.rows[:PREVIEW_ROWS]
        ],
        detected_mapping=detect_mapping(table.header),
        delimiter=table.delimiter,
        encoding=table.encoding,
        kind=table.kind,
        total_rows=len(table.rows) if kind != "csv" or len(raw) <= CSV_CHECK_BYTES else None,
    )


async def record_import(
    db: AsyncSession,
    storage: MediaStorage,
    *,
    organization_id: uuid.UUID,
    list_id: uuid.UUID,
    user_id: uuid.UUID | None,
    file_name: str,
    raw: bytes,
    table: Table,
    mapping: dict[str, str] | None,
) -> tuple[m.ContactImport, list[OutboxRow]]:
    key = await storage.put(str(organization_id), raw, mimetype=MIMETYPES[table.kind])
    row = m.ContactImport(
        organization_id=organization_id,
        contact_list_id=list_id,
        file_name=file_name,
        media_key=key,
        mapping=mapping,
        created_by_user_id=user_id,
    )
    db.add(row)
    await db.flush()
    return row, [import_job(row.id)]


def import_job(import_id: uuid.UUID) -> OutboxRow:
    return outbox_row("import_contacts", str(import_id), job_id=f"import_contacts:{import_id}")
