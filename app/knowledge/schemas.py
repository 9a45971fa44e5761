from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

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
