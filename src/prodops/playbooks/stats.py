"""Per-playbook figures (plain Python, no Django).

* runs — every run started; open and closed.
* median duration — the sample median (the middle value, or the mean of the two middle
  values; Hyndman & Fan 1996 definition 7 at p = 0.5, as ``numpy.median``) of closed
  runs' durations in days.
* steps done on time — of the steps with a due date that are done, the share done on or
  before their due date.
* skip rate — skipped steps over all steps of all runs.
* runs on old versions — open runs pinned to a version older than the playbook's latest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any


@dataclass(frozen=True)
class RunFigures:
    closed: bool
    duration_days: float | None
    version: int
    steps: int
    skipped: int
    due_done: int
    on_time: int


def summarise(runs: Sequence[RunFigures], *, latest_version: int) -> dict[str, Any]:
    durations = [r.duration_days for r in runs if r.closed and r.duration_days is not None]
    steps = sum(r.steps for r in runs)
    due_done = sum(r.due_done for r in runs)
    return {
        "runs": len(runs),
        "open": sum(1 for r in runs if not r.closed),
        "closed": sum(1 for r in runs if r.closed),
        "median_duration_days": round(median(durations), 2) if durations else None,
        "steps_on_time": round(sum(r.on_time for r in runs) / due_done, 4) if due_done else None,
        "skip_rate": round(sum(r.skipped for r in runs) / steps, 4) if steps else None,
        "runs_on_old_versions": sum(1 for r in runs if not r.closed and r.version < latest_version),
    }
