"""A safety net under the body validation: a value PostgreSQL refuses as data (SQLSTATE
class 22: a NUL in text or JSON, an out-of-range number) answers 422 instead of 500.
Bodies should refuse such values first, naming the field; this catches what one of
them missed. Any other database error stays a 500."""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from sqlalchemy.exc import DBAPIError

from app.errors import error_body, handle_unexpected

log = logging.getLogger("balcao.errors")


def _sqlstate(exc: DBAPIError) -> str | None:
    # asyncpg's exception sits behind SQLAlchemy's adapter, as orig or its cause.
    for candidate in (exc.orig, getattr(exc.orig, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None)
        if isinstance(state, str):
            return state
    return None


def handle_database_error(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[Any]:
    if (_sqlstate(exc) or "").startswith("22"):
        log.info("database refused a value", extra={"path": request.url.path})
        body = error_body(422, "invalid_value", "A value cannot be stored (e.g. it contains NUL).")
        return Response(body, status_code=422, media_type=MediaType.JSON)
    return handle_unexpected(request, exc)
