"""Spreadsheets as rows of cells: CSV in whatever delimiter and encoding the exporting
program chose, XLSX and legacy XLS (python-calamine reads both). Nothing here knows
what a contact is (that is app.contact_lists.mapping).

Line numbers are those a person sees when opening the file: 1-based, the header on
line 1 (or on the first non-blank line), a CSV record on the line it starts on.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from charset_normalizer import from_bytes
from python_calamine import CalamineError, CalamineWorkbook

Kind = Literal["csv", "xlsx", "xls"]
DELIMITERS = ";,\t|"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .xls (and .doc)
_SAMPLE = 64 * 1024
# charset-normalizer tells single-byte Latin encodings apart by letter statistics, which
# a short list of names and numbers does not have; what Excel and Brazilian ERPs write
# in them is Windows-1252, a superset of the printable Latin-1.
_WESTERN = frozenset(
    {"latin_1", "iso8859_15", "cp1250", "cp1252", "mac_roman", "mac_latin2", "cp850", "cp437"}
)
csv.field_size_limit(1024 * 1024)


class FileRejected(Exception):
    """The file cannot be imported at all (as opposed to rows that cannot)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Table:
    """The file's rows: ``rows`` yields ``(line, cells)`` after the header line."""

    kind: Kind
    header_line: int
    header: list[str]
    rows: list[tuple[int, list[Any]]]
    delimiter: str | None = None
    encoding: str | None = None


def kind_of(data: bytes) -> Kind:
    """By the bytes, not the name: clients send XLSX as ``.csv`` and CSV as ``.xls``."""
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "xl/workbook.xml" in archive.namelist():
                    return "xlsx"
        except (zipfile.BadZipFile, OSError, ValueError):
            pass
        raise FileRejected("not_a_spreadsheet", "The file is a zip archive, not an XLSX sheet.")
    if data.startswith(_OLE2):
        return "xls"
    return "csv"


def read_table(data: bytes) -> Table:
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise FileRejected("empty_file", "The file is empty.")
    kind = kind_of(data)
    if kind == "csv":
        text, encoding = decode_text(data)
        delimiter = detect_delimiter(text[:_SAMPLE])
        lines = _csv_records(text, delimiter)
        return _table("csv", lines, delimiter=delimiter, encoding=encoding)
    return _table(kind, _sheet_records(data, kind))


def decode_text(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with (BOM, then strict UTF-8, then
    charset-normalizer's guess)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:_SAMPLE]).best()
    encoding = best.encoding if best is not None else "cp1252"
    if encoding in _WESTERN:
        encoding = "cp1252"
    if "\x00" in data[:_SAMPLE].decode("latin-1") and not encoding.startswith("utf_16"):
        raise FileRejected("not_a_spreadsheet", "The file is not a CSV, XLSX or XLS sheet.")
    try:
        return data.decode(encoding, errors="replace"), encoding
    except LookupError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def detect_delimiter(sample: str) -> str:
    """csv.Sniffer on the first lines, checked against the header: the Sniffer happily
    picks a comma from ``"Silva, Ana"`` in a semicolon file, so a delimiter that splits
    the header into fewer columns than another candidate loses to it."""
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    head = lines[0]

    def columns(delimiter: str) -> int:
        return len(next(csv.reader([head], delimiter=delimiter), []))

    counts = {d: columns(d) for d in DELIMITERS}
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties keep DELIMITERS' order
    if sniffed is not None and counts[sniffed] >= counts[best]:
        return sniffed
    return best if counts[best] > 1 else ","


def _csv_records(text: str, delimiter: str) -> Iterator[tuple[int, list[Any]]]:
    reader = csv.reader(io.StringIO(text.replace("\x00", "")), delimiter=delimiter)
    start = 1
    try:
        for record in reader:
            yield start, record
            start = reader.line_num + 1
    except csv.Error as exc:
        raise FileRejected("unreadable_file", f"Line {start}: {exc}") from exc


def _sheet_records(data: bytes, kind: Kind) -> Iterator[tuple[int, list[Any]]]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise FileRejected("empty_file", "The workbook has no sheets.")
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except CalamineError as exc:
        raise FileRejected("unreadable_file", f"The {kind.upper()} file cannot be read.") from exc
    except (ValueError, OSError, TypeError) as exc:  # calamine's other complaints
        raise FileRejected("unreadable_file", f"The {kind.upper()} file cannot be read.") from exc
    for index, row in enumerate(rows):
        yield index + 1, list(row)


def is_blank(cells: list[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _table(
    kind: Kind,
    records: Iterator[tuple[int, list[Any]]],
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> Table:
    header_line, header = 0, None
    for line, cells in records:
        if not is_blank(cells):
            header_line, header = line, [cell_text(c) for c in cells]
            break
    if header is None:
        raise FileRejected("empty_file", "The file has no rows.")
    rows = [(line, cells) for line, cells in records if not is_blank(cells)]
    return Table(kind, header_line, header, rows, delimiter, encoding)


def cell_text(value: Any) -> str:
    """A cell as the text a person reads in it: a spreadsheet's 5511987654321.0 is
    ``5511987654321``, a date its ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value).replace("\x00", "").strip()
