from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import msgspec
from litestar.datastructures import UploadFile

from app.schemas import Camel


@dataclass
class KnowledgeUpload:
    """Multipart form: a ``file`` (PDF, DOCX or text) or a ``text`` field, and an
    optional ``title`` (default: the file name)."""

    file: UploadFile | None = None
    text: str | None = None
    title: str | None = None


class KnowledgeDocument(Camel):
    id: uuid.UUID
    title: str
    filename: str | None
    mimetype: str | None
    size: int
    status: str
    chunks: int
    created_at: datetime


Question = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=r"^[^\x00]*$")]


class KnowledgeQuestion(Camel):
    question: Question


class KnowledgeSnippet(Camel):
    chunk_id: uuid.UUID
    document_id: uuid.UUID
    title: str
    content: str
    score: float


class KnowledgeSearch(Camel):
    """The snippets the AI's retrieval puts in its prompt for this question, best
    first (the responder's own search: app.knowledge.search), at most ``limit``."""

    question: str
    limit: int
    snippets: list[KnowledgeSnippet]
