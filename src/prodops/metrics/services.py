"""DORA metrics per product and for the portfolio: query the events, call
``prodops.metrics.dora`` (pure), and shape the answer."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import DateTimeField, FloatField, Func
from django.utils import timezone

from prodops.core.errors import InvalidInput
from prodops.core.prepared import PreparedQuery
from prodops.events.models import Change, Deployment, Incident
from prodops.metrics import dora, sql

METRICS = (
    ("deployment_frequency", "per_week"),
    ("lead_time_for_changes", "median_hours"),
    ("change_failure_rate", "value"),
    ("time_to_restore", "median_hours"),
    ("rework_rate", "value"),
)


MAX_WINDOW_DAYS = 36_500  # a century: more than any history ProdOps keeps


class MetricsError(InvalidInput):
    """Bad input to a metrics service; ``field`` names it (``window``)."""


def parse_window(text: str) -> int:
    """``90d``, ``12w`` or ``90`` → days."""
    value = text.strip().lower()
    units = {"d": 1, "w": 7}
    factor = units.get(value[-1:], 0)
    number = value[:-1] if factor else value
    if not number.isdigit() or int(number) <= 0:
        raise MetricsError(f"window {text!r} is not a duration like 90d or 12w", field="window")
    days = int(number) * (factor or 1)
    if days > MAX_WINDOW_DAYS:  # a longer one overflows the dates it is subtracted from
        raise MetricsError(f"window {text!r} is longer than {MAX_WINDOW_DAYS} days", field="window")
    return days


def window_end(as_of: date | None) -> datetime:
    """The end of the as-of day (exclusive midnight after it), or now."""
    if as_of is None:
        return timezone.now()
    return datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())


@dataclass
class History:
    deployments: dict[int, list[dora.Deploy]]
    changes: dict[int, list[dora.Commit]]
    incidents: dict[int, list[dora.Outage]]


class Epoch(Func):
    """A timestamp as seconds since 1970 (a float). Reading millions of floats is many
    times cheaper than reading timestamps, which matters for `prodops dora --all`."""

    output_field = FloatField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="date_part('epoch', %(expressions)s)", **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "((julianday(%(expressions)s) - 2440587.5) * 86400.0)"
        return self.as_sql(compiler, connection, template=template, **extra)


def _rows(queryset: Any) -> list[tuple[Any, ...]]:
    """All rows of a values_list queryset, fetched in one go without per-row ORM work."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _converter() -> Any:
    """Seconds → aware datetime. On SQLite, julianday() arithmetic is off by microseconds,
    so times are rounded to the millisecond there (DORA needs no finer)."""
    if connection.vendor == "sqlite":
        return lambda seconds: datetime.fromtimestamp(round(seconds, 3), UTC)
    return lambda seconds: datetime.fromtimestamp(seconds, UTC)


def _time(seconds: float | None) -> datetime | None:
    return None if seconds is None else _converter()(seconds)


def _deployments(ids: dict[str, Any], since: Any, until: Any, extra_field: str) -> Any:
    """Deployments in (since, until] of the products ``ids`` filters (all when empty)."""
    return (
        Deployment.objects.filter(deployed_at__gt=since, deployed_at__lte=until, product__isnull=False, **ids)
        .annotate(t=Epoch("deployed_at"))
        .values_list("product_id", "id", "t", "status", "sha", "environment", "rework", extra_field)
    )


def _changes(ids: dict[str, Any], since: Any, until: Any) -> Any:
    return (
        Change.objects.filter(committed_at__gt=since, committed_at__lte=until, product__isnull=False, **ids)
        .annotate(t=Epoch("committed_at"))
        .values_list("product_id", "sha", "t", "push_sha")
    )


def _incidents(ids: dict[str, Any], since: Any, until: Any) -> Any:
    return (
        Incident.objects.filter(opened_at__gt=since, opened_at__lte=until, product__isnull=False, **ids)
        .annotate(t=Epoch("opened_at"), r=Epoch("resolved_at"))
        .values_list("product_id", "id", "t", "r", "root_cause_sha")
    )


def _prepared(build: Any, *args: Any) -> PreparedQuery:
    """``build`` for a batch of product ids, compiled once (core.prepared): one product's
    history (SQLite, or PostgreSQL for a product left to the pure module) is read without
    building and compiling the querysets again."""
    return PreparedQuery(
        lambda p: build({"product_id__in_ids": p.ids}, p.since, p.until, *args),
        since=DateTimeField(),
        until=DateTimeField(),
    )


# The JSON of the deployment's extra SHAs is read for the Four Keys linkage only.
_DEPLOYMENTS = {extra: _prepared(_deployments, extra) for extra in ("additional_shas", "rework")}
_CHANGES = _prepared(_changes)
_INCIDENTS = _prepared(_incidents)


def load_history(
    product_ids: Sequence[int] | None,
    *,
    since: datetime,
    until: datetime,
    with_extra_shas: bool = True,
    with_changes: bool = True,
) -> History:
    """Events of these products (all products when None) in (since, until]. Three queries
    served by the (product, time) indexes."""
    history = History(defaultdict(list), defaultdict(list), defaultdict(list))
    extra_field = "additional_shas" if with_extra_shas else "rework"  # the JSON is for Four Keys only

    def read(prepared: PreparedQuery, build: Any, *args: Any) -> list[tuple[Any, ...]]:
        # Every product: the rows as the database sends them (millions, no converters).
        if product_ids is None:
            return _rows(build({}, since, until, *args))
        return prepared.rows(ids=list(product_ids), since=since, until=until)

    fromts = _converter()
    for pid, key, at, status, sha, env, rework, extra in read(
        _DEPLOYMENTS[extra_field], _deployments, extra_field
    ):
        shas: tuple[str, ...] = ()
        if with_extra_shas and extra:
            shas = tuple(json.loads(extra) if isinstance(extra, str) else extra)
        history.deployments[pid].append(
            dora.Deploy(fromts(at), status, sha, env, bool(rework), shas, str(key))
        )
    if with_changes:
        for pid, sha, at, push in read(_CHANGES, _changes):
            history.changes[pid].append(dora.Commit(sha, fromts(at), push))
    for pid, key, opened, resolved, root in read(_INCIDENTS, _incidents):
        history.incidents[pid].append(dora.Outage(fromts(opened), _time(resolved), root, str(key)))
    return history


def _epoch_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"date_part('epoch', {column})"
    return f"((julianday({column}) - 2440587.5) * 86400.0)"


def load_default_history(
    product_ids: Sequence[int] | None,
    *,
    start: datetime,
    end: datetime,
    since: datetime,
    environment: str = "production",
) -> History:
    """What the default linkage needs, and no more: deployments and incidents in the
    window, and the changes committed after each product's last successful deployment
    before the window (older changes shipped before it, so they cannot count in it)
    and at most back to ``since``."""
    history = load_history(product_ids, since=start, until=end, with_extra_shas=False, with_changes=False)
    adapt = connection.ops.adapt_datetimefield_value
    ids_sql, ids = "", []
    if product_ids is not None:
        if not product_ids:
            return history
        ids = list(product_ids)
        ids_sql = f" AND {{alias}}product_id IN ({', '.join(['%s'] * len(ids))})"
    sql = (
        f"SELECT c.product_id, c.sha, {_epoch_sql('c.committed_at')}, c.push_sha FROM events_change c "
        "LEFT JOIN (SELECT product_id, MAX(deployed_at) AS cut FROM events_deployment "
        "WHERE environment = %s AND status = 'success' AND deployed_at > %s AND deployed_at <= %s"
        + ids_sql.format(alias="")
        + " GROUP BY product_id) k ON k.product_id = c.product_id "
        "WHERE c.product_id IS NOT NULL AND c.committed_at > COALESCE(k.cut, %s) AND c.committed_at <= %s"
        + ids_sql.format(alias="c.")
    )
    params = [environment, adapt(since), adapt(start), *ids, adapt(since), adapt(end), *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    convert = _converter()
    for pid, sha, at, push in rows:
        history.changes[pid].append(dora.Commit(sha, convert(at), push))
    return history


def dora_for_products(
    *,
    product_ids: Sequence[int] | None,
    end: datetime,
    window_days: int = 90,
    linkage: dora.Linkage = "default",
    bands: str = "2023",
    pure: bool = False,
) -> dict[int, dict[str, Any]]:
    """DORA metrics of each product over (end - window, end].

    Changes committed before the window but deployed in it are read back to one window
    length before it; the default linkage reads only those committed after each
    product's last successful deployment before the window.

    On PostgreSQL the default linkage is counted in the database (``prodops.metrics.sql``);
    ``pure=True`` forces the reference path that reads the events into Python."""
    if product_ids is not None and not product_ids:
        return {}  # an empty batch needs no query
    start = end - timedelta(days=window_days)
    since = start - timedelta(days=window_days)
    if linkage == "default" and sql.supported() and not pure:
        return _default_in_database(product_ids, start=start, end=end, since=since, bands=bands)
    if linkage == "default":
        history = load_default_history(product_ids, start=start, end=end, since=since)
    else:
        history = load_history(product_ids, since=since, until=end)
    ids = (
        list(product_ids)
        if product_ids is not None
        else sorted(set(history.deployments) | set(history.changes))
    )
    return {
        pid: dora.compute(
            history.deployments.get(pid, []),
            history.changes.get(pid, []),
            history.incidents.get(pid, []),
            start=start,
            end=end,
            linkage=linkage,
            bands=bands,
        )
        for pid in ids
    }


def _default_in_database(
    product_ids: Sequence[int] | None, *, start: datetime, end: datetime, since: datetime, bands: str
) -> dict[int, dict[str, Any]]:
    """The default linkage with the database doing the counting (``prodops.metrics.sql``);
    products whose incidents name a root-cause SHA go through the pure module."""
    if bands not in dora.BANDS:
        raise ValueError(f"bands must be one of {', '.join(dora.BANDS)}")
    environment = "production"
    ids = (
        list(product_ids)
        if product_ids is not None
        else sorted(
            sql.products_with_events(None, start=start, end=end, since=since, environment=environment)
        )
    )
    pure_ids, counts = sql.default_linkage(ids, start=start, end=end, since=since, environment=environment)
    results = (
        dora_for_products(
            product_ids=sorted(pure_ids), end=end, window_days=(end - start).days, bands=bands, pure=True
        )
        if pure_ids
        else {}
    )
    window = dora.Window(start, end)
    empty = dora.DefaultCounts(0, 0, 0, 0, None, 0, None, 0, 0)
    for pid in ids:
        if pid not in results:
            result = dora.default_result(counts.get(pid, empty), window, bands=bands, environment=environment)
            results[pid] = dora.stamp(result, window, linkage="default", bands=bands)
    return {pid: results[pid] for pid in ids}


def portfolio(results: Sequence[dict[str, Any]], *, bands: str) -> dict[str, Any]:
    """The portfolio as its median product: each metric is the median of the products
    that have a value for it (their count is given), banded like a product. Every row
    says what it aggregates: ``deployments`` is the median product's count, and
    ``deployments_total`` the sum over products, labelled as such."""
    counts = [int(r["deployments"]) for r in results]
    summary: dict[str, Any] = {
        "deployments": statistics.median(counts) if counts else None,
        "deployments_total": sum(counts),
        "method": "median product",
        "aggregates": {
            "deployments": f"median over {len(counts)} products",
            "deployments_total": f"sum over {len(counts)} products",
            "metrics": "median over the products that have a value (count in 'products')",
        },
        "band_basis": dora.BAND_BASIS[bands],
    }
    band_metric = {
        "deployment_frequency": "deployment_frequency",
        "lead_time_for_changes": "lead_time_hours",
        "change_failure_rate": "change_failure_rate",
        "time_to_restore": "recovery_hours",
    }
    for metric, key in METRICS:
        values = [r[metric][key] for r in results if r[metric].get(key) is not None]
        if not values:
            summary[metric] = {key: None, "band": None, "reason": "no product has a value", "products": 0}
            continue
        value = statistics.median(values)
        summary[metric] = {
            key: round(value, 4),
            "band": dora.band(bands, band_metric[metric], value) if metric in band_metric else None,
            "products": len(values),
            "aggregate": f"median over {len(values)} products",
        }
    return summary
