"""The user-based outcomes counted inside the database, for a batch of products.

The same SQL runs on SQLite and PostgreSQL: days are integers (``events.userkeys``), so
every window is integer arithmetic, and only grouped rows cross the wire (never one row
per event). ``outcomes.definitions.reference`` states the definitions in plain Python;
the tests check this module against it and against hand computations.

* DAU, WAU, MAU and the mean DAU: one pass over [d-29, d], grouped by user first (each
  user's last active day and number of active days), then by product.
* Mean WAU over [d-27, d]: the sum of WAU(x) over those days is the number of (user, x)
  pairs with the user active in [x-6, x]. Each active day a covers x in
  [a, min(a+6, next active day - 1)], so one ``LEAD()`` over the user's days in
  [d-33, d] gives disjoint intervals whose clipped lengths add up to that sum.
* Retention and cohorts: users first active in the last 84 days (every cohort any
  output needs: day-30 cohorts start at d-57, weekly cohorts at d-83) are the users
  active in [d-83, d] with no earlier row (one index probe each on
  ``(product, user_key, day)``); their days from their first day on are then grouped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from prodops.outcomes.definitions import COHORT_WEEKS, RETENTION_DAYS, SUPPORT_WINDOW_DAYS

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


def _in(ids: Sequence[int]) -> str:
    return "(" + ", ".join(["%s"] * len(ids)) + ")"


def _fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def products_with_users(product_ids: Sequence[int], d: int) -> set[int]:
    """Products with at least one user-level usage row on or before d."""
    if not product_ids:
        return set()
    sql = (
        f"SELECT p.id FROM catalog_product p WHERE p.id IN {_in(product_ids)} "
        f"AND EXISTS (SELECT 1 FROM {TABLE} u WHERE u.product_id = p.id AND u.day <= %s)"
    )
    return {row[0] for row in _fetch(sql, [*product_ids, d])}


def _cap(expr: str, limit: str) -> str:
    """min(expr, limit) without LEAST/min(): portable."""
    return f"CASE WHEN {expr} > {limit} THEN {limit} ELSE {expr} END"


def counts(product_ids: Sequence[int], d: int) -> dict[int, Counts]:
    """Every user-based count of every product in the batch, as of day d."""
    result = {pid: Counts() for pid in product_ids}
    if not product_ids:
        return result
    ids = list(product_ids)
    where = f"product_id IN {_in(ids)}"

    active = (
        "SELECT product_id, "
        "SUM(CASE WHEN last_day = %s THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN last_day >= %s THEN 1 ELSE 0 END), "
        "COUNT(*), SUM(n) FROM ("
        f"  SELECT product_id, user_key, MAX(day) AS last_day, COUNT(*) AS n FROM {TABLE}"
        f"  WHERE {where} AND day BETWEEN %s AND %s GROUP BY product_id, user_key"
        ") per_user GROUP BY product_id"
    )
    for pid, dau, wau, mau, user_days in _fetch(active, [d, d - 6, *ids, d - 29, d]):
        entry = result[pid]
        entry.dau, entry.wau, entry.mau, entry.user_days_30 = int(dau), int(wau), int(mau), int(user_days)

    lo = d - (SUPPORT_WINDOW_DAYS - 1)
    hi = _cap(_cap("day + 6", "nxt - 1"), str(int(d)))
    wau_sum = (
        "SELECT product_id, SUM(CASE WHEN hi >= lo THEN hi - lo + 1 ELSE 0 END) FROM ("
        f"  SELECT product_id, CASE WHEN day > {int(lo)} THEN day ELSE {int(lo)} END AS lo, "
        f"  CASE WHEN nxt IS NULL THEN {_cap('day + 6', str(int(d)))} ELSE {hi} END AS hi FROM ("
        "    SELECT product_id, day, LEAD(day) OVER (PARTITION BY product_id, user_key ORDER BY day) AS nxt"
        f"    FROM {TABLE} WHERE {where} AND day BETWEEN %s AND %s"
        "  ) days"
        ") spans GROUP BY product_id"
    )
    for pid, total in _fetch(wau_sum, [*ids, lo - 6, d]):
        result[pid].wau_sum_28 = int(total or 0)

    start = d - LOOKBACK
    cohort = (
        f"WITH firsts AS (SELECT product_id, user_key, MIN(day) AS first_day FROM {TABLE} "
        f"  WHERE {where} AND day BETWEEN %s AND %s GROUP BY product_id, user_key), "
        "cohort AS (SELECT f.product_id, f.user_key, f.first_day FROM firsts f "
        f"  WHERE NOT EXISTS (SELECT 1 FROM {TABLE} e WHERE e.product_id = f.product_id "
        "  AND e.user_key = f.user_key AND e.day < %s)) "
    )
    cohort_params = [*ids, start, d, start]
    on = ", ".join(
        f"MAX(CASE WHEN a.day = c.first_day + {n} THEN 1 ELSE 0 END) AS on{n}" for n in RETENTION_DAYS
    )
    sums = ", ".join(f"SUM(on{n})" for n in RETENTION_DAYS)
    after = ", ".join(f"SUM(CASE WHEN last_day >= first_day + {n} THEN 1 ELSE 0 END)" for n in RETENTION_DAYS)
    retention = (
        cohort + f"SELECT product_id, first_day, COUNT(*), {sums}, {after} FROM ("
        f"  SELECT c.product_id, c.user_key, c.first_day, MAX(a.day) AS last_day, {on} "
        f"  FROM cohort c JOIN {TABLE} a ON a.product_id = c.product_id AND a.user_key = c.user_key "
        "  AND a.day BETWEEN c.first_day AND %s GROUP BY c.product_id, c.user_key, c.first_day"
        ") per_user GROUP BY product_id, first_day"
    )
    for pid, first_day, *numbers in _fetch(retention, [*cohort_params, d]):
        result[pid].firsts[int(first_day)] = [int(x or 0) for x in numbers]

    weeks = (
        cohort + "SELECT c.product_id, (c.first_day - %s) / 7, (a.day - %s) / 7, COUNT(DISTINCT c.user_key) "
        f"FROM cohort c JOIN {TABLE} a ON a.product_id = c.product_id AND a.user_key = c.user_key "
        "AND a.day BETWEEN c.first_day AND %s GROUP BY 1, 2, 3"
    )
    grouped: dict[int, dict[tuple[int, int], int]] = defaultdict(dict)
    for pid, cohort_week, activity_week, users in _fetch(weeks, [*cohort_params, start, start, d]):
        grouped[pid][(int(cohort_week), int(activity_week))] = int(users)
    for pid, cells in grouped.items():
        result[pid].weeks = cells
    return result
