"""The OpenAPI document describes the error body the API really sends.

Litestar documents its own ``{status_code, detail, extra}`` body for validation errors,
but every error leaves through app.errors as ``{status, code, detail, extra}`` and
validation failures answer 422. This rewrites the generated document once, at startup,
so clients (and schemathesis) read the truth.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Reference, Schema

ERROR_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=["status", "code", "detail", "extra"],
    properties={
        "status": Schema(type=OpenAPIType.INTEGER),
        "code": Schema(type=OpenAPIType.STRING, description="stable machine code"),
        "detail": Schema(type=OpenAPIType.STRING),
        "extra": Schema(
            type=OpenAPIType.OBJECT,
            additional_properties=Schema(),
            description="details; `field` names the offending field of a validation error",
        ),
    },
)


def _error_response(description: str) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=description,
        content={
            "application/json": OpenAPIMediaType(schema=Reference("#/components/schemas/Error"))
        },
    )


def document_errors(app: Litestar) -> None:
    schema = app.openapi_schema
    schema.components.schemas["Error"] = ERROR_SCHEMA
    for item in (schema.paths or {}).values():
        for method in ("get", "put", "post", "patch", "delete"):
            operation = getattr(item, method, None)
            if operation is None or not operation.responses:
                continue
            responses = operation.responses
            for status, response in list(responses.items()):
                if status.isdigit() and int(status) >= 400:
                    description = getattr(response, "description", "") or "Error"
                    responses[status] = _error_response(description)
            if "400" in responses:
                responses["422"] = _error_response("Validation failed (`extra.field` names it)")
