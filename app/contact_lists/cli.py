"""``balcao contacts import FILE --org ORG_ID --list NAME [--mapping JSON]``: the import
job's own code (app.contact_lists.imports.run_import) run in this process, with a
progress bar. The import is recorded like an upload (the list is created when it does
not exist), so one interrupted here is finished by the worker's reconciler."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from pathlib import Path
from typing import TextIO

import sqlalchemy as sa

from app.contact_lists import uploads
from app.contact_lists.imports import Report, run_import
from app.db import models as m
from app.db.engine import make_engine, make_sessionmaker
from app.db.tenancy import set_tenant
from app.errors import BalcaoError
from app.media.storage import LocalMediaStorage


class Bar:
    """``[########------------]  8,000/20,000  40%`` redrawn in place on a terminal."""

    def __init__(self, out: TextIO, width: int = 30) -> None:
        self.out, self.width, self.started = out, width, time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        filled = self.width * done // total if total else self.width
        percent = 100 * done // total if total else 100
        bar = "#" * filled + "-" * (self.width - filled)
        end = "\n" if done >= total else ""
        self.out.write(f"\r[{bar}] {done:>9,}/{total:,} {percent:3d}%{end}")
        self.out.flush()


def format_report(report: Report, file_name: str) -> str:
    lines = [
        f"{file_name}: {report.status}",
        f"  rows       {report.total_rows:,} (processed {report.processed_rows:,})",
        f"  created    {report.created:,}",
        f"  updated    {report.updated:,}",
        f"  duplicates {report.duplicates:,}",
        f"  invalid    {report.invalid:,}",
        f"  opted out  {report.opted_out:,}",
    ]
    if report.error:
        lines.append(f"  error: {report.error}")
    for error in report.errors:
        value = "" if error.get("value") is None else f" {error['value']!r}"
        lines.append(f"  line {error['line']}: {error['code']} ({error.get('column')}){value}")
    if report.seconds:
        lines.append(f"  in {report.seconds:.1f} s")
    return "\n".join(lines)


async def import_file(
    database_url: str,
    media_dir: Path,
    path: Path,
    organization_id: uuid.UUID,
    list_name: str,
    mapping_json: str | None,
    err: TextIO = sys.stderr,
) -> tuple[int, str]:
    """(exit status, report text)."""
    try:
        raw = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        return 2, f"error: cannot read {path}: {exc.strerror}"
    engine = make_engine(database_url, pool_size=2)
    storage = LocalMediaStorage(media_dir)
    try:
        try:
            mapping = uploads.parse_mapping(mapping_json)
            if len(raw) > uploads.MAX_BYTES:
                return 2, f"error: the file is over {uploads.MAX_BYTES // (1024 * 1024)} MB"
            table = await uploads.check_file(raw, mapping)
        except BalcaoError as exc:
            return 2, f"error: {exc.code}: {exc.detail}"
        async with make_sessionmaker(engine)() as db:
            org = await db.scalar(
                sa.select(m.Organization.id).where(m.Organization.id == organization_id)
            )
            if org is None:
                return 2, f"error: no organization {organization_id}"
            set_tenant(db, organization_id)
            list_id = await db.scalar(
                sa.select(m.ContactList.id).where(m.ContactList.name == list_name)
            )
            if list_id is None:
                created = m.ContactList(organization_id=organization_id, name=list_name)
                db.add(created)
                await db.flush()
                list_id = created.id
                err.write(f"created the list {list_name!r}\n")
            row, _ = await uploads.record_import(
                db,
                storage,
                organization_id=organization_id,
                list_id=list_id,
                user_id=None,
                file_name=path.name[:255],
                raw=raw,
                table=table,
                mapping=mapping,
            )
            await db.commit()
            import_id = row.id
        report = await run_import(engine, storage, import_id, Bar(err))
    finally:
        await engine.dispose()
    return (0 if report.status == "DONE" else 1), format_report(report, path.name)
