"""DORA metrics per product and for the portfolio: query the events, call
``prodops.metrics.dora`` (pure), and shape the answer."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from prodops.events.models import Change, Deployment, Incident
from prodops.metrics import dora

METRICS = (
    ("deployment_frequency", "per_week"),
    ("lead_time_for_changes", "median_hours"),
    ("change_failure_rate", "value"),
    ("time_to_restore", "median_hours"),
    ("rework_rate", "value"),
)


class MetricsError(ValueError):
    pass


def parse_window(text: str) -> int:
    """``90d``, ``12w`` or ``90`` → days."""
    value = text.strip().lower()
    units = {"d": 1, "w": 7}
    factor = units.get(value[-1:], 0)
    number = value[:-1] if factor else value
    if not number.isdigit() or int(number) <= 0:
        raise MetricsError(f"window {text!r} is not a duration like 90d or 12w")
    return int(number) * (factor or 1)


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


def load_history(product_ids: Sequence[int] | None, *, since: datetime, until: datetime) -> History:
    """Events of these products (all products when None) in (since, until]. Four queries
    served by the (product, time) indexes."""
    history = History(defaultdict(list), defaultdict(list), defaultdict(list))
    deployments = Deployment.objects.filter(
        deployed_at__gt=since, deployed_at__lte=until, product__isnull=False
    )
    changes = Change.objects.filter(committed_at__gt=since, committed_at__lte=until, product__isnull=False)
    incidents = Incident.objects.filter(opened_at__gt=since, opened_at__lte=until, product__isnull=False)
    if product_ids is not None:
        deployments = deployments.filter(product_id__in=product_ids)
        changes = changes.filter(product_id__in=product_ids)
        incidents = incidents.filter(product_id__in=product_ids)
    rows = deployments.values_list(
        "product_id", "id", "deployed_at", "status", "sha", "environment", "rework", "additional_shas"
    )
    for pid, key, at, status, sha, env, rework, extra in rows.iterator(chunk_size=20000):
        history.deployments[pid].append(
            dora.Deploy(at, status, sha, env, rework, tuple(extra or ()), key=str(key))
        )
    for pid, sha, at, push in changes.values_list("product_id", "sha", "committed_at", "push_sha").iterator(
        chunk_size=20000
    ):
        history.changes[pid].append(dora.Commit(sha, at, push))
    for pid, key, opened, resolved, root in incidents.values_list(
        "product_id", "id", "opened_at", "resolved_at", "root_cause_sha"
    ).iterator(chunk_size=20000):
        history.incidents[pid].append(dora.Outage(opened, resolved, root, key=str(key)))
    return history


def dora_for_products(
    *,
    product_ids: Sequence[int] | None,
    end: datetime,
    window_days: int = 90,
    linkage: dora.Linkage = "default",
    bands: str = "2023",
) -> dict[int, dict[str, Any]]:
    """DORA metrics of each product over (end - window, end].

    Changes and deployments are read from one window further back, so a change committed
    before the window but deployed in it has its commit time, and an older change is
    attributed to the older deployment that shipped it."""
    start = end - timedelta(days=window_days)
    history = load_history(product_ids, since=start - timedelta(days=window_days), until=end)
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


def portfolio(results: Sequence[dict[str, Any]], *, bands: str) -> dict[str, Any]:
    """The portfolio as its median product: each metric is the median of the products
    that have a value for it (their count is given), banded like a product."""
    summary: dict[str, Any] = {
        "deployments": sum(r["deployments"] for r in results),
        "method": "median product",
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
        }
    return summary
