"""Text out of PDF and DOCX files, with the limits untrusted documents need: a page cap
for PDFs, and a zip inspection before python-docx inflates anything (a 40 KB DOCX can
declare gigabytes of XML).

Parsing is CPU-bound, so it runs in a thread under a deadline. A thread cannot be killed:
on timeout the caller gets its answer, and the page/size caps bound what the thread still
burns before it finishes on its own; the PDF reader also stops at the deadline by itself.
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import Callable
from time import monotonic
from typing import Any, TypeVar

import msgspec
from pypdf import Configuration, PdfReader, apply_configuration
from pypdf.errors import FileNotDecryptedError, LimitReachedError, PdfReadError

from app.media.errors import ExtractError

T = TypeVar("T")
MAX_CHARS = 200_000
# What one PDF stream may inflate to, and the pages' content streams all together. A page
# of text is tens of KB; pypdf's own 75 MB cap let a 1.4 MB PDF of 20 pages cost 160 s of
# CPU and 1.5 GB of decoded (and cached) streams. Reading costs ~0.7 s of CPU a MB.
PDF_STREAM_BYTES = 4 * 1024 * 1024
PDF_CONTENT_BYTES = 16 * 1024 * 1024
_PDF_LIMITS = Configuration().with_overwrites(
    zlib_maximum_output_length=PDF_STREAM_BYTES,
    lzw_maximum_output_length=PDF_STREAM_BYTES,
    run_length_maximum_output_length=PDF_STREAM_BYTES,
    brotli_maximum_output_length=PDF_STREAM_BYTES,
    array_based_stream_maximum_output_length=PDF_STREAM_BYTES,
    stream_decoding_work_maximum_length=4 * PDF_STREAM_BYTES,
)


class DocumentText(msgspec.Struct, frozen=True, kw_only=True):
    text: str
    pages: int | None = None  # pages in the document (PDF only)
    pages_read: int | None = None
    truncated: bool = False  # a page or character cap cut the text short


class ZipLimits(msgspec.Struct, frozen=True, kw_only=True):
    max_members: int = 1_000
    max_total_bytes: int = 64 * 1024 * 1024
    max_ratio: float = 200.0  # uncompressed / compressed, judged on members over 1 MiB
    ratio_floor_bytes: int = 1024 * 1024


async def pdf_text(
    data: bytes, *, max_pages: int = 50, max_chars: int = MAX_CHARS, timeout: float = 60.0
) -> DocumentText:
    """Text of the first ``max_pages`` pages, fewer when reading them outlasts most of
    ``timeout`` (``truncated`` says so); ExtractError("bomb") for a stream that inflates
    past :data:`PDF_STREAM_BYTES`."""
    return await _in_thread(_pdf_text, timeout, data, max_pages, max_chars, timeout * 0.8)


async def docx_text(
    data: bytes,
    *,
    limits: ZipLimits | None = None,
    max_chars: int = MAX_CHARS,
    timeout: float = 30.0,
) -> DocumentText:
    """Paragraphs and tables in document order; a table row reads ``cell | cell``."""
    return await _in_thread(_docx_text, timeout, data, limits or ZipLimits(), max_chars)


async def _in_thread(func: Callable[..., T], timeout: float, *args: Any) -> T:
    try:
        async with asyncio.timeout(timeout):
            return await asyncio.to_thread(func, *args)
    except TimeoutError:
        raise ExtractError("timeout", f"reading the document took over {timeout:g}s") from None


def _pdf_text(data: bytes, max_pages: int, max_chars: int, budget: float) -> DocumentText:
    stop, content = monotonic() + budget, 0
    with apply_configuration(_PDF_LIMITS):
        reader = _open_pdf(data)
        total = len(reader.pages)
        texts: list[str] = []
        for index in range(min(total, max_pages)):
            if texts and (monotonic() > stop or content > PDF_CONTENT_BYTES):
                break
            texts.append(_page_text(reader, index))
            content += _content_bytes(reader, index)
    text, cut = _cap("\n\n".join(t.strip() for t in texts if t.strip()), max_chars)
    read = len(texts)
    return DocumentText(text=text, pages=total, pages_read=read, truncated=cut or read < total)


def _content_bytes(reader: PdfReader, index: int) -> int:
    """Decoded size of a page's content streams (cached by pypdf: nothing is decoded again)."""
    try:
        contents = reader.pages[index].get("/Contents")
        contents = contents.get_object() if contents is not None else None
        streams = contents if isinstance(contents, list) else [contents] if contents else []
        return sum(len(stream.get_object().get_data()) for stream in streams)
    except Exception:  # damaged pages were already read as ""
        return 0


def _page_text(reader: PdfReader, index: int) -> str:
    try:
        return reader.pages[index].extract_text() or ""
    except LimitReachedError:
        raise ExtractError("bomb", f"page {index + 1} inflates past pypdf's limits") from None
    # pypdf raises arbitrary exceptions on damaged pages; one bad page is not the file.
    except Exception:
        return ""


def _open_pdf(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data))
        # Many "protected" PDFs only restrict printing and open with the empty password.
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractError("encrypted", "the PDF needs a password")
        len(reader.pages)  # forces the page tree, where most corruption shows up
    except ExtractError:
        raise
    except FileNotDecryptedError:
        raise ExtractError("encrypted", "the PDF needs a password") from None
    except LimitReachedError as exc:
        raise ExtractError("bomb", f"the PDF inflates past pypdf's limits: {exc}"[:300]) from None
    except (PdfReadError, Exception) as exc:
        raise ExtractError("corrupt", f"unreadable PDF: {exc!r}"[:300]) from None
    return reader


def check_zip(data: bytes, limits: ZipLimits) -> None:
    """Refuse a zip whose members would inflate past ``limits``. The declared sizes are
    enough: zipfile stops reading a member at its declared size, so a lying header cannot
    inflate past what we checked here."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ExtractError("corrupt", f"not a zip: {exc}") from None
    if len(members) > limits.max_members:
        raise ExtractError("bomb", f"{len(members)} zip members")
    total = sum(member.file_size for member in members)
    if total > limits.max_total_bytes:
        raise ExtractError("too_large", f"{total} bytes once unzipped")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > limits.ratio_floor_bytes and ratio > limits.max_ratio:
            raise ExtractError("bomb", f"{member.filename} inflates {ratio:.0f}x")


def _docx_text(data: bytes, limits: ZipLimits, max_chars: int) -> DocumentText:
    from docx import Document
    from docx.table import Table

    check_zip(data, limits)
    try:
        document = Document(io.BytesIO(data))
        blocks = [
            _table_text(block) if isinstance(block, Table) else block.text.strip()
            for block in document.iter_inner_content()
        ]
    # python-docx surfaces damaged packages as KeyError, ValueError, lxml errors, ...
    except Exception as exc:
        raise ExtractError("corrupt", f"unreadable DOCX: {exc!r}"[:300]) from None
    text, cut = _cap("\n".join(block for block in blocks if block), max_chars)
    return DocumentText(text=text, truncated=cut)


def _table_text(table: Any) -> str:
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            # A horizontally merged cell is returned once per grid column it spans.
            if cell._tc is previous:
                continue
            previous = cell._tc
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _cap(text: str, max_chars: int) -> tuple[str, bool]:
    return (text[:max_chars], True) if len(text) > max_chars else (text, False)
