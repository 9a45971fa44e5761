"""Reading spreadsheets into contacts: real files as Excel, Google Sheets and old
systems write them (tests/fixtures/contacts/make.py), one condition a test."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.contact_lists.imports import Batch, open_table, read_batch
from app.contact_lists.mapping import MappingError, clean_phone, detect_mapping, phone_text
from app.contact_lists.parsing import FileRejected, detect_delimiter, read_table

FIXTURES = Path(__file__).parents[2] / "fixtures" / "contacts"


def batch_of(name: str, mapping: dict[str, str] | None = None) -> Batch:
    table, columns, _ = open_table((FIXTURES / name).read_bytes(), mapping)
    return read_batch(table, columns, 0, len(table.rows), set())


def codes(batch: Batch) -> list[tuple[int, str]]:
    return [(e.line, e.code) for e in batch.errors]


def test_excel_semicolon_csv_in_cp1252_keeps_accents() -> None:
    table = read_table((FIXTURES / "contatos-excel-cp1252.csv").read_bytes())
    assert (table.kind, table.delimiter, table.encoding) == ("csv", ";", "cp1252")
    batch = batch_of("contatos-excel-cp1252.csv")
    first = batch.rows[0]
    assert (first.phone, first.name, first.email) == (
        "5511987654321",
        "João da Conceição",
        "joao@example.com",
    )
    assert first.fields == {"cidade": "São Paulo"}
    assert [r.phone for r in batch.rows] == ["5511987654321", "5521998877665", "5531987654321"]


def test_error_lines_are_file_lines_with_the_header_on_line_1() -> None:
    batch = batch_of("contatos-excel-cp1252.csv")
    # Line 4 is blank: skipped, neither a contact nor an error.
    assert codes(batch) == [
        (3, "invalid_email"),
        (5, "missing_phone"),
        (6, "invalid_phone"),
        (7, "duplicate_in_file"),
    ]
    assert (batch.invalid, batch.repeated) == (2, 1)
    assert batch.errors[2].value == "12345" and batch.errors[2].column == "Telefone"


def test_excel_unicode_text_is_utf16_with_tabs() -> None:
    table = read_table((FIXTURES / "contatos-unicode.txt").read_bytes())
    assert (table.delimiter, table.encoding) == ("\t", "utf-16")
    assert table.header == ["Celular", "Nome completo", "Observação"]
    batch = batch_of("contatos-unicode.txt")
    assert [(r.phone, r.name) for r in batch.rows] == [
        ("5511987654321", "Ana Lúcia"),
        ("5548991234567", "Bruna Ávila"),
    ]
    assert batch.rows[1].fields == {"observacao": "prefere manhã"}
    assert codes(batch) == [(5, "invalid_phone")]


def test_xlsx_phones_stored_as_numbers() -> None:
    batch = batch_of("contatos-numeros.xlsx")
    assert [r.phone for r in batch.rows] == ["5511987654321", "5511987654322", "5511987654323"]
    assert batch.rows[0].fields == {"nascimento": "1990-05-17", "pontos": 120}
    assert batch.rows[1].fields == {"pontos": 3.5}
    assert codes(batch) == [(6, "duplicate_in_file")]  # row 4 is blank


def test_legacy_xls() -> None:
    table = read_table((FIXTURES / "contatos-legado.xls").read_bytes())
    assert table.kind == "xls"
    batch = batch_of("contatos-legado.xls")
    assert [(r.phone, r.name, r.email) for r in batch.rows] == [
        ("5521998877665", "Eva", "eva@example.com")
    ]
    assert codes(batch) == [(3, "missing_phone")]


def test_short_long_and_blank_rows_and_quoted_delimiters() -> None:
    batch = batch_of("contatos-google-bom.csv")
    assert [(r.name, r.external_id, r.fields) for r in batch.rows] == [
        ("Silva, Ana", "crm-1", {"plano": "ouro"}),
        ("Beto", None, {}),
        ('Carla "Cacá"', "crm-3", {"plano": "prata"}),
    ]
    assert batch.errors == []


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("(11) 98765-4321 ramal 2", "(11) 98765-4321"),
        ("11 98765-4321 Ramal: 25", "11 98765-4321"),
        ("11 98765-4321 ext. 3", "11 98765-4321"),
        ("11 98765-4321 r. 4", "11 98765-4321"),
        ("11 98765-4321, ramal 4", "11 98765-4321"),
        ("11 98765-4321 x 5", "11 98765-4321"),
        (5511987654321.0, "5511987654321"),
        ("5511987654321.0", "5511987654321"),
        ("5,511987654321E+12", "5511987654321"),
        (5511987654321, "5511987654321"),
        (None, ""),
    ],
)
def test_phone_cells(cell: object, text: str) -> None:
    assert phone_text(cell) == text
    if text:
        assert clean_phone(cell)[0] == "5511987654321"


def test_extension_digits_never_join_the_number() -> None:
    # Without the stripping, the punctuation rules would read "ramal 2"'s digit as part
    # of the number: 11 8765-43212, a different and wrong one.
    assert clean_phone("(11) 8765-4321 ramal 2")[0] == "5511987654321"
    assert clean_phone("1187654321 ramal 2")[0] == "5511987654321"


@pytest.mark.parametrize(
    ("header", "target"),
    [
        ("Telefone", "phoneNumber"),
        ("CELULAR", "phoneNumber"),
        ("WhatsApp", "phoneNumber"),
        ("Número", "phoneNumber"),
        ("fone", "phoneNumber"),
        ("Telefone 1", "phoneNumber"),
        ("phone", "phoneNumber"),
        ("Nome", "name"),
        ("name", "name"),
        ("E-mail", "email"),
        ("EMAIL", "email"),
        ("id", "externalId"),
        ("externalId", "externalId"),
        ("Data de Nascimento", "field:data_de_nascimento"),
    ],
)
def test_header_recognition(header: str, target: str) -> None:
    assert detect_mapping([header])[header] == target


def test_second_phone_column_is_a_field() -> None:
    assert detect_mapping(["Telefone", "Celular"]) == {
        "Telefone": "phoneNumber",
        "Celular": "field:celular",
    }


def test_explicit_mapping_wins_and_ignores() -> None:
    batch = batch_of(
        "contatos-excel-cp1252.csv",
        {"Cidade": "field:municipio", "E-mail": "ignore", "Nome": "externalId"},
    )
    first = batch.rows[0]
    assert (first.name, first.email, first.external_id) == (None, None, "João da Conceição")
    assert first.fields == {"municipio": "São Paulo"}
    assert all(e.code != "invalid_email" for e in batch.errors)


def test_mapping_moves_the_phone_to_another_column() -> None:
    data = b"Fixo;Contato WhatsApp\n1133334444;11987654321\n"
    table, columns, mapping = open_table(data, {"Contato WhatsApp": "phoneNumber"})
    assert mapping == {"Fixo": "field:fixo", "Contato WhatsApp": "phoneNumber"}
    rows = read_batch(table, columns, 0, 1, set()).rows
    assert (rows[0].phone, rows[0].fields) == ("5511987654321", {"fixo": "1133334444"})


@pytest.mark.parametrize(
    ("mapping", "code"),
    [
        ({"Inexistente": "name"}, "unknown_column"),
        ({"Nome": "sobrenome"}, "invalid_mapping"),
        ({"Telefone": "ignore"}, "no_phone_column"),
    ],
)
def test_bad_mappings(mapping: dict[str, str], code: str) -> None:
    with pytest.raises(MappingError) as caught:
        open_table((FIXTURES / "contatos-excel-cp1252.csv").read_bytes(), mapping)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"\r\n\r\n", "empty_file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not_a_spreadsheet"),
        (b"PK\x03\x04not really a zip", "not_a_spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1garbage", "unreadable_file"),
    ],
)
def test_files_that_are_not_spreadsheets(data: bytes, code: str) -> None:
    with pytest.raises(FileRejected) as caught:
        read_table(data)
    assert caught.value.code == code


def test_no_phone_column() -> None:
    with pytest.raises(MappingError) as caught:
        open_table(b"nome;cidade\nAna;Recife\n", None)
    assert caught.value.code == "no_phone_column"


@pytest.mark.parametrize(
    ("sample", "delimiter"),
    [
        ('nome;telefone\n"Silva, Ana";11987654321\n', ";"),
        ("nome,telefone\nAna,11987654321\n", ","),
        ("nome|telefone\nAna|11987654321\n", "|"),
        ("nome\ttelefone\nAna\t11987654321\n", "\t"),
        ("telefone\n11987654321\n", ","),
    ],
)
def test_delimiters(sample: str, delimiter: str) -> None:
    assert detect_delimiter(sample) == delimiter


def test_duplicates_across_batches() -> None:
    data = b"telefone\n11987654321\n11987654322\n11987654321\n"
    table, columns, _ = open_table(data, None)
    seen: set[str] = set()
    first = read_batch(table, columns, 0, 2, seen)
    second = read_batch(table, columns, 2, 3, seen)
    assert len(first.rows) == 2
    assert [(e.line, e.code) for e in second.errors] == [(4, "duplicate_in_file")]
