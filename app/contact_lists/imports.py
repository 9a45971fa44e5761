"""Imports: a file into a list, in batches, resumable.

``run_import`` is the one code path of the ``import_contacts`` job and of ``balcao
contacts import``. Each batch (BATCH_ROWS rows) is one transaction: its contacts and
memberships (app.contact_lists.upsert), its counters, its errors and the new
``processed_rows``, which is the checkpoint. A run that dies mid-way is run again from
the last committed batch (the earlier rows are read again only to know their phones,
for ``duplicate_in_file``), so counters stay exact and no member is added twice;
two runs at once serialise on the import row and the later one stops.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.contact_lists.mapping import (
    Columns,
    MappingError,
    clean_phone,
    email_value,
    field_value,
    resolve,
    text_value,
)
from app.contact_lists.parsing import FileRejected, Table, read_table
from app.contact_lists.upsert import ContactRow, upsert_members
from app.db import models as m
from app.db.enums import ImportStatus
from app.errors import unavailable_dependency
from app.media.errors import StorageError
from app.media.storage import MediaStorage

log = logging.getLogger("balcao.imports")
IMPORT = cast(sa.Table, m.ContactImport.__table__)
BATCH_ROWS = 2000
ERRORS_CAP = 1000
Progress = Callable[[int, int], None]


@dataclass
class RowError:
    line: int
    column: str | None
    value: str | None
    code: str

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "value": self.value, "code": self.code}


@dataclass
class Batch:
    """One batch's rows, read and checked, ready for the database."""

    rows: list[ContactRow] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # phone → line, for opted_out
    errors: list[RowError] = field(default_factory=list)
    invalid: int = 0
    repeated: int = 0


def read_batch(
    table: Table, columns: Columns, start: int, stop: int, seen: set[str], *, write: bool = True
) -> Batch:
    """Rows ``[start, stop)`` of the table; ``seen`` (phones of earlier rows) grows."""
    batch = Batch()
    for line, cells in table.rows[start:stop]:
        phone, text = clean_phone(_cell(cells, columns.phone))
        if phone is None:
            batch.invalid += 1
            code = "invalid_phone" if text else "missing_phone"
            batch.errors.append(RowError(line, columns.phone_header, text or None, code))
            continue
        if phone in seen:
            batch.repeated += 1
            batch.errors.append(RowError(line, columns.phone_header, text, "duplicate_in_file"))
            continue
        seen.add(phone)
        if not write:
            continue
        email, bad_email = (
            email_value(_cell(cells, columns.email)) if columns.email is not None else (None, False)
        )
        if bad_email:
            # The row goes in without it; the report says which e-mail was dropped.
            raw_email = text_value(_cell(cells, columns.email), 320)
            batch.errors.append(RowError(line, columns.email_header, raw_email, "invalid_email"))
        fields = {
            key: value
            for index, key in columns.fields
            if (value := field_value(_cell(cells, index))) is not None
        }
        batch.lines[phone] = line
        batch.rows.append(
            ContactRow(
                phone=phone,
                name=text_value(_cell(cells, columns.name)) if columns.name is not None else None,
                email=email,
                external_id=text_value(_cell(cells, columns.external_id))
                if columns.external_id is not None
                else None,
                fields=fields,
            )
        )
    return batch


def _cell(cells: Sequence[Any], index: int | None) -> Any:
    return cells[index] if index is not None and index < len(cells) else None


def open_table(
    data: bytes, mapping: dict[str, str] | None
) -> tuple[Table, Columns, dict[str, str]]:
    """Raises FileRejected or MappingError for a file that cannot be imported."""
    table = read_table(data)
    columns, effective = resolve(table.header, mapping)
    return table, columns, effective


@dataclass
class Report:
    status: str
    total_rows: int = 0
    processed_rows: int = 0
    created: int = 0
    updated: int = 0
    duplicates: int = 0
    invalid: int = 0
    opted_out: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


async def run_import(
    engine: AsyncEngine,
    storage: MediaStorage,
    import_id: uuid.UUID,
    progress: Progress | None = None,
) -> Report:
    started = time.monotonic()
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                sa.update(IMPORT)
                .where(
                    IMPORT.c.id == import_id,
                    IMPORT.c.status.in_([ImportStatus.PENDING, ImportStatus.RUNNING]),
                )
                .values(status=ImportStatus.RUNNING, updated_at=sa.func.now())
                .returning(IMPORT)
            )
        ).first()
    if row is None:
        return await report(engine, import_id)
    try:
        data = await storage.read(row.media_key or "")
        table, columns, _ = open_table(data, row.mapping)
    except (FileRejected, MappingError) as exc:
        return await _fail(engine, storage, row, exc.detail)
    except StorageError:
        return await _fail(engine, storage, row, "The uploaded file is no longer stored.")
    try:
        if not await _run_batches(engine, row, table, columns, progress):
            return await report(engine, import_id)  # the other run finishes it
    except Exception as exc:
        if unavailable_dependency(exc) is not None:
            raise  # the job is run again (workers.outage) and resumes at its checkpoint
        log.exception("import failed", extra={"import_id": str(import_id)})
        return await _fail(engine, storage, row, f"Internal error ({type(exc).__name__}).")
    await _finish(engine, storage, row, ImportStatus.DONE, None)
    done = await report(engine, import_id)
    done.seconds = time.monotonic() - started
    return done


async def _run_batches(
    engine: AsyncEngine, row: Any, table: Table, columns: Columns, progress: Progress | None
) -> bool:
    """True once every row is in; False when another run took over."""
    total = len(table.rows)
    async with engine.begin() as conn:
        await conn.execute(sa.update(IMPORT).where(IMPORT.c.id == row.id).values(total_rows=total))
    seen: set[str] = set()
    done = row.processed_rows
    # The committed rows: only their phones are needed again.
    read_batch(table, columns, 0, done, seen, write=False)
    kept = len(row.errors or [])
    while done < total:
        stop = min(done + BATCH_ROWS, total)
        batch = read_batch(table, columns, done, stop, seen)
        async with engine.begin() as conn:
            if not await _claim(conn, row.id, done):
                log.warning("import run by another worker", extra={"import_id": str(row.id)})
                return False
            outcome = await upsert_members(
                conn, row.organization_id, row.contact_list_id, batch.rows
            )
            batch.errors.extend(
                RowError(batch.lines[phone], columns.phone_header, phone, "opted_out")
                for phone in sorted(outcome.opted_out_phones, key=batch.lines.__getitem__)
            )
            new_errors = [e.as_json() for e in batch.errors[: max(0, ERRORS_CAP - kept)]]
            kept += len(new_errors)
            await conn.execute(
                sa.update(IMPORT)
                .where(IMPORT.c.id == row.id)
                .values(
                    processed_rows=stop,
                    created=IMPORT.c.created + outcome.created,
                    updated=IMPORT.c.updated + outcome.updated,
                    duplicates=IMPORT.c.duplicates + outcome.duplicates + batch.repeated,
                    invalid=IMPORT.c.invalid + batch.invalid,
                    opted_out=IMPORT.c.opted_out + outcome.opted_out,
                    errors=IMPORT.c.errors.op("||")(sa.bindparam("new", new_errors, JSONB))
                    if new_errors
                    else IMPORT.c.errors,
                    updated_at=sa.func.now(),
                )
            )
        done = stop
        if progress is not None:
            progress(done, total)
    return True


async def _claim(conn: AsyncConnection, import_id: uuid.UUID, done: int) -> bool:
    """Lock the import row at this checkpoint; False when another run moved it on."""
    found = await conn.scalar(
        sa.select(IMPORT.c.id)
        .where(
            IMPORT.c.id == import_id,
            IMPORT.c.processed_rows == done,
            IMPORT.c.status == ImportStatus.RUNNING,
        )
        .with_for_update()
    )
    return found is not None


async def _fail(engine: AsyncEngine, storage: MediaStorage, row: Any, error: str) -> Report:
    await _finish(engine, storage, row, ImportStatus.FAILED, error)
    return await report(engine, row.id)


async def _finish(
    engine: AsyncEngine, storage: MediaStorage, row: Any, status: ImportStatus, error: str | None
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            sa.update(IMPORT)
            .where(IMPORT.c.id == row.id, IMPORT.c.status == ImportStatus.RUNNING)
            .values(
                status=status,
                error=error,
                media_key=None,
                finished_at=sa.func.now(),
                updated_at=sa.func.now(),
            )
        )
    if row.media_key:
        try:
            await storage.delete(row.media_key)
        except (StorageError, OSError):  # the row no longer points at it
            log.warning("could not delete an import's file", extra={"key": row.media_key})


async def report(engine: AsyncEngine, import_id: uuid.UUID) -> Report:
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(IMPORT).where(IMPORT.c.id == import_id))).first()
    if row is None:
        return Report(status="MISSING")
    return Report(
        status=str(row.status),
        total_rows=row.total_rows,
        processed_rows=row.processed_rows,
        created=row.created,
        updated=row.updated,
        duplicates=row.duplicates,
        invalid=row.invalid,
        opted_out=row.opted_out,
        errors=list(row.errors or []),
        error=row.error,
    )
