"""From a spreadsheet's columns to contacts: which column is the phone, the name, the
e-mail, the external id, and which become custom fields; and what one cell's phone is.

A mapping is ``{"<column header>": "phoneNumber|name|email|externalId|field:<key>|ignore"}``
(API.md). Headers are recognised without case or accents (``Telefone``, ``CELULAR``,
``WhatsApp``, ``Número``, ``E-mail``, ``Nome``...); an explicit mapping wins over the
recognition for the columns it names; any other column is kept as a field named by
its header (``Data de Nascimento`` → ``data_de_nascimento``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from app.contact_lists.parsing import cell_text
from providers.phone import normalize_phone

TARGETS = ("phoneNumber", "name", "email", "externalId")
IGNORE = "ignore"
FIELD_PREFIX = "field:"
MAX_FIELDS = 100
MAX_FIELD_CHARS = 2000

# Compact header (lowercase, no accents, letters and digits only) → target. A header
# that starts with one of _PREFIXES counts too ("Telefone 1", "Celular/WhatsApp").
_HEADERS = {
    "phoneNumber": {
        "telefone", "tel", "celular", "cel", "whatsapp", "whats", "wpp", "zap", "zapzap",
        "phone", "phonenumber", "mobile", "cellphone", "fone", "numero", "nro", "telefones",
        "numerowhatsapp", "numerodetelefone", "numerodocelular", "numerocelular", "msisdn",
    },
    "name": {"nome", "name", "nomecompleto", "fullname", "cliente", "nomedocliente", "contato"},
    "email": {"email", "mail", "emailaddress", "correioeletronico", "enderecodeemail"},
    "externalId": {"id", "externalid", "idexterno", "codigo", "codigocliente", "codcliente"},
}  # fmt: skip
_PREFIXES = (
    ("phoneNumber", ("telefone", "celular", "whatsapp", "phone", "fone")),
    ("name", ("nome",)),
    ("email", ("email",)),
)
# "ramal 2", "ext. 3", "r. 4", "x 5": an extension is dialled after the call connects;
# its digits must not become part of the number.
_EXTENSION = re.compile(
    r"\s*(?:[,;/-]\s*)?\b(?:ramal|ext(?:ens[aã]o|ension)?\.?|r\.|x)\s*:?\s*\d{1,6}\s*$",
    re.IGNORECASE,
)
_FLOAT_TEXT = re.compile(r"^\+?\d+\.0+$")
_SCIENTIFIC = re.compile(r"^\+?\d(?:[.,]\d+)?[eE]\+?\d{1,2}$")
_EMAIL = re.compile(r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$")
_SLUG = re.compile(r"[^a-z0-9]+")


class MappingError(ValueError):
    """An explicit mapping the file does not fit (``code`` is the API's)."""

    def __init__(self, code: str, detail: str, column: str | None = None) -> None:
        super().__init__(detail)
        self.code, self.detail, self.column = code, detail, column


def compact(header: str) -> str:
    plain = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def field_key(header: str) -> str:
    plain = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode().lower()
    return _SLUG.sub("_", plain).strip("_")[:64]


def recognise(header: str) -> str | None:
    key = compact(header)
    if not key:
        return None
    for target, names in _HEADERS.items():
        if key in names:
            return target
    for target, prefixes in _PREFIXES:
        if key.startswith(prefixes):
            return target
    return None


def check_target(target: str, column: str) -> str:
    if target in TARGETS or target == IGNORE:
        return target
    if target.startswith(FIELD_PREFIX) and field_key(target[len(FIELD_PREFIX) :]):
        return FIELD_PREFIX + field_key(target[len(FIELD_PREFIX) :])
    raise MappingError(
        "invalid_mapping",
        f"{target!r} is not phoneNumber, name, email, externalId, field:<key> or ignore.",
        column,
    )


def detect_mapping(header: list[str]) -> dict[str, str]:
    """Header → target for every column, the first column of each target winning (a
    second "Telefone 2" is kept as a field)."""
    found: dict[str, str] = {}
    taken: set[str] = set()
    for index, name in enumerate(header):
        column = name or f"column_{index + 1}"
        if column in found:
            continue
        target = recognise(name)
        if target is not None and target not in taken:
            taken.add(target)
            found[column] = target
        else:
            found[column] = FIELD_PREFIX + (field_key(name) or f"column_{index + 1}")
    return found


@dataclass(frozen=True)
class Columns:
    """Which cell index holds what, resolved once per file."""

    phone: int
    phone_header: str
    email_header: str | None = None
    name: int | None = None
    email: int | None = None
    external_id: int | None = None
    fields: list[tuple[int, str]] = field(default_factory=list)


def resolve(header: list[str], explicit: dict[str, str] | None) -> tuple[Columns, dict[str, str]]:
    """The columns to read and the mapping in force (shown back to the client)."""
    mapping = detect_mapping(header)
    names = {name or f"column_{i + 1}": i for i, name in reversed(list(enumerate(header)))}
    if explicit:
        for column, target in explicit.items():
            if column not in names:
                raise MappingError("unknown_column", f"The file has no column {column!r}.", column)
            target = check_target(target, column)
            if target in TARGETS:
                # A target given explicitly takes it from the recognised column.
                for other, current in mapping.items():
                    if current == target and other != column:
                        mapping[other] = FIELD_PREFIX + (field_key(other) or other)
            mapping[column] = target
    chosen: dict[str, int] = {}
    fields: list[tuple[int, str]] = []
    for column, target in mapping.items():
        index = names[column]
        if target in TARGETS:
            chosen.setdefault(target, index)
        elif target.startswith(FIELD_PREFIX) and len(fields) < MAX_FIELDS:
            fields.append((index, target[len(FIELD_PREFIX) :]))
    if "phoneNumber" not in chosen:
        raise MappingError(
            "no_phone_column",
            "No column is the phone number: name one (telefone, celular, whatsapp...) "
            "or map it with mapping.",
        )
    phone, email = chosen["phoneNumber"], chosen.get("email")
    return (
        Columns(
            phone=phone,
            phone_header=header[phone] or f"column_{phone + 1}",
            email_header=None if email is None else header[email] or f"column_{email + 1}",
            name=chosen.get("name"),
            email=chosen.get("email"),
            external_id=chosen.get("externalId"),
            fields=fields,
        ),
        mapping,
    )


def phone_text(value: Any) -> str:
    """The number in a phone cell as text, without an extension and without what a
    spreadsheet did to it (a float, ``5511987654321.0``, ``5.511987654321E+12``)."""
    text = cell_text(value)
    text = _EXTENSION.sub("", text).strip()
    if _FLOAT_TEXT.match(text):
        text = text.split(".", 1)[0]
    elif _SCIENTIFIC.match(text):
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return text
        if number == number.to_integral_value():
            text = str(int(number))
    return text


def clean_phone(value: Any) -> tuple[str | None, str]:
    """``(E.164 digits or None, the text read)``; the text is empty for a blank cell."""
    text = phone_text(value)
    if not text:
        return None, ""
    if len(text) > 64:
        return None, text[:64]
    return normalize_phone(text), text


def text_value(value: Any, limit: int = 200) -> str | None:
    text = cell_text(value)
    return text[:limit] if text else None


def email_value(value: Any) -> tuple[str | None, bool]:
    """``(e-mail or None, whether a non-blank cell was refused)``."""
    text = cell_text(value)
    if not text:
        return None, False
    if len(text) > 320 or not _EMAIL.match(text):
        return None, True
    return text, False


def field_value(value: Any) -> Any:
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 1e15 else value
    text = cell_text(value)
    return text[:MAX_FIELD_CHARS] if text else None
