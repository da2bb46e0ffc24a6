"""Hostile-input checks that every way in shares: the API's JSON parser and schemas, the
event formats, the CLI's file readers.

The same few things break every layer when they get through: non-finite numbers
(``NaN``, ``Infinity``, ``1e400``; Python's ``json`` accepts all three), times outside
what a database stores, NUL bytes (PostgreSQL text cannot hold them) and control
characters (an email that is valid only until it is stripped). Each check raises
``InvalidInput`` naming the field, so every shell answers 422 / exit 2.

Plain Python and pydantic: no Django import, so pure modules may use it.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from prodops.core.errors import InvalidInput

# Times ProdOps stores or computes with. The bounds keep every conversion (to UTC, to an
# epoch, to PostgreSQL's and SQLite's ranges) away from overflow; nothing real is older
# than 1900 or planned after 2999.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)
# The largest offset or count a query parameter may carry: below a signed 64-bit
# integer on every database (SQLite and PostgreSQL refuse 2**63 with an error).
MAX_INT = 2**53

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def finite(value: float, field: str = "") -> float:
    """``value`` unless it is NaN or infinite."""
    if not math.isfinite(value):
        raise InvalidInput("must be a finite number", field=field)
    return value


def sane_time(value: datetime, field: str = "") -> datetime:
    """``value`` (taken as UTC when naive) unless it lies outside 1900..2999."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    try:
        inside = EARLIEST <= aware <= LATEST
    except OverflowError:  # an offset that pushes year 1 or 9999 out of range
        inside = False
    if not inside:
        raise InvalidInput(f"must be between {EARLIEST.year} and {LATEST.year}", field=field)
    return value


def sane_date(value: date, field: str = "") -> date:
    if not EARLIEST.year <= value.year <= LATEST.year:
        raise InvalidInput(f"must be between {EARLIEST.year} and {LATEST.year}", field=field)
    return value


def epoch_time(value: float, field: str = "") -> datetime:
    """A time from epoch seconds, milliseconds or nanoseconds (Opsgenie sends both),
    refusing what is not finite or not within ``EARLIEST``..``LATEST``."""
    seconds = finite(float(value), field)
    # Scale milliseconds / microseconds / nanoseconds down to seconds (at most three
    # steps for any time this side of the year 2999).
    for _ in range(3):
        if seconds <= 1e11:
            break
        seconds /= 1000.0
    if not EARLIEST.timestamp() <= seconds <= LATEST.timestamp():
        raise InvalidInput(f"must be between {EARLIEST.year} and {LATEST.year}", field=field)
    return datetime.fromtimestamp(seconds, tz=UTC)


# A number where a date is expected: pydantic would read 0, "0" or 1700000000 as seconds
# since 1970 (``go_live: 0`` stored as 1970-01-01), so a date or time field refuses them.
_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def not_a_number(value: Any, field: str = "", example: str = "a date such as 2026-05-01") -> Any:
    """``value`` unless it is a number (or a string that is only a number), given for a
    date or a time."""
    if isinstance(value, bool | int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise InvalidInput(f"must be {example}, not {value!r}", field=field)
    return value


def not_a_number_time(value: Any, field: str = "") -> Any:
    return not_a_number(value, field, "a time such as 2026-05-01T09:30:00Z (or a date)")


def parse_date(text: str, field: str = "") -> date:
    """A date given as text (a command-line option, a CSV cell): ``YYYY-MM-DD`` within
    1900..2999 (``date.fromisoformat`` alone takes year 1, which then overflows)."""
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{text[:40]!r} is not a date (YYYY-MM-DD)", field=field) from None
    return sane_date(value, field)


def not_a_bool(value: Any, field: str = "") -> Any:
    """``value`` unless it is a boolean, given for a count (pydantic reads true as 1)."""
    if isinstance(value, bool):
        raise InvalidInput(f"must be a whole number, not {value!r}", field=field)
    return value


def no_nul(value: str, field: str = "") -> str:
    if "\x00" in value:
        raise InvalidInput("must not contain a NUL character", field=field)
    return value


def no_control(value: str, field: str = "") -> str:
    """``value`` unless it holds a control character (emails, slugs, single-line names)."""
    if _CONTROL.search(value):
        raise InvalidInput("must not contain control characters", field=field)
    return value


class _Bad:
    """Stands in, while decoding, for a number JSON should not carry, so that the walk
    after decoding can name where it was."""

    def __init__(self, text: str, why: str) -> None:
        self.text, self.why = text, why


def _bad_constant(text: str) -> _Bad:
    return _Bad(text, "must be a finite number")


def _float(text: str) -> float | _Bad:
    number = float(text)
    return number if math.isfinite(number) else _Bad(text, "is out of range for a number")


def _int(text: str) -> int | _Bad:
    if len(text) > 20:  # also keeps int() away from its 4,300-digit limit
        return _Bad(text, "is out of range for a number")
    number = int(text)
    return number if -(2**63) <= number < 2**63 else _Bad(text, "is out of range for a number")


def first_bad(data: Any, path: str = "") -> tuple[str, str] | None:
    """(dotted path, reason) of the first value in decoded JSON that ProdOps refuses
    everywhere: a NUL byte in a string or key, a non-finite or out-of-range number."""
    stack: list[tuple[str, Any]] = [(path, data)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return where, "must not contain a NUL character"
        elif isinstance(item, _Bad):
            return where, item.why
        elif isinstance(item, float):
            if not math.isfinite(item):
                return where, "must be a finite number"
        elif isinstance(item, dict):
            for key, value in reversed(item.items()):
                child = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and "\x00" in key:
                    return child, "must not contain a NUL character"
                stack.append((child, value))
        elif isinstance(item, list):
            stack.extend(reversed([(f"{where}.{i}" if where else str(i), v) for i, v in enumerate(item)]))
    return None


def check_decoded(data: Any, path: str = "") -> Any:
    """``data`` unless ``first_bad`` finds something (then InvalidInput naming it)."""
    bad = first_bad(data, path)
    if bad is not None:
        raise InvalidInput(bad[1], field=bad[0])
    return data


def loads_json(text: str | bytes) -> Any:
    """Strict JSON: ``NaN``, ``Infinity``, numbers that overflow to infinity, integers
    beyond 64 bits and NUL bytes in strings are refused with ``InvalidInput`` naming the
    dotted path. Malformed JSON raises ``ValueError`` (``json.JSONDecodeError``)."""
    data = json.loads(text, parse_constant=_bad_constant, parse_float=_float, parse_int=_int)
    return check_decoded(data)


# --- pydantic types for API schemas ----------------------------------------------------


def _pydantic(check: Any) -> Any:
    """Adapt a ``check(value, field)`` to pydantic, which wants ValueError (its field
    path is added by pydantic itself)."""

    def run(value: Any) -> Any:
        try:
            return check(value, "")
        except InvalidInput as error:
            raise ValueError(error.message) from None

    return run


FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
# Every date and time a client or a manifest gives: ISO text (or YAML's own date), never
# a number of seconds, and within EARLIEST..LATEST.
SaneDatetime = Annotated[
    datetime, BeforeValidator(_pydantic(not_a_number_time)), AfterValidator(_pydantic(sane_time))
]
SaneDate = Annotated[date, BeforeValidator(_pydantic(not_a_number)), AfterValidator(_pydantic(sane_date))]
CleanStr = Annotated[str, AfterValidator(_pydantic(no_nul))]
OneLineStr = Annotated[str, AfterValidator(_pydantic(no_control))]
Offset = Annotated[int, Field(ge=0, le=MAX_INT)]
Count = Annotated[int, BeforeValidator(_pydantic(not_a_bool))]
