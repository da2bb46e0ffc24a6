"""The web shell's one adapter from a refused service call to a form's errors.

Services raise ``prodops.core.errors.ProdOpsError`` (``InvalidInput``, ``Refused``, ...)
naming the ``field`` at fault as a dotted path into their input (``slos.2.objective``,
``owners.run_lead``). The error goes beside the form field it names, otherwise on top of
the form. Apps not yet moved onto ``core.errors`` raise Django's ``ValidationError`` or
an error with ``field``/``message`` attributes; they are placed the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

import pydantic
from django import forms
from django.core.exceptions import ValidationError

from prodops.core.errors import PermissionDenied, ProdOpsError, StaleVersion

# What a form adds to a stale-version refusal: the page shows an old version.
RELOAD = "Reload the page to see the latest version, then make your change again."


def form_field(form: forms.Form, path: str, aliases: Mapping[str, str] | None = None) -> str | None:
    """The form field a service's dotted ``path`` names, or None (a non-field error).

    Tried in order: an alias for the whole path or its leading parts (``owners.run_lead``
    -> ``run_lead``, ``links`` -> ``url``), the path itself, then its last segment that is
    not a list index (``slos.2.objective`` -> ``objective``)."""
    if not path:
        return None
    aliases = aliases or {}
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        alias = aliases.get(".".join(parts[:end]))
        if alias in form.fields:
            return alias
    if path in form.fields:
        return path
    for part in reversed(parts):
        if not part.isdigit():
            return part if part in form.fields else None
    return None


def add_service_error(form: forms.Form, exc: Exception, aliases: Mapping[str, str] | None = None) -> None:
    """Put ``exc`` on ``form``: beside the field it names, or as a non-field error."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for path, messages in exc.message_dict.items():
                form.add_error(form_field(form, path, aliases), messages)
        else:
            form.add_error(None, exc.messages)
        return
    if isinstance(exc, pydantic.ValidationError):  # a spec built from the form's data
        for error in exc.errors(include_url=False, include_context=False, include_input=False):
            path = ".".join(str(part) for part in error["loc"])
            form.add_error(form_field(form, path, aliases), error["msg"])
        return
    if isinstance(exc, StaleVersion):
        form.add_error(None, f"{exc.message} {RELOAD}")
        return
    message = str(getattr(exc, "message", "") or exc)
    form.add_error(form_field(form, str(getattr(exc, "field", "") or ""), aliases), message)


def is_service_error(exc: Exception) -> bool:
    """Whether ``exc`` is a refusal a form should show (not a bug to let through)."""
    if isinstance(exc, PermissionDenied):
        return False
    if isinstance(exc, ProdOpsError | ValidationError | pydantic.ValidationError):
        return True
    # Errors of apps not yet on core.errors: a message and a field, e.g. CatalogError.
    return hasattr(exc, "message") and hasattr(exc, "field")


def mark_errors(form: forms.Form) -> None:
    """Let assistive technology and the keyboard find what went wrong: each field in
    error says so (``aria-invalid``, described by its message), and the first one gets
    ``autofocus`` (HTMX focuses it after a swap; a browser on page load), so nobody has
    to scroll for it and no script is needed."""
    first = True
    for name in form.errors:
        if name not in form.fields:
            continue
        attrs = form.fields[name].widget.attrs
        attrs["aria-invalid"] = "true"
        bound = form[name]
        attrs["aria-describedby"] = f"{bound.auto_id}_errors"
        if first:
            attrs["autofocus"] = True
            first = False
