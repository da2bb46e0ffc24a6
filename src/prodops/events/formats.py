"""ProdOps' own event format, read from NDJSON (one JSON object a line) or CSV (one event
a row, the same keys as columns). Plain Python, no Django.

Every event has a ``type`` and, except usage and changes, an ``id`` (its id in the
system it came from; re-sending the same id updates the event). It names its product by
``product`` (slug) or ``repo`` (repository URL), or neither (then it is kept unmapped).
The fields of each type are in ``FIELDS``; an unknown field is an error, so a typo is
never silently dropped.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from prodops.core.errors import InvalidInput
from prodops.core.validation import first_bad, loads_json
from prodops.events.integrations.labels import DEFECT_SEVERITIES
from prodops.events.records import (
    KINDS,
    Record,
    RecordError,
    parse_date,
    parse_optional_time,
    parse_time,
)

COMMON = {"type", "id", "product", "repo", "source", "integrations"}


def _text(limit: int) -> Callable[[Any, str], str]:
    def convert(value: Any, field: str) -> str:
        if value is None:
            return ""
        if not isinstance(value, str | int):
            raise RecordError("must be text", field=field)
        text = str(value)
        if len(text) > limit:
            raise RecordError(f"longer than {limit} characters", field=field)
        return text

    return convert


def _bool(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "1", "yes", "false", "0", "no", ""}:
        return value.strip().lower() in {"true", "1", "yes"}
    raise RecordError("must be true or false", field=field)


def _shas(value: Any, field: str) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise RecordError("must be a list of SHAs", field=field)


def _status(value: Any, field: str) -> str:
    if value in (None, ""):
        return "success"
    if value not in ("success", "failure"):
        raise RecordError("must be success or failure", field=field)
    return str(value)


def _incident_severity(value: Any, field: str) -> int:
    if value in (None, ""):
        return 3
    text = str(value).strip().lower().removeprefix("sev")
    if text.isdigit() and 1 <= int(text) <= 5:
        return int(text)
    raise RecordError("must be 1..5 (or sev1..sev5)", field=field)


def _defect_severity(value: Any, field: str) -> str:
    if value in (None, ""):
        return "medium"
    if value not in DEFECT_SEVERITIES:
        raise RecordError(f"must be one of {', '.join(DEFECT_SEVERITIES)}", field=field)
    return str(value)


def _number(minimum: float, maximum: float, integer: bool = False) -> Callable[[Any, str], Any]:
    def convert(value: Any, field: str) -> Any:
        if value in (None, ""):
            return None
        try:
            number = int(value) if integer else float(value)
        except (TypeError, ValueError, OverflowError):
            raise RecordError("must be a number", field=field) from None
        # NaN fails every comparison, so it is refused here too (never stored as NULL).
        if isinstance(value, bool) or not minimum <= number <= maximum:
            raise RecordError(f"must be a number from {minimum:g} to {maximum:g}", field=field)
        return number

    return convert


def _rating(value: Any, field: str) -> str:
    if value in (None, ""):
        return ""
    text = str(value).strip().lower() if isinstance(value, str) else value
    if text not in ("good", "bad"):
        raise RecordError("must be good or bad", field=field)
    return str(text)


def _user(value: Any, field: str) -> str | None:
    """An anonymous user key: hashed with the installation's secret when stored (see
    events.userkeys); the raw key is never kept."""
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RecordError("must be text (an anonymous user key)", field=field)
    text = str(value).strip()
    if not text or len(text) > 200 or "\x00" in text:
        raise RecordError("must be 1 to 200 characters without NUL", field=field)
    return text


def _time(value: Any, field: str) -> Any:
    return parse_time(value, field=field)


def _optional_time(value: Any, field: str) -> Any:
    return parse_optional_time(value, field=field)


def _date(value: Any, field: str) -> Any:
    return parse_date(value, field=field)


Converter = Callable[[Any, str], Any]
# type → field → (converter, required)
FIELDS: dict[str, dict[str, tuple[Converter, bool]]] = {
    "deployment": {
        "environment": (_text(64), False),
        "deployed_at": (_time, True),
        "sha": (_text(64), False),
        "version": (_text(100), False),
        "status": (_status, False),
        "rework": (_bool, False),
        "additional_shas": (_shas, False),
    },
    "change": {
        "sha": (_text(64), True),
        "authored_at": (_optional_time, False),
        "committed_at": (_time, True),
        "push_sha": (_text(64), False),
    },
    "incident": {
        "title": (_text(500), False),
        "severity": (_incident_severity, False),
        "opened_at": (_time, True),
        "resolved_at": (_optional_time, False),
        "root_cause_sha": (_text(64), False),
    },
    "defect": {
        "title": (_text(500), False),
        "severity": (_defect_severity, False),
        "found_at": (_time, True),
        "fixed_at": (_optional_time, False),
    },
    "ticket": {
        "opened_at": (_time, True),
        "closed_at": (_optional_time, False),
        "handle_minutes": (_number(0, 1e7), False),
        "rating": (_rating, False),
        "rated_at": (_optional_time, False),
    },
    "page": {
        "title": (_text(500), False),
        "triggered_at": (_time, True),
        "resolved_at": (_optional_time, False),
    },
    "usage": {
        "date": (_date, True),
        # Either one anonymous user's activity that day, or the day's total (then only
        # DAU is known): exactly one of the two.
        "active_users": (_number(0, 2**31 - 1, integer=True), False),
        "user": (_user, False),
    },
}
# (start, end) fields: an end before its start would skew MTTR and durations.
SPANS: dict[str, tuple[str, str]] = {
    "incident": ("opened_at", "resolved_at"),
    "defect": ("found_at", "fixed_at"),
    "ticket": ("opened_at", "closed_at"),
    "page": ("triggered_at", "resolved_at"),
}
DEFAULTS: dict[str, dict[str, Any]] = {
    "deployment": {"environment": "production", "status": "success", "rework": False, "additional_shas": []},
}


def _usage_shape(fields: dict[str, Any]) -> None:
    has_user = fields.get("user") is not None
    has_total = fields.get("active_users") is not None
    if has_user == has_total:
        raise RecordError(
            "give either user (one anonymous user's activity) or active_users (the day's total), not "
            + ("both" if has_user else "neither"),
            field="user" if has_user else "active_users",
        )
    if has_user:
        fields.pop("active_users", None)
    else:
        fields.pop("user", None)


@dataclass
class LineError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", field {self.field!r}" if self.field else "")
        return f"{where}: {self.message}"


def record_from_dict(data: Any, *, default_source: str = "prodops") -> Record:
    """Validate one event in ProdOps' format. Raises RecordError naming the field."""
    if not isinstance(data, dict):
        raise RecordError("an event must be a JSON object")
    bad = first_bad(data)
    if bad is not None:
        raise RecordError(bad[1], field=bad[0])
    kind = data.get("type")
    if kind not in KINDS:
        raise RecordError(f"must be one of {', '.join(KINDS)}", field="type")
    spec = FIELDS[kind]
    unknown = sorted(set(data) - COMMON - set(spec))
    if unknown:
        raise RecordError(f"unknown field for a {kind} (known: {', '.join(sorted(spec))})", field=unknown[0])
    fields: dict[str, Any] = dict(DEFAULTS.get(kind, {}))
    for name, (convert, required) in spec.items():
        value = data.get(name)
        if value in (None, ""):
            if required:
                raise RecordError("is required", field=name)
            if name in fields:
                continue
        fields[name] = convert(value, name)
    if kind in SPANS:
        start, end = SPANS[kind]
        if fields.get(end) is not None and fields[end] < fields[start]:
            raise RecordError(f"is before {start}", field=end)
    if kind == "usage":
        _usage_shape(fields)
    if kind == "ticket":
        if fields.get("rated_at") and not fields.get("rating"):
            raise RecordError("is only meaningful with a rating", field="rated_at")
        if fields.get("rating") and not fields.get("rated_at"):
            # Rated when closed (or opened, for a ticket still open) unless told otherwise.
            fields["rated_at"] = fields.get("closed_at") or fields["opened_at"]
    external_id = str(data.get("id") or "")
    if kind == "change" and not external_id:
        external_id = fields["sha"]
    if kind != "usage" and not external_id:
        raise RecordError("is required", field="id")
    if len(external_id) > 200:
        raise RecordError("longer than 200 characters", field="id")
    integrations = data.get("integrations") or {}
    if not isinstance(integrations, dict):
        raise RecordError("must be an object of id names to ids", field="integrations")
    source = str(data.get("source") or default_source)
    if len(source) > 32:
        raise RecordError("longer than 32 characters", field="source")
    return Record(
        kind=kind,
        source=source,
        external_id=external_id,
        fields=fields,
        product=(str(data["product"]) if data.get("product") else None),
        repo=str(data.get("repo") or ""),
        integrations={str(k): str(v) for k, v in integrations.items()},
    )


def read_ndjson(lines: Iterable[str]) -> Iterator[tuple[int, Any]]:
    """(line number, decoded object or a LineError) for every non-blank line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, loads_json(line)
        except InvalidInput as error:
            yield number, LineError(number, error.field, error.message)
        except json.JSONDecodeError as error:
            yield number, LineError(number, "", f"not valid JSON ({error.msg} at column {error.colno})")
        except ValueError as error:
            yield number, LineError(number, "", f"not valid JSON ({error})")


def read_csv(text: str) -> Iterator[tuple[int, Any]]:
    """(line number, row dict with empty cells removed) for every row after the header.
    A UTF-8 byte-order mark (Excel's "CSV UTF-8") is not part of the first column's name."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    for row in reader:
        if not any((v or "").strip() for v in row.values()):
            continue
        extra = row.pop(None, None)
        if extra:
            yield reader.line_num, LineError(reader.line_num, "", "more cells than header columns")
            continue
        yield reader.line_num, {k: v for k, v in row.items() if k and v not in (None, "")}


def parse_rows(
    rows: Iterable[tuple[int, Any]], *, default_source: str = "prodops"
) -> tuple[list[tuple[int, Record]], list[LineError]]:
    """Validate every row; return the records and every error (not only the first)."""
    records: list[tuple[int, Record]] = []
    errors: list[LineError] = []
    for number, data in rows:
        if isinstance(data, LineError):
            errors.append(data)
            continue
        try:
            records.append((number, record_from_dict(data, default_source=default_source)))
        except RecordError as error:
            errors.append(LineError(number, error.field, error.message))
    return records, errors
