from __future__ import annotations

import uuid

import sqlalchemy as sa
from litestar import Controller, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody

from app.auth.guards import supervisors
from app.db import models as m
from app.deps import Caller, Db
from app.errors import ValidationFailed
from app.knowledge import services
from app.knowledge.schemas import (
    KnowledgeDocument,
    KnowledgeQuestion,
    KnowledgeSearch,
    KnowledgeSnippet,
    KnowledgeUpload,
)
from app.knowledge.search import SNIPPETS_IN_PROMPT, search_chunks
from app.pagination import Page, PageLimit, PageNumber, paginate
from app.records import require


def document_out(row: m.KnowledgeDocument, chunks: int) -> KnowledgeDocument:
    return KnowledgeDocument(
        id=row.id,
        title=row.title,
        filename=row.filename,
        mimetype=row.mimetype,
        size=row.size,
        status=row.status,
        chunks=chunks,
        created_at=row.created_at,
    )


class KnowledgeController(Controller):
    path = "/api/v1/knowledge"
    tags = ["ai"]

    @get("/")
    async def list_documents(
        self, db: Db, page: FromQuery[PageNumber] = 1, limit: FromQuery[PageLimit] = 50
    ) -> Page[KnowledgeDocument]:
        stmt = sa.select(m.KnowledgeDocument).order_by(m.KnowledgeDocument.created_at.desc())
        rows, pages = await paginate(db, stmt, page, limit)
        counts = await services.chunk_counts(db, [r.id for r in rows])
        return Page(data=[document_out(r, counts.get(r.id, 0)) for r in rows], pagination=pages)

    @post("/", guards=[supervisors], request_max_body_size=services.MAX_BYTES + 64 * 1024)
    async def upload_document(
        self, db: Db, principal: Caller, data: MultipartBody[KnowledgeUpload]
    ) -> KnowledgeDocument:
        """Upload a PDF, DOCX or text file (`file`), or plain `text`; optional `title`."""
        if data.file is not None:
            raw = await data.file.read()
            filename, mimetype = data.file.filename or None, data.file.content_type or None
            text = await services.extract_text(services.kind_of(filename, mimetype, raw), raw)
            size = len(raw)
        elif data.text:
            filename, mimetype, text, size = None, "text/plain", data.text, len(data.text)
        else:
            raise ValidationFailed("Send a `file` or a `text` field.", field="file")
        title = (data.title or filename or "Documento").strip() or "Documento"
        row, chunks = await services.record_document(
            db,
            principal.organization_id,
            title=title,
            filename=filename,
            mimetype=mimetype,
            size=size,
            text=text,
        )
        await db.commit()
        await db.refresh(row)
        return document_out(row, chunks)

    @post("/search", status_code=200)
    async def search_knowledge(
        self, db: Db, principal: Caller, data: JSONBody[KnowledgeQuestion]
    ) -> KnowledgeSearch:
        """What the AI would read for this question: the same search, over the same
        chunks, with the same number of snippets as the responder's prompt."""
        conn = await db.connection()
        found = await search_chunks(conn, principal.organization_id, data.question)
        return KnowledgeSearch(
            question=data.question,
            limit=SNIPPETS_IN_PROMPT,
            snippets=[
                KnowledgeSnippet(
                    chunk_id=s.chunk_id,
                    document_id=s.document_id,
                    title=s.title,
                    content=s.content,
                    score=s.score,
                )
                for s in found
            ],
        )

    @delete("/{document_id:uuid}", guards=[supervisors])
    async def delete_document(self, db: Db, document_id: FromPath[uuid.UUID]) -> None:
        row = await require(db, m.KnowledgeDocument, document_id)
        await db.delete(row)
        await db.commit()
