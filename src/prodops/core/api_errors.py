"""One shape for the API's 422 errors, the one django-ninja uses for schema errors, so a
client reads a refused service call the same way as a malformed body."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja.errors import ValidationError
from ninja.parser import Parser

from prodops.core.validation import loads_json


def field_error(
    message: str, field: str = "", *, where: Literal["body", "query", "path"] = "body"
) -> ValidationError:
    """A 422 naming ``where`` and the dotted ``field`` path (list indices as integers)."""
    loc: list[str | int] = [where, *(int(p) if p.isdigit() else p for p in field.split(".") if p)]
    return ValidationError([{"type": "value_error", "loc": loc, "msg": message}])


class StrictParser(Parser):
    """The API's JSON bodies through ``core.validation.loads_json``: NaN, Infinity,
    overflowing numbers and NUL bytes are refused as a 422 naming the field (django-ninja
    wraps a parser's error in a 400 ``HttpError``; ``prodops.api`` unwraps it)."""

    def parse_body(self, request: HttpRequest) -> Any:
        return loads_json(request.body)
