"""The knowledge base the AI answers from: documents, chunks, Portuguese full-text search."""
