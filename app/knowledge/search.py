"""Portuguese full-text search over knowledge chunks, inside PostgreSQL.

A customer's message is a question, not a query: ``plainto_tsquery`` would demand every
word. The lexemes it yields (stemmed, stop words dropped) are OR-ed instead, and
``ts_rank_cd`` puts the chunks that hold most of them, close together, first."""

from __future__ import annotations

import uuid

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

# How many snippets go into the AI's prompt (workers.config.JobConfig.knowledge_snippets
# defaults to it; the settings page's "try a question" shows that many).
SNIPPETS_IN_PROMPT = 4
# Questions can be long (a transcribed voice note): the first few thousand characters
# carry the words that matter and keep the query cheap.
MAX_QUERY_CHARS = 2000

_SEARCH = sa.text(
    """
    WITH q AS (
        SELECT replace(plainto_tsquery('portuguese', :text)::text, '&', '|')::tsquery AS query
    )
    SELECT c.id, c.document_id, d.title, c.content,
           ts_rank_cd(c.tsv, q.query) AS score
    FROM q, knowledge_chunk c JOIN knowledge_document d ON d.id = c.document_id
    WHERE numnode(q.query) > 0 AND c.organization_id = :org AND c.tsv @@ q.query
    ORDER BY score DESC, c.ordinal
    LIMIT :limit
    """
)


class Snippet(msgspec.Struct, frozen=True, kw_only=True):
    chunk_id: uuid.UUID
    document_id: uuid.UUID
    title: str
    content: str
    score: float


async def search_chunks(
    conn: AsyncConnection, organization_id: uuid.UUID, text: str, limit: int = SNIPPETS_IN_PROMPT
) -> list[Snippet]:
    if not text.strip() or limit <= 0:
        return []
    rows = await conn.execute(
        _SEARCH, {"text": text[:MAX_QUERY_CHARS], "org": organization_id, "limit": limit}
    )
    return [
        Snippet(
            chunk_id=r.id,
            document_id=r.document_id,
            title=r.title,
            content=r.content,
            score=round(float(r.score), 6),
        )
        for r in rows
    ]
