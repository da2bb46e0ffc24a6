"""Read failure data from CSV: a column ``time`` (failure times) or ``period_end,count``.

Plain Python, no Django. Every error names the file, the line and the field.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from prodops.warranty.srgm import Data, FailureTimes, GroupedCounts


@dataclass
class InputError(Exception):
    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: line {self.line}"
        return f"{where}, field {self.field!r}: {self.message}" if self.field else f"{where}: {self.message}"


def _number(text: str, *, path: str, line: int, name: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise InputError(path, line, name, f"{text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(path, line, name, f"{text.strip()!r} is not a finite number")
    return value


def parse(text: str, *, path: str = "<input>", observed_until: float | None = None) -> Data:
    """Failure times or grouped counts from CSV text (with a header line)."""
    rows = [
        (i, row)
        for i, row in enumerate(csv.reader(io.StringIO(text)), start=1)
        if any(c.strip() for c in row)
    ]
    if not rows:
        raise InputError(path, 1, "", "the file is empty: expected a header `time` or `period_end,count`")
    header_line, header = rows[0]
    names = [h.strip().lower() for h in header]
    body = rows[1:]
    if "time" in names:
        col = names.index("time")
        kind = "times"
    elif "period_end" in names and "count" in names:
        kind = "grouped"
    else:
        raise InputError(
            path, header_line, "", "the header must name a column `time` or columns `period_end,count`"
        )
    if not body:
        raise InputError(path, header_line + 1, "", "no data rows after the header")

    def cell(line: int, row: list[str], name: str) -> str:
        idx = names.index(name)
        if idx >= len(row) or not row[idx].strip():
            raise InputError(path, line, name, "missing value")
        return row[idx]

    if kind == "times":
        times: list[float] = []
        for line, row in body:
            t = _number(cell(line, row, names[col]), path=path, line=line, name="time")
            if t < 0:
                raise InputError(path, line, "time", f"negative time {t:g}")
            if times and t < times[-1]:
                raise InputError(path, line, "time", f"time {t:g} is before the previous one ({times[-1]:g})")
            times.append(t)
        if observed_until is not None and observed_until < times[-1]:
            raise InputError(
                path, body[-1][0], "time", f"the last failure ({times[-1]:g}) is after --observed-until"
            )
        return FailureTimes.of(times, observed_until)

    ends: list[float] = []
    counts: list[float] = []
    for line, row in body:
        end = _number(cell(line, row, "period_end"), path=path, line=line, name="period_end")
        count = _number(cell(line, row, "count"), path=path, line=line, name="count")
        if end <= 0:
            raise InputError(path, line, "period_end", f"period end {end:g} must be positive")
        if ends and end <= ends[-1]:
            raise InputError(path, line, "period_end", f"period end {end:g} is not after the previous one")
        if count < 0 or count != int(count):
            raise InputError(path, line, "count", f"{count:g} is not a non-negative whole number")
        ends.append(end)
        counts.append(count)
    return GroupedCounts.of(ends, counts)
