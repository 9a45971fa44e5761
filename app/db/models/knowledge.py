from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, created_at, org_fk, pk
from app.db.tenancy import TenantScoped


class KnowledgeDocument(TenantScoped, Base):
    __tablename__ = "knowledge_document"

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    title: Mapped[str] = mapped_column(sa.String(300))
    filename: Mapped[str | None] = mapped_column(sa.String(300))
    mimetype: Mapped[str | None] = mapped_column(sa.String(120))
    size: Mapped[int] = mapped_column(server_default=sa.text("0"))
    status: Mapped[str] = mapped_column(sa.String(16), server_default="READY")
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = created_at()


class KnowledgeChunk(TenantScoped, Base):
    __tablename__ = "knowledge_chunk"
    __table_args__ = (sa.Index("ix_knowledge_chunk_tsv", "tsv", postgresql_using="gin"),)

    id: Mapped[uuid.UUID] = pk()
    organization_id: Mapped[uuid.UUID] = org_fk()
    document_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("knowledge_document.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int]
    content: Mapped[str] = mapped_column(sa.Text)
    # Portuguese full-text search inside PostgreSQL: no search server to run.
    tsv: Mapped[str] = mapped_column(
        TSVECTOR,
        sa.Computed("to_tsvector('portuguese', content)", persisted=True),
    )
