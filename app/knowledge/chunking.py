"""Documents into chunks for full-text search. A chunk is a few paragraphs (~800
characters): big enough to carry an answer with its context, small enough that a few
of them fit the prompt beside the conversation."""

from __future__ import annotations

import re

TARGET_CHARS = 800
MAX_CHARS = 1200


def chunk_text(text: str, target: int = TARGET_CHARS, limit: int = MAX_CHARS) -> list[str]:
    paragraphs = [re.sub(r"[ \t]+", " ", p).strip() for p in re.split(r"\n\s*\n", text)]
    chunks: list[str] = []
    current = ""
    for paragraph in (p for p in paragraphs if p):
        for piece in _cut(paragraph, limit):
            if current and len(current) + len(piece) + 2 > target:
                chunks.append(current)
                current = piece
            else:
                current = f"{current}\n\n{piece}" if current else piece
    if current:
        chunks.append(current)
    return chunks


def _cut(paragraph: str, limit: int) -> list[str]:
    """A paragraph over ``limit`` is cut at sentence ends (then at spaces)."""
    if len(paragraph) <= limit:
        return [paragraph]
    pieces: list[str] = []
    current = ""
    for sentence in re.split(r"(?<=[.!?])\s+", paragraph):
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if current and len(current) + len(sentence) + 1 > limit:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
    if current:
        pieces.append(current)
    return pieces
