"""The one error hierarchy of ProdOps.

Services raise these; each shell maps them once:

| error            | API (JSON)                 | web form             | CLI    |
|------------------|----------------------------|----------------------|--------|
| ``InvalidInput`` | 422 ``{"detail": [{loc}]}``| error on the field   | exit 2 |
| ``NotFound``     | 404                        | 404 page             | exit 2 |
| ``PermissionDenied`` | 403 (401 if anonymous) | 403 page             | exit 1 |
| ``Refused``      | 409                        | non-field error      | exit 1 |
| ``StaleVersion`` | 409 (412 with If-Match)    | non-field error      | exit 1 |

``field`` is a dotted path into the input (``spec.owners.run_lead``, ``criteria.2.id``);
``location`` optionally names a file and line for the CLI (``prodops.yaml:12``).
This module imports nothing from Django, so every layer may use it.
"""

from __future__ import annotations

from typing import Any


class ProdOpsError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    exit_code = 2
    code = "error"

    def __init__(
        self,
        message: str,
        *,
        field: str = "",
        location: str = "",
        details: dict[str, Any] | None = None,
        where: str = "body",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.location = location
        self.details = details or {}
        # Where an API request carried the field: "body", "query" or "path".
        self.where = where

    def loc(self, where: str = "") -> list[str | int]:
        """The field as a django-ninja style ``loc`` list (list indices as integers)."""
        parts = [p for p in self.field.replace("[", ".").replace("]", "").split(".") if p]
        return [where or self.where, *(int(p) if p.isdigit() else p for p in parts)]

    def as_cli_line(self) -> str:
        """``file:line: field: message`` for the CLI, leaving out what is unknown."""
        prefix = ": ".join(p for p in (self.location, self.field) if p)
        if prefix and not self.message.startswith(self.field or "\0"):
            return f"{prefix}: {self.message}"
        return f"{self.location}: {self.message}" if self.location else self.message

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.code, "loc": self.loc(), "msg": self.message, **self.details}


class InvalidInput(ProdOpsError, ValueError):
    """The input is malformed or breaks a rule about its own content."""

    status = 422
    exit_code = 2
    code = "invalid"


def invalid_from(exc: Exception) -> InvalidInput:
    """A model's ``full_clean`` error (Django's ``ValidationError``, read by its
    attributes so that this module imports no Django) as an ``InvalidInput`` naming the
    first field at fault; every field's messages are kept in ``details["errors"]``."""
    by_field: dict[str, list[str]] = dict(getattr(exc, "message_dict", None) or {}) if hasattr(
        exc, "error_dict"
    ) else {}
    if by_field:
        field, messages = next(iter(by_field.items()))
        field = "" if field == "__all__" else field
        return InvalidInput(" ".join(messages), field=field, details={"errors": by_field})
    messages = list(getattr(exc, "messages", None) or [str(exc)])
    return InvalidInput(" ".join(messages))


class NotFound(ProdOpsError, LookupError):
    """The object named does not exist (or the actor may not see it)."""

    status = 404
    exit_code = 2
    code = "not_found"


class PermissionDenied(ProdOpsError, PermissionError):
    """The actor may not do this. ``action`` names the policy action refused."""

    status = 403
    exit_code = 1
    code = "forbidden"

    def __init__(self, message: str, *, action: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.action = action


class Refused(ProdOpsError):
    """A well-formed request that the state of things does not allow now (a close
    before the run is done, a gate that is not open, a duplicate approval...)."""

    status = 409
    exit_code = 1
    code = "refused"


class StaleVersion(Refused):
    """The caller edited an old version; nothing was written."""

    code = "stale_version"

    def __init__(self, *, expected: int, current: int | None = None, what: str = "object") -> None:
        now = f", it is now {current}" if current is not None else ""
        super().__init__(
            f"The {what} changed meanwhile: you sent version {expected}{now}.",
            field="version",
            details={"expected": expected, "current": current},
        )
        self.expected = expected
        self.current = current
