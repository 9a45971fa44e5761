"""Knowledge documents: text out of the upload, chunks into the table whose generated
``tsv`` column PostgreSQL indexes for Portuguese full-text search."""

from __future__ import annotations

import uuid
from pathlib import PurePath

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import models as m
from app.errors import ValidationFailed
from app.knowledge.chunking import chunk_text
from app.media.documents import docx_text, pdf_text
from app.media.errors import ExtractError

MAX_BYTES = 20 * 1024 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_TEXT_SUFFIXES = frozenset({".txt", ".md", ".csv", ".text"})


def kind_of(filename: str | None, content_type: str | None, data: bytes) -> str:
    """ "pdf", "docx" or "text", judged by the bytes first (clients mislabel files)."""
    suffix = PurePath(filename or "").suffix.lower()
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK") and (suffix == ".docx" or content_type == DOCX):
        return "docx"
    if suffix in _TEXT_SUFFIXES or (content_type or "").startswith("text/"):
        return "text"
    raise ValidationFailed(
        "Upload a PDF, a DOCX or a text file.", code="unsupported_document", field="file"
    )


async def extract_text(kind: str, data: bytes) -> str:
    try:
        if kind == "pdf":
            return (await pdf_text(data, max_pages=500)).text
        if kind == "docx":
            return (await docx_text(data)).text
    except ExtractError as exc:
        raise ValidationFailed(
            f"The document could not be read: {exc}", code="unreadable_document", field="file"
        ) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Spreadsheets and old editors in Brazil still export Windows-1252.
        return data.decode("cp1252", errors="replace")


async def record_document(
    db: AsyncSession,
    organization_id: uuid.UUID,
    *,
    title: str,
    filename: str | None,
    mimetype: str | None,
    size: int,
    text: str,
) -> tuple[m.KnowledgeDocument, int]:
    chunks = chunk_text(text)
    if not chunks:
        raise ValidationFailed("The document has no text.", code="empty_document", field="file")
    document = m.KnowledgeDocument(
        organization_id=organization_id,
        title=title[:300],
        filename=filename[:300] if filename else None,
        mimetype=mimetype[:120] if mimetype else None,
        size=size,
        status="READY",
    )
    db.add(document)
    await db.flush()
    await db.execute(
        sa.insert(m.KnowledgeChunk),
        [
            {
                "organization_id": organization_id,
                "document_id": document.id,
                "ordinal": i,
                "content": chunk,
            }
            for i, chunk in enumerate(chunks)
        ],
    )
    return document, len(chunks)


async def chunk_counts(db: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not ids:
        return {}
    rows = await db.execute(
        sa.select(m.KnowledgeChunk.document_id, sa.func.count())
        .where(m.KnowledgeChunk.document_id.in_(ids))
        .group_by(m.KnowledgeChunk.document_id)
    )
    return {row[0]: row[1] for row in rows}
