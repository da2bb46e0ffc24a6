"""One shape for the API's 422 errors, the one django-ninja uses for schema errors, so a
client reads a refused service call the same way as a malformed body."""

from __future__ import annotations

from typing import Literal

from ninja.errors import ValidationError


def field_error(
    message: str, field: str = "", *, where: Literal["body", "query", "path"] = "body"
) -> ValidationError:
    """A 422 naming ``where`` and the dotted ``field`` path (list indices as integers)."""
    loc: list[str | int] = [where, *(int(p) if p.isdigit() else p for p in field.split(".") if p)]
    return ValidationError([{"type": "value_error", "loc": loc, "msg": message}])
