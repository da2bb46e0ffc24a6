"""One shape for the API's 422 errors, the one django-ninja uses for schema errors, so a
client reads a refused service call the same way as a malformed body."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.parser import Parser

from prodops.core.validation import loads_json


class StrictParser(Parser):
    """The API's JSON bodies through ``core.validation.loads_json``: NaN, Infinity,
    overflowing numbers and NUL bytes are refused as a 422 naming the field (django-ninja
    wraps a parser's error in a 400 ``HttpError``; ``prodops.api`` unwraps it)."""

    def parse_body(self, request: HttpRequest) -> Any:
        # An empty body is "no body", as JSON null: an operation whose body is optional
        # (marking every notification read) takes it; one that needs a body answers 422
        # naming what is missing, instead of 400 "Cannot parse request body".
        if not request.body.strip():
            return None
        return loads_json(request.body)


# The 4xx answers any operation may give, each with the shared error shape. Listed on
# every operation in the OpenAPI document so clients (and schemathesis) know them.
ERROR_STATUSES = {
    "400": "Malformed request (a body that is not JSON, a bad Host header)",
    "401": "No or an unknown credential",
    "403": "Not allowed for this actor or token",
    "404": "No such object or route",
    "405": "Method not allowed on this route",
    "409": "Refused in the current state (a conflict, a stale version)",
    "412": "If-Match does not match the current version",
    "413": "Body larger than PRODOPS_MAX_BODY_BYTES",
    "422": "A field is invalid (named in loc)",
    "428": "A write that needs If-Match or a version",
    "429": "Too many attempts",
}
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "description": (
        "Every error. `detail` is a message, or for 422 a list of located errors "
        '(`{"loc": ["body", "field"], "msg": ..., "type": ...}`); `code` names the kind; '
        "some errors add fields (`loc`, `expected`, `current`, `errors`)."
    ),
    "required": ["detail"],
    "properties": {
        "detail": {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "object", "additionalProperties": True}},
            ]
        },
        "code": {"type": "string"},
    },
    "additionalProperties": True,
}


class ProdOpsNinjaAPI(NinjaAPI):
    """The one NinjaAPI, whose OpenAPI document lists the shared ``Error`` answers
    (``ERROR_STATUSES``) on every operation that does not declare them itself."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_STATUSES.items():
                    responses.setdefault(status, {"description": description, **ref})
        return schema
