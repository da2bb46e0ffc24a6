"""Operational load of a product over the last 28 days, and the handback policy check.

Plain Python, no Django. Definitions (the window is the 28 days ending at ``now``,
split into 56 consecutive 12-hour shifts, the first starting at ``now - 28 days``):

* ``pages_per_shift`` — pages triggered in the window ÷ 56.
* ``pages_per_shift_p90`` — the 90th percentile of the 56 per-shift page counts,
  nearest-rank method (the 51st smallest of 56, since ceil(0.9 * 56) = 51).
* ``incidents_per_shift_max`` — the most incidents opened in any one shift.
* ``interrupt_hours_per_week`` — handling time ÷ 4 weeks: each incident and each page
  counts its open time (resolved - opened; until ``now`` while unresolved), at most one
  shift (12 h), since a page is worked by the person on call in that shift; a page that
  is the same event as an incident (same source and id, as PagerDuty sends both) counts
  once; each ticket counts its ``handle_minutes``.
* ``load_share`` — interrupt hours per week ÷ the run team's weekly capacity in hours.

The policy (Google SRE book: ch. 11 "Being On-Call", at most two paging events per
12-hour shift on average; ch. 1 and 11, operational work at most 50% of the team's time)
triggers a handback when pages per shift exceed ``max_pages_per_shift`` or the load
share exceeds ``max_load_share``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(days=28)
SHIFT = timedelta(hours=12)
SHIFTS = 56
WEEKS = 4.0
P90_METHOD = "nearest-rank"


@dataclass(frozen=True)
class Interruption:
    """An incident or a page: when it started and, if it has, when it ended."""

    key: tuple[str, str]  # (source, external id): a page and an incident with one key are one
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class Load:
    pages: int
    pages_per_shift: float
    pages_per_shift_p90: int
    incidents_per_shift_max: int
    interrupt_hours_per_week: float
    load_share: float | None


def shift_index(at: datetime, now: datetime) -> int | None:
    """Which of the 56 shifts ``at`` falls in (0 = the oldest), or None outside the window."""
    start = now - WINDOW
    if at < start or at >= now:
        return None
    return int((at - start) // SHIFT)


def nearest_rank(values: Sequence[float], q: float) -> float:
    """The q-quantile by the nearest-rank method: the ceil(q·n)-th smallest value."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def _handling_hours(item: Interruption, now: datetime) -> float:
    end = min(item.end or now, now)
    seconds = max(0.0, (end - item.start).total_seconds())
    return min(seconds, SHIFT.total_seconds()) / 3600.0


def compute(
    *,
    now: datetime,
    incidents: Iterable[Interruption],
    pages: Iterable[Interruption],
    ticket_minutes: Iterable[float | None],
    capacity_hours_per_week: float | None,
) -> Load:
    """The load of one product (events outside the window are ignored)."""
    page_counts = [0] * SHIFTS
    incident_counts = [0] * SHIFTS
    hours = 0.0
    incident_keys: set[tuple[str, str]] = set()
    for inc in incidents:
        i = shift_index(inc.start, now)
        if i is None:
            continue
        incident_counts[i] += 1
        incident_keys.add(inc.key)
        hours += _handling_hours(inc, now)
    for page in pages:
        i = shift_index(page.start, now)
        if i is None:
            continue
        page_counts[i] += 1
        if page.key not in incident_keys:
            hours += _handling_hours(page, now)
    hours += sum(m for m in ticket_minutes if m) / 60.0
    per_week = hours / WEEKS
    share = per_week / capacity_hours_per_week if capacity_hours_per_week else None
    total_pages = sum(page_counts)
    return Load(
        pages=total_pages,
        pages_per_shift=total_pages / SHIFTS,
        pages_per_shift_p90=int(nearest_rank(page_counts, 0.9)),
        incidents_per_shift_max=max(incident_counts),
        interrupt_hours_per_week=per_week,
        load_share=share,
    )


def assess(load: Load, *, max_pages_per_shift: float, max_load_share: float) -> list[str]:
    """The reasons to hand back (empty: within the limits)."""
    reasons = []
    if load.pages_per_shift > max_pages_per_shift:
        reasons.append(
            f"{load.pages_per_shift:.2f} pages per 12-hour shift on average over 28 days "
            f"(limit {max_pages_per_shift:g}; SRE book ch. 11)"
        )
    if load.load_share is not None and load.load_share > max_load_share:
        reasons.append(
            f"operational work is {load.load_share:.0%} of the run team's time "
            f"(limit {max_load_share:.0%}; SRE book ch. 1 and 11)"
        )
    return reasons
