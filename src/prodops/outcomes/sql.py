"""The user-based outcomes counted inside the database, for a batch of products.

The same SQL runs on SQLite and PostgreSQL: days are integers (``events.userkeys``), so
every window is integer arithmetic, and only grouped rows cross the wire (never one row
per event). ``outcomes.definitions.reference`` states the definitions in plain Python;
the tests check this module against it and against hand computations.

Two queries, each one pass without a sort:

* Activity over [d-33, d]: each user's active days as a 34-bit mask (bit i = day
  d-33+i; one row per user and day, so SUM of the bits is their OR), in one hash
  aggregate. DAU is bit 33, WAU any of bits 27-33, MAU any of bits 4-33; the user's
  share of the 28 WAU(x), x in [d-27, d], is the number of j in 6..33 with a bit in
  j-6..j, so the sum of WAU over those days (for the mean WAU) needs no window function.
* Cohorts: users first active in [d-83, d] come from ``events_activeuser`` (each user's
  first day, kept at ingestion) by an index range scan; their days from the first day to
  d are joined and reduced to flags per user (active on c+N, on or after c+N, in each of
  the 12 weeks), then summed per first day.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction

from prodops.outcomes.definitions import COHORT_WEEKS, RETENTION_DAYS

TABLE = "events_activeuserday"
LOOKBACK = 7 * COHORT_WEEKS - 1  # d-83: the oldest first day any output needs


@dataclass
class Counts:
    dau: int = 0
    wau: int = 0
    mau: int = 0
    user_days_30: int = 0
    wau_sum_28: int = 0
    # first active day → [users, active on c+N for N in RETENTION_DAYS..., active on/after c+N ...]
    firsts: dict[int, list[int]] = field(default_factory=dict)
    # (cohort week, activity week) → distinct users
    weeks: dict[tuple[int, int], int] = field(default_factory=dict)


def _in(n: int) -> str:
    return "(" + ", ".join(["%s"] * n) + ")"


ACTIVITY_DAYS = 34  # [d-33, d]: 28 days of WAU, each looking 6 days back
WEEK_MASK = 127  # seven days


def _bit(mask: str, i: int) -> str:
    return f"(({mask} >> {i}) & 1)"


@functools.lru_cache(maxsize=64)
def _queries(d: int, n: int) -> tuple[str, str]:
    """The SQL of the two queries for day d and a batch of n ids (the ids are its
    parameters). Building it costs about 0.4 ms, more than a round trip, and it changes
    only with the day and the batch's length: re-evaluating one product reuses it."""
    base = d - (ACTIVITY_DAYS - 1)
    top = ACTIVITY_DAYS - 1
    covered = " + ".join(
        f"(CASE WHEN ((m >> {j - 6}) & {WEEK_MASK}) > 0 THEN 1 ELSE 0 END)" for j in range(6, ACTIVITY_DAYS)
    )
    activity = (
        f"SELECT product_id, SUM({_bit('m', top)}), "
        f"SUM(CASE WHEN (m >> {top - 6}) > 0 THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN (m >> {top - 29}) > 0 THEN 1 ELSE 0 END), "
        f"SUM(days30), SUM({covered}) FROM ("
        f"  SELECT product_id, user_key, CAST(SUM(CAST(1 AS BIGINT) << (day - {base})) AS BIGINT) AS m, "
        f"  SUM(CASE WHEN day >= {d - 29} THEN 1 ELSE 0 END) AS days30 FROM {TABLE} "
        f"  WHERE product_id IN {_in(n)} AND day BETWEEN {base} AND {d} GROUP BY product_id, user_key"
        ") per_user GROUP BY product_id"
    )
    start = d - LOOKBACK
    split = 63  # days [start, start+62] in ``lo``, [start+63, d] in ``hi`` (9 whole weeks)

    def bit(offset: str) -> str:
        return (
            f"(CASE WHEN {offset} < {split} THEN (lo >> ({offset})) & 1 "
            f"ELSE (hi >> ({offset} - {split})) & 1 END)"
        )

    def any_from(offset: str) -> str:
        return (
            f"(CASE WHEN {offset} < {split} THEN "
            f"(CASE WHEN (lo >> ({offset})) > 0 OR hi > 0 THEN 1 ELSE 0 END) "
            f"ELSE (CASE WHEN (hi >> ({offset} - {split})) > 0 THEN 1 ELSE 0 END) END)"
        )

    def week(k: int) -> str:
        mask, shift = ("lo", 7 * k) if k < split // 7 else ("hi", 7 * k - split)
        return f"(CASE WHEN (({mask} >> {shift}) & {WEEK_MASK}) > 0 THEN 1 ELSE 0 END)"

    flags = [bit(f"first_day + {n} - {start}") for n in RETENTION_DAYS]
    flags += [any_from(f"first_day + {n} - {start}") for n in RETENTION_DAYS]
    flags += [week(k) for k in range(COHORT_WEEKS)]
    # Per row only two sums (the user's days as two bit masks); the flags are bit tests
    # on one row per user.
    cohorts = (
        f"SELECT product_id, first_day, COUNT(*), {', '.join(f'SUM({flag})' for flag in flags)} "
        "FROM ("
        "  SELECT f.product_id, f.user_key, f.first_day, "
        f"  CAST(SUM(CASE WHEN a.day < {start + split} THEN CAST(1 AS BIGINT) << (a.day - {start}) "
        "  ELSE 0 END) AS BIGINT) AS lo, "
        f"  CAST(SUM(CASE WHEN a.day >= {start + split} THEN CAST(1 AS BIGINT) << (a.day - {start + split}) "
        "  ELSE 0 END) AS BIGINT) AS hi "
        f"  FROM events_activeuser f JOIN {TABLE} a ON a.product_id = f.product_id "
        f"  AND a.user_key = f.user_key AND a.day BETWEEN f.first_day AND {d} "
        f"  WHERE f.product_id IN {_in(n)} AND f.first_day BETWEEN {start} AND {d} "
        "  GROUP BY f.product_id, f.user_key, f.first_day"
        ") per_user GROUP BY product_id, first_day"
    )
    return activity, cohorts


def counts(product_ids: Sequence[int], d: int) -> dict[int, Counts]:
    """Every user-based count of every product in the batch, as of day d."""
    result = {pid: Counts() for pid in product_ids}
    if not product_ids:
        return result
    ids = [int(pid) for pid in product_ids]
    d = int(d)
    start = d - LOOKBACK
    activity, cohorts = _queries(d, len(ids))
    # No savepoint: it would not scope the settings (RELEASE keeps a SET LOCAL until the
    # transaction ends; only a rollback to it undoes one), and it costs two round trips.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Hash aggregates over a few hundred thousand users stay in memory; compiling
            # these short queries (JIT) costs more than it saves. set_config(..., true) is
            # SET LOCAL; both in one round trip.
            cursor.execute("SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true)")
        cursor.execute(activity, ids)
        for pid, dau, wau, mau, user_days, cover in cursor.fetchall():
            entry = result[pid]
            entry.dau, entry.wau, entry.mau = int(dau or 0), int(wau or 0), int(mau or 0)
            entry.user_days_30, entry.wau_sum_28 = int(user_days or 0), int(cover or 0)
        cursor.execute(cohorts, ids)
        rows = cursor.fetchall()
    retention_columns = 1 + 2 * len(RETENTION_DAYS)
    for pid, first_day, *numbers in rows:
        values = [int(x or 0) for x in numbers]
        entry = result[pid]
        entry.firsts[int(first_day)] = values[:retention_columns]
        cohort_week = (int(first_day) - start) // 7
        for k, users in enumerate(values[retention_columns:]):
            if users:
                entry.weeks[(cohort_week, k)] = entry.weeks.get((cohort_week, k), 0) + users
    return result
