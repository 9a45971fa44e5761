"""Helpers every provider folder shares: decoding, timestamps, parties, authentication.

Nothing here knows a provider's wire format; folders pass in what they extracted.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, TypeVar

import msgspec

from .base import InvalidSignature, Party, UnparseablePayload, WebhookRequest
from .phone import is_lid_jid, lid_of, phone_of_jid

T = TypeVar("T")

# Unix seconds beyond this are not a date any webhook can mean (year 2100); bigger values
# are milliseconds (UAZapi, Z-API, the WAHA envelope) or microseconds.
_MAX_SECONDS = 4_102_444_800

# A message or chat id that messages are keyed by: an empty one would make every such
# message a repeat of the first, or file every phone-less chat under one contact.
NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]


_LINK = re.compile(r"https?://\S", re.IGNORECASE)


def has_link(text: str | None) -> bool:
    """Whether a text carries a web link: the senders then ask for its preview card (a
    mirrored offer's product link), which Evolution and UAZapi draw only on request."""
    return bool(text and _LINK.search(text))


def decode(body: bytes | str, type_: type[T], what: str) -> T:
    """msgspec decode that reports any failure as UnparseablePayload with the reason."""
    try:
        return msgspec.json.decode(body, type=type_)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise UnparseablePayload(f"{what}: {exc}") from exc
    except (RecursionError, ValueError, TypeError) as exc:  # absurdly nested/odd input
        raise UnparseablePayload(f"{what}: {exc.__class__.__name__}") from exc


def convert(obj: object, type_: type[T], what: str) -> T:
    """msgspec convert (for already-decoded objects) with UnparseablePayload on failure."""
    try:
        return msgspec.convert(obj, type=type_)
    except (msgspec.ValidationError, RecursionError, ValueError, TypeError) as exc:
        raise UnparseablePayload(f"{what}: {exc}") from exc


def to_seconds(value: object) -> int | None:
    """Unix seconds from seconds, milliseconds or microseconds, as number or string."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float) or value > 1e30 or not math.isfinite(value) or value <= 0:
        return None
    while value > _MAX_SECONDS:
        value /= 1000
    return int(value)


def to_int(value: object) -> int | None:
    """An integer from a number or a numeric string (WPPConnect's ``duration: "9"``)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value if abs(value) < 2**63 else None
    try:
        number = float(value) if isinstance(value, float | str) else math.nan
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and abs(number) < 2**63 else None


def present(raw: msgspec.Raw) -> bool:
    """A ``msgspec.Raw`` field that the payload carried with a non-null value."""
    return len(raw) > 0 and not (len(raw) == 4 and bytes(raw) == b"null")


def non_empty(*values: str | None) -> str | None:
    """The first value that is a non-empty string."""
    for value in values:
        if isinstance(value, str) and value:
            return value
    return None


def make_party(phone_jids: Iterable[str | None], name: str | None = None) -> Party:
    """The customer from every JID the payload offers for them: the first phone JID gives
    the phone, the first ``@lid`` the LID (providers put them in different fields)."""
    phone: str | None = None
    lid: str | None = None
    for jid in phone_jids:
        if not jid:
            continue
        if lid is None and is_lid_jid(jid):
            lid = lid_of(jid)
        elif phone is None:
            phone = phone_of_jid(jid)
    return Party(phone=phone, lid=lid, name=name or None)


def header(request: WebhookRequest, name: str) -> str | None:
    value = request.headers.get(name) or request.headers.get(name.title())
    return value if isinstance(value, str) else None


def same_secret(expected: object, presented: object) -> bool:
    """Constant-time comparison that never accepts an empty or missing secret."""
    if not isinstance(expected, str) or not isinstance(presented, str):
        return False
    if not expected or not presented:
        return False
    return hmac.compare_digest(expected.encode(), presented.encode())


def hmac_hex(key: str, body: bytes, digest: Callable[[], Any]) -> str:
    return hmac.new(key.encode(), body, digest).hexdigest()


def check_webhook(
    request: WebhookRequest,
    token: str,
    *,
    signature: Callable[[], bool] | None = None,
    alternatives: Iterable[tuple[object, Callable[[], object]]] = (),
) -> None:
    """The authentication rule of every webhook (API.md "Webhooks in").

    ``signature`` is given only when the connection has a signing secret configured: then a
    valid signature is required and enough, the token may be omitted. Without one, the
    connection's ``?token=`` must match, or one of ``alternatives`` — (configured secret,
    getter of what the request presented), e.g. Evolution's ``apikey``."""
    if signature is not None:
        if not signature():
            raise InvalidSignature("missing or invalid signature")
        return
    if same_secret(token, request.query.get("token")):
        return
    for expected, presented in alternatives:
        if expected and same_secret(expected, presented()):
            return
    raise InvalidSignature("missing or invalid webhook token")


def signature_matches(
    presented: str | None, key: str, body: bytes, digest: Callable[[], Any], prefix: str = ""
) -> bool:
    if not presented:
        return False
    presented = presented.strip()
    if prefix:
        if not presented.lower().startswith(prefix):
            return False
        presented = presented[len(prefix) :]
    return hmac.compare_digest(hmac_hex(key, body, digest).encode(), presented.lower().encode())


def signing_check(
    request: WebhookRequest,
    config: Mapping[str, Any],
    *,
    config_field: str,
    header_name: str,
    digest: Callable[[], Any] = hashlib.sha256,
    prefix: str = "",
) -> Callable[[], bool] | None:
    """A signature check for ``check_webhook``, or None when no secret is configured."""
    secret = config.get(config_field)
    if not isinstance(secret, str) or not secret:
        return None
    return lambda: signature_matches(
        header(request, header_name), secret, request.body, digest, prefix
    )
