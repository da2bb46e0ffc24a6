"""The default-linkage DORA counts computed inside PostgreSQL.

``prodops.metrics.dora`` is the reference: it reads every event of the window into
Python, which is linear in rows and took over a minute for 1,000 products over 10 M
events. On PostgreSQL the same numbers come from three grouped queries, and only one row
per product crosses the wire:

* each change (deduplicated by SHA, earliest commit) finds the first successful
  production deployment at or after it with a running ``min()`` over the product's
  changes and deployments sorted newest first — one sort, no per-change lookup;
* a failed deployment's restoration is the next successful deployment strictly after
  it, found the same way;
* medians are ``percentile_cont(0.5)``, which is the same interpolated median as
  ``statistics.median``.

``default_linkage`` sends two statements for a batch, which matters when one product is
re-evaluated: the planner settings together with the root-cause check, then the
deployment counts and the lead times together.

A product whose window has an incident naming a root-cause SHA is left to the pure
module: linking an incident to the deployment that shipped its change (and matching
short SHAs as prefixes) is rare, subtle, and cheap per product. SQLite always uses the
pure module. The tests compare both paths on the same history.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from prodops.metrics import dora

VENDORS = ("postgresql",)


def supported() -> bool:
    return connection.vendor in VENDORS


def _ids_clause(alias: str, product_ids: Sequence[int] | None) -> tuple[str, list[Any]]:
    if product_ids is None:
        return f" AND {alias}product_id IS NOT NULL", []
    return f" AND {alias}product_id = ANY(%s)", [list(product_ids)]


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Sorting a million rows: in memory, not in temporary files; and no JIT, whose compilation
# of these plans costs more than it saves (set_config(..., true) is SET LOCAL: it lasts
# until the end of the transaction, so it must be sent before the statements it is for).
_SETTINGS = "set_config('work_mem', '64MB', true), set_config('jit', 'off', true)"


def _needing_pure(
    product_ids: Sequence[int] | None, *, start: datetime, end: datetime
) -> tuple[str, list[Any]]:
    ids_sql, ids = _ids_clause("", product_ids)
    sql = (
        "SELECT DISTINCT product_id FROM events_incident "
        "WHERE opened_at > %s AND opened_at <= %s AND root_cause_sha <> ''" + ids_sql
    )
    return sql, [start, end, *ids]


def default_linkage(
    product_ids: Sequence[int], *, start: datetime, end: datetime, since: datetime, environment: str
) -> tuple[set[int], dict[int, dora.DefaultCounts]]:
    """The products needing the pure module (an incident in the window that names a
    root-cause SHA, ``_needing_pure``), and the
    ``dora.DefaultCounts`` of the others (``_counts_sql``), in two statements: the
    root-cause check goes with the planner settings, and the counts of the others
    follow (not sent when there are none)."""
    check_sql, check_params = _needing_pure(product_ids, start=start, end=end)
    # No savepoint: SET LOCAL lasts until the end of the transaction whether a savepoint
    # is released or not, and re-evaluating one product pays for each statement.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(f"SELECT {_SETTINGS}, ARRAY({check_sql})", check_params)
        pure = set(cursor.fetchone()[2])
        others = [pid for pid in product_ids if pid not in pure]
        if not others:
            return pure, {}
        cursor.execute(*_counts_sql(others, start=start, end=end, since=since, environment=environment))
        return pure, _counts(cursor.fetchall())


def products_with_events(
    product_ids: Sequence[int] | None, *, start: datetime, end: datetime, since: datetime, environment: str
) -> set[int]:
    """The products the pure path would report when asked for all: a deployment (any
    environment) in the window, or a change it would read."""
    ids_sql, ids = _ids_clause("", product_ids)
    sql = (
        "SELECT DISTINCT product_id FROM events_deployment WHERE deployed_at > %s AND deployed_at <= %s"
        + ids_sql
        + " UNION SELECT c.product_id FROM events_change c LEFT JOIN ("
        "SELECT product_id, MAX(deployed_at) AS cut FROM events_deployment WHERE environment = %s "
        "AND status = 'success' AND deployed_at > %s AND deployed_at <= %s" + ids_sql + " GROUP BY product_id"
        ") k ON k.product_id = c.product_id "
        "WHERE c.committed_at > COALESCE(k.cut, %s) AND c.committed_at > %s AND c.committed_at <= %s"
        + _ids_clause("c.", product_ids)[0]
    )
    return {
        row[0]
        for row in _fetch(sql, [start, end, *ids, environment, since, start, *ids, since, since, end, *ids])
    }


def _counts_sql(
    product_ids: Sequence[int] | None, *, start: datetime, end: datetime, since: datetime, environment: str
) -> tuple[str, list[Any]]:
    """One statement giving the ``dora.DefaultCounts`` of each product with production
    deployments or attributed changes in (start, end]: the deployment counts and
    recovery times (``rec``) and the lead times (``lead``), a product being on either
    side or both. Deployments are read in the window only and changes back to ``since``
    (after each product's last successful deployment before the window), exactly as
    ``services.load_default_history`` reads them for the pure module."""
    ids_sql, ids = _ids_clause("", product_ids)
    deployments_sql = (
        "SELECT product_id, deployed_at, status, rework FROM events_deployment "
        "WHERE environment = %s AND deployed_at > %s AND deployed_at <= %s" + ids_sql
    )
    deploy_params = [environment, start, end, *ids]
    # Counts, and each failed deployment's next success strictly after it (newest first,
    # failures before successes at the same instant, so a tie does not count as after).
    recovery_sql = f"""
        WITH d AS ({deployments_sql}),
        n AS (
            SELECT product_id, deployed_at, status, rework,
                   min(CASE WHEN status = 'success' THEN deployed_at END) OVER (
                       PARTITION BY product_id ORDER BY deployed_at DESC, (status = 'success')
                       ROWS UNBOUNDED PRECEDING
                   ) AS next_success
            FROM d
        ),
        r AS (
            SELECT product_id, status, rework,
                   CASE WHEN status = 'failure' AND next_success > deployed_at
                        THEN extract(epoch FROM next_success - deployed_at)::float8 / 3600.0 END AS hours
            FROM n
        )
        SELECT product_id, count(*), count(*) FILTER (WHERE status = 'success'),
               count(*) FILTER (WHERE status = 'failure'), count(*) FILTER (WHERE rework),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY hours), count(hours)
        FROM r GROUP BY product_id
    """
    # Lead time: changes and successful deployments newest first, deployments before
    # changes at the same instant (a deployment at the commit's time ships it); the
    # running minimum of deployment times is then the first one at or after each change.
    products_sql = "SELECT id FROM catalog_product" if product_ids is None else "SELECT unnest(%s::bigint[])"
    lead_sql = f"""
        WITH cut AS (
            SELECT product_id, max(deployed_at) AS cut FROM events_deployment
            WHERE environment = %s AND status = 'success' AND deployed_at > %s AND deployed_at <= %s
            {ids_sql} GROUP BY product_id
        ),
        p AS (
            SELECT ids.id AS product_id, COALESCE(cut.cut, %s) AS lower
            FROM ({products_sql}) AS ids (id) LEFT JOIN cut ON cut.product_id = ids.id
        ),
        c AS (
            SELECT p.product_id, min(x.committed_at) AS at
            FROM p CROSS JOIN LATERAL (
                SELECT sha, committed_at FROM events_change
                WHERE product_id = p.product_id AND committed_at > p.lower AND committed_at <= %s
                OFFSET 0  -- keeps it a per-product index range scan (not flattened into a join)
            ) AS x
            GROUP BY p.product_id, x.sha
        ),
        u AS (
            SELECT product_id, at, 1 AS is_change FROM c
            UNION ALL
            SELECT product_id, deployed_at, 0 FROM ({deployments_sql}) d WHERE status = 'success'
        ),
        m AS (
            SELECT product_id, at, is_change,
                   min(CASE WHEN is_change = 0 THEN at END) OVER (
                       PARTITION BY product_id ORDER BY at DESC, is_change ROWS UNBOUNDED PRECEDING
                   ) AS shipped
            FROM u
        )
        SELECT product_id,
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY extract(epoch FROM shipped - at)::float8 / 3600.0
               ),
               count(*)
        FROM m WHERE is_change = 1 AND shipped IS NOT NULL GROUP BY product_id
    """
    # Per product, one range scan of the (product, committed_at) index from its cut: a
    # join with the cut as a filter made PostgreSQL read every change of the product.
    lead_params = [environment, since, start, *ids, since, *ids, end, *deploy_params]
    sql = f"""
        WITH rec (product_id, total, successes, failed, rework, recovery, restored) AS ({recovery_sql}),
        lead (product_id, median, changes) AS ({lead_sql})
        SELECT COALESCE(rec.product_id, lead.product_id), rec.total, rec.successes, rec.failed, rec.rework,
               rec.recovery, rec.restored, lead.median, lead.changes
        FROM rec FULL JOIN lead ON lead.product_id = rec.product_id
    """
    return sql, [*deploy_params, *lead_params]


_NO_DEPLOYMENTS = (0, 0, 0, 0, None, 0)


def _counts(rows: Sequence[tuple[Any, ...]]) -> dict[int, dora.DefaultCounts]:
    counts: dict[int, dora.DefaultCounts] = {}
    for pid, *deploys, lead, lead_changes in rows:
        # A product with changes and no production deployment in the window has no rec row.
        total, successes, failed, rework, recovery, restored = (
            deploys if deploys[0] is not None else _NO_DEPLOYMENTS
        )
        counts[pid] = dora.DefaultCounts(
            deployments=total,
            successes=successes,
            failed=failed,
            rework=rework,
            lead_median_hours=lead,
            lead_changes=lead_changes or 0,
            recovery_median_hours=recovery,
            restored=restored,
            unrestored=failed - restored,
        )
    return counts
