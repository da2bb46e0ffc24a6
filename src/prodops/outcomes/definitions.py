"""Customer-outcome definitions, and a plain-Python reference computation of them.

Days are UTC days (integers: days since 1970-01-01); d is the as-of day. A user is
*active* on a day when at least one usage event of theirs falls on it; a user's *first
active day* c is their earliest active day in the whole history (up to d).

The database computation (``outcomes.sql``) must give the same numbers as ``reference``
below; the tests check both against hand computations and against each other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

RETENTION_DAYS = (1, 7, 30)
COHORT_SPAN_DAYS = 28  # cohorts of day-N retention: first active in [d-N-27, d-N]
SUPPORT_WINDOW_DAYS = 28  # tickets and mean WAU over [d-27, d]
COHORT_WEEKS = 12

DEFINITIONS = {
    "day": "UTC calendar day; d is the as-of day; a user is active on a day with at least one usage event",
    "dau": "distinct users active on d",
    "wau": "distinct users active in [d-6, d]",
    "mau": "distinct users active in [d-29, d]",
    "stickiness": "mean of DAU over [d-29, d] divided by MAU(d)",
    "retention": (
        "bracket day-N retention: among users whose first active day c is in [d-N-27, d-N], "
        "the share active on day c+N (N = 1, 7, 30)"
    ),
    "retention_unbounded": (
        "unbounded day-N retention: among the same users, the share active on any day from c+N to d"
    ),
    "cohorts": (
        "the last 12 weeks ending on d, oldest first; cohort = users whose first active day falls in "
        "that week; retention[k] = share of the cohort active in its k-th week after (k = 0 is the "
        "cohort's own week, 1.0); weeks not yet complete on d are left out"
    ),
    "tickets_per_100_wau": (
        "support tickets opened in [d-27, d] per 100 users of the mean WAU over [d-27, d]"
    ),
    "csat": "tickets rated good / (good + bad) among tickets rated in [d-27, d]",
}


@dataclass
class Cohort:
    week_start: int
    size: int
    retention: list[float | None]


@dataclass
class Reference:
    dau: int
    wau: int
    mau: int
    stickiness: float | None
    retention: dict[int, float | None]
    retention_unbounded: dict[int, float | None]
    mean_wau: float
    cohorts: list[Cohort] = field(default_factory=list)


def reference(activity: Iterable[tuple[object, int]], as_of: int) -> Reference:
    """Every user-based outcome by the definitions above, by brute force over
    ``(user, day)`` pairs (days after ``as_of`` are ignored)."""
    days: dict[object, set[int]] = defaultdict(set)
    for user, day in activity:
        if day <= as_of:
            days[user].add(day)
    d = as_of

    def active_in(lo: int, hi: int) -> set[object]:
        return {u for u, ds in days.items() if any(lo <= x <= hi for x in ds)}

    dau = len(active_in(d, d))
    wau = len(active_in(d - 6, d))
    mau = len(active_in(d - 29, d))
    mean_dau = sum(len(active_in(x, x)) for x in range(d - 29, d + 1)) / 30
    stickiness = mean_dau / mau if mau else None
    first = {u: min(ds) for u, ds in days.items()}
    retention: dict[int, float | None] = {}
    unbounded: dict[int, float | None] = {}
    for n in RETENTION_DAYS:
        cohort = [u for u, c in first.items() if d - n - (COHORT_SPAN_DAYS - 1) <= c <= d - n]
        if not cohort:
            retention[n] = unbounded[n] = None
            continue
        retention[n] = sum(first[u] + n in days[u] for u in cohort) / len(cohort)
        unbounded[n] = sum(any(x >= first[u] + n for x in days[u]) for u in cohort) / len(cohort)
    mean_wau = sum(len(active_in(x - 6, x)) for x in range(d - 27, d + 1)) / SUPPORT_WINDOW_DAYS
    start = d - 7 * COHORT_WEEKS + 1
    cohorts = []
    for week in range(COHORT_WEEKS):
        lo = start + 7 * week
        members = [u for u, c in first.items() if lo <= c <= lo + 6]
        cells: list[float | None] = []
        for k in range(COHORT_WEEKS - week):
            wlo = lo + 7 * k
            share = (
                sum(any(wlo <= x <= wlo + 6 for x in days[u]) for u in members) / len(members)
                if members
                else None
            )
            cells.append(share)
        cohorts.append(Cohort(week_start=lo, size=len(members), retention=cells))
    return Reference(dau, wau, mau, stickiness, retention, unbounded, mean_wau, cohorts)
