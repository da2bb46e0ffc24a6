"""Plain records that every way in (API, files, webhooks) turns its input into, before
the service maps them to products and stores them. No Django import: parsers and
validators stay pure and fast to test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from prodops.core.errors import InvalidInput
from prodops.core.validation import epoch_time, sane_date, sane_time

Kind = Literal["deployment", "change", "incident", "defect", "ticket", "page", "usage"]
KINDS: tuple[Kind, ...] = ("deployment", "change", "incident", "defect", "ticket", "page", "usage")


@dataclass
class Record:
    """One event. ``fields`` are the model's own fields (e.g. ``deployed_at``); ``product``
    (a slug), ``repo`` (a repository URL) and ``integrations`` (e.g.
    ``{"pagerduty_service": "PXXXX"}``) say which product it belongs to."""

    kind: Kind
    source: str
    external_id: str
    fields: dict[str, Any]
    product: str | None = None
    repo: str = ""
    integrations: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        if self.repo:
            return self.repo
        return " ".join(f"{k}={v}" for k, v in sorted(self.integrations.items()))


class RecordError(ValueError):
    """Bad input in one event: ``field`` names the offending field."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


_SPACE_OFFSET = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) ?(UTC|[+-]\d{2}:?\d{2})?$")


def parse_time(value: Any, *, field: str) -> datetime:
    """A timezone-aware datetime from ISO 8601 (``Z`` allowed), from GitLab's
    ``2021-04-28 21:50:00 +0200`` / ``2016-08-12 15:23:28 UTC`` forms, or from epoch
    milliseconds (Opsgenie). A time without a zone is taken as UTC."""
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        # Opsgenie sends createdAt in milliseconds and updatedAt in nanoseconds.
        try:
            result = epoch_time(value, field)
        except (InvalidInput, OverflowError) as error:
            raise RecordError(getattr(error, "message", "is out of range"), field=field) from None
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        match = _SPACE_OFFSET.match(text)
        if match:
            day, clock, zone = match.groups()
            zone = "+00:00" if zone in (None, "UTC") else zone
            text = f"{day}T{clock}{zone}"
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            result = datetime.fromisoformat(text)
        except ValueError:
            raise RecordError(f"{value!r} is not a date-time (use ISO 8601)", field=field) from None
    else:
        raise RecordError("a date-time is required", field=field)
    if result.tzinfo is None:
        result = result.replace(tzinfo=UTC)
    try:
        return sane_time(result, field)
    except InvalidInput as error:
        raise RecordError(error.message, field=field) from None


def parse_optional_time(value: Any, *, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    return parse_time(value, field=field)


def parse_date(value: Any, *, field: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            try:
                return sane_date(day, field)
            except InvalidInput as error:
                raise RecordError(error.message, field=field) from None
    raise RecordError(f"{value!r} is not a date (use YYYY-MM-DD)", field=field)


def hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600.0


_REPO_TAIL = re.compile(r"(\.git)?/*$")


def normalise_repo(url: str) -> str:
    """A repository URL in one comparable form: lower-case host and path, no scheme, no
    ``.git``, no trailing slash, ``git@host:path`` read as ``host/path``."""
    text = (url or "").strip().lower()
    if not text:
        return ""
    if text.startswith("git@"):
        text = text[4:].replace(":", "/", 1)
    text = re.sub(r"^[a-z+]+://", "", text)
    text = re.sub(r"^[^@/]+@", "", text)  # user@host
    return _REPO_TAIL.sub("", text)
