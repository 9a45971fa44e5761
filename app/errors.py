"""The error tree. Every error has a stable machine code and an HTTP status, and every
error body is ``{"status", "code", "detail", "extra"}``::

    BalcaoError (500 internal_error)
    ├── BadRequest (400 bad_request)
    │   └── ValidationFailed (422 validation_error)   extra.field names the field
    │       └── InvalidPhone (422 invalid_phone)
    ├── Unauthorized (401 unauthorized)
    │   └── InvalidSignature (401 invalid_signature)
    ├── Forbidden (403 forbidden)
    ├── NotFound (404 not_found)
    ├── Conflict (409 conflict)
    │   └── InvalidTransition (409 invalid_transition)
    ├── PayloadTooLarge (413 payload_too_large)
    ├── UnprocessablePayload (422 unparseable_payload)
    ├── BadGateway (502 bad_gateway)                  an upstream (the LLM) failed
    └── ServiceUnavailable (503 service_unavailable)

A request that fails because PostgreSQL or Redis is unreachable (refused, shut down,
connection lost mid-way) answers 503 ``database_unavailable`` / ``redis_unavailable``
with ``Retry-After``: never a 500, and never a 2xx for what was not stored.

Litestar's own HTTP exceptions (unknown route, wrong method, msgspec validation of
bodies and parameters) are mapped onto the same body shape, a body nested past the
decoder's depth is a 400 ``too_deep``, and anything unexpected becomes a 500 with no
stack trace in the body (it goes to the log, with the request id).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import redis.exceptions
import sqlalchemy.exc
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

log = logging.getLogger("balcao.errors")


class BalcaoError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, detail: str | None = None, *, code: str | None = None, **extra: Any) -> None:
        self.detail = detail or self.__doc__ or self.code
        if code is not None:
            self.code = code
        self.extra = extra
        super().__init__(self.detail)


class BadRequest(BalcaoError):
    """The request is malformed."""

    status = 400
    code = "bad_request"


class ValidationFailed(BadRequest):
    """A field has an invalid value."""

    status = 422
    code = "validation_error"


class InvalidPhone(ValidationFailed):
    """The phone number cannot be a valid number."""

    code = "invalid_phone"


class Unauthorized(BalcaoError):
    """Missing or invalid credentials."""

    status = 401
    code = "unauthorized"


class InvalidSignature(Unauthorized):
    """Missing or invalid signature or token."""

    code = "invalid_signature"


class Forbidden(BalcaoError):
    """Your role does not allow this."""

    status = 403
    code = "forbidden"


class NotFound(BalcaoError):
    """No such resource."""

    status = 404
    code = "not_found"


class Conflict(BalcaoError):
    """The resource's state does not allow this."""

    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    """That status change is not allowed."""

    code = "invalid_transition"


class PayloadTooLarge(BalcaoError):
    """The request body is too large."""

    status = 413
    code = "payload_too_large"


class UnprocessablePayload(BalcaoError):
    """The payload could not be understood."""

    status = 422
    code = "unparseable_payload"


class BadGateway(BalcaoError):
    """A service this request depends on answered badly or not at all."""

    status = 502
    code = "bad_gateway"


class ServiceUnavailable(BalcaoError):
    """A dependency is unavailable."""

    status = 503
    code = "service_unavailable"


def error_body(status: int, code: str, detail: str, extra: dict[str, Any] | None = None) -> Any:
    return {"status": status, "code": code, "detail": detail, "extra": extra or {}}


def _response(
    status: int, code: str, detail: str, extra: dict[str, Any] | None = None
) -> Response[Any]:
    return Response(
        error_body(status, code, detail, extra), status_code=status, media_type=MediaType.JSON
    )


def handle_balcao_error(_: Request[Any, Any, Any], exc: BalcaoError) -> Response[Any]:
    return _response(exc.status, exc.code, exc.detail, exc.extra)


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "service_unavailable",
}

# msgspec says "Expected `int`, got `str` - at `$.durationMinutes`"; Litestar wraps
# parameter errors as {"key": ..., "message": ...}.
_FIELD_RE = re.compile(r"at `\$\.?([^`]*)`")
_MISSING_RE = re.compile(r"missing required field `([^`]*)`")


def _field_of(key: Any, message: str) -> str | None:
    """The offending field: the body path msgspec names, else the parameter name."""
    path = _FIELD_RE.search(message)
    missing = _MISSING_RE.search(message)
    if missing:
        prefix = path.group(1) + "." if path and path.group(1) else ""
        return prefix + missing.group(1)
    if path and path.group(1):
        return path.group(1)
    return str(key) if key not in (None, "data") else None


def _validation_extra(exc: ValidationException) -> tuple[str, dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    if isinstance(exc.extra, list):
        for item in exc.extra:
            if isinstance(item, dict):
                message = str(item.get("message", ""))
                errors.append({"field": _field_of(item.get("key"), message), "message": message})
    detail = str(exc.detail)
    if not errors:
        errors.append({"field": _field_of(None, detail), "message": detail})
    fields = [e["field"] for e in errors if e["field"]]
    if fields:
        detail = f"Invalid value for {', '.join(str(f) for f in fields)}: {errors[0]['message']}"
    return detail, {"field": fields[0] if fields else None, "errors": errors}


def handle_http_exception(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if isinstance(exc, ValidationException) or (status == 400 and "Validation" in str(exc.detail)):
        detail, extra = _validation_extra(exc)  # type: ignore[arg-type]
        return _response(422 if status == 400 else status, "validation_error", detail, extra)
    code = _HTTP_CODES.get(status, "http_error" if status < 500 else "internal_error")
    detail = str(exc.detail) if status < 500 else "Internal server error"
    return _response(status, code, detail)


def handle_bad_encoding(_: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[Any]:
    """Litestar decodes form fields as text while parsing a body; a binary value sent as
    a plain field (no filename) fails there, before any handler runs."""
    return _response(400, "invalid_encoding", "A text field of the body is not valid UTF-8.")


RETRY_AFTER_SECONDS = 5
_PG_DOWN = (
    asyncpg.PostgresConnectionError,  # lost or failed connection
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, cannot connect now
    asyncpg.exceptions.TooManyConnectionsError,
    ConnectionRefusedError,  # asyncpg lets the socket's error through on connect
    ConnectionResetError,
)
_REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def unavailable_dependency(exc: BaseException) -> str | None:
    """``"database"`` or ``"redis"`` when ``exc``, or an error that caused it, is a lost
    or refused connection to that server; None for anything else."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _PG_DOWN) or (
            isinstance(current, asyncpg.InterfaceError) and "closed" in str(current)
        ):
            return "database"
        if isinstance(current, sqlalchemy.exc.DBAPIError) and current.connection_invalidated:
            return "database"
        if isinstance(current, _REDIS_DOWN):
            return "redis"
        current = current.__cause__ or current.__context__
    return None


def handle_recursion(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    """Litestar decodes JSON bodies to Python objects before validating them, and msgspec
    gives up past Python's recursion limit (a body of ``[[[[...`` 10,000 deep)."""
    if "deserializing" in str(exc):
        return _response(400, "too_deep", "The body is nested too deeply.")
    return handle_unexpected(request, exc)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    down = unavailable_dependency(exc)
    if down is not None:
        log.warning(
            "dependency unavailable",
            extra={"path": request.url.path, "dependency": down, "error": type(exc).__name__},
        )
        response = _response(
            503, f"{down}_unavailable", f"The {down} is unavailable; retry shortly."
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    log.error(
        "unhandled error",
        exc_info=exc,
        extra={"path": request.url.path, "method": request.method},
    )
    return _response(HTTP_500_INTERNAL_SERVER_ERROR, "internal_error", "Internal server error")


exception_handlers: dict[type[Exception] | int, Any] = {
    BalcaoError: handle_balcao_error,
    HTTPException: handle_http_exception,
    UnicodeDecodeError: handle_bad_encoding,
    RecursionError: handle_recursion,
    Exception: handle_unexpected,
}
