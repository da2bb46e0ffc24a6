"""Facts from events: open incidents and defects, support load, on-call load."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db.models import CharField, Count, DateTimeField, F, Q, Value
from django.db.models.functions import Cast

from prodops.catalog.facts import products
from prodops.core.facts import FactContext, FactSpec, fact_provider
from prodops.core.prepared import PreparedQuery
from prodops.events.models import Defect, Incident, Page, Ticket

SEVERITIES = ("critical", "high", "medium", "low")
LOAD_DAYS = 28
SHIFT_HOURS = 12  # Google SRE: "more than two events per 12-hour on-call shift" is too many


EVENT_COUNTS = "events.counts"


def _event_counts(p: Any) -> Any:
    """Both providers' counts in one query, a UNION ALL (every column an annotation, so
    each part has them in the same order; severities are text, empty for the load):
    open incidents and defects by severity (``i``, ``d``), and each product's tickets
    and pages with their number in the load window (``t``, ``p``; the rows say the
    product has any)."""
    open_incidents = (
        Incident.objects.filter(product_id__in_ids=p.ids, resolved_at__isnull=True, opened_at__lte=p.now)
        .order_by()
        .values("product_id", "severity")
        .annotate(
            k=Value("i", CharField()), pid=F("product_id"), sev=Cast("severity", CharField()), n=Count("id")
        )
        .values_list("k", "pid", "sev", "n")
    )
    open_defects = (
        Defect.objects.filter(product_id__in_ids=p.ids, fixed_at__isnull=True, found_at__lte=p.now)
        .order_by()
        .values("product_id", "severity")
        .annotate(k=Value("d", CharField()), pid=F("product_id"), sev=F("severity"), n=Count("id"))
        .values_list("k", "pid", "sev", "n")
    )

    def load(model: Any, kind: str, at: str) -> Any:
        return (
            model.objects.filter(product_id__in_ids=p.ids)
            .order_by()
            .values("product_id")
            .annotate(
                k=Value(kind, CharField()),
                pid=F("product_id"),
                sev=Value("", CharField()),
                n=Count("id", filter=Q(**{f"{at}__gt": p.since, f"{at}__lte": p.now})),
            )
            .values_list("k", "pid", "sev", "n")
        )

    return open_incidents.union(
        open_defects, load(Ticket, "t", "opened_at"), load(Page, "p", "triggered_at"), all=True
    )


# Built and compiled once (core.prepared): re-evaluating one product only re-sends its SQL.
_EVENT_COUNTS = PreparedQuery(_event_counts, now=DateTimeField(), since=DateTimeField())


def event_counts(context: FactContext) -> list[tuple[str, int, str, int]]:
    """The batch's event counts (``_event_counts``), read once for both providers."""
    now = context.now
    return context.shared(
        EVENT_COUNTS,
        lambda: _EVENT_COUNTS.rows(ids=context.product_ids, now=now, since=now - timedelta(days=LOAD_DAYS)),
    )


@fact_provider(
    FactSpec("incidents.open_sev1", "int", "incidents", "Unresolved severity-1 incidents."),
    FactSpec("incidents.open_sev2", "int", "incidents", "Unresolved severity-2 incidents."),
    FactSpec("incidents.open", "int", "incidents", "Unresolved incidents of any severity."),
    FactSpec(
        "defects.open_by_severity",
        "map",
        "defects",
        "Unfixed defects by severity: {critical, high, medium, low} → count.",
    ),
    FactSpec("defects.open_critical", "int", "defects", "Unfixed critical defects."),
    FactSpec("defects.open_high", "int", "defects", "Unfixed high-severity defects."),
)
def open_work(
    product_ids: Sequence[int], now: datetime, context: FactContext | None = None
) -> dict[int, dict[str, Any]]:
    context = context or FactContext(product_ids, now)
    incidents: dict[int, dict[int, int]] = defaultdict(dict)
    defects: dict[int, dict[str, int]] = defaultdict(dict)
    for kind, pid, severity, n in event_counts(context):
        if kind == "i":
            incidents[pid][int(severity)] = n
        elif kind == "d":
            defects[pid][severity] = n
    result: dict[int, dict[str, Any]] = {}
    for pid in product_ids:
        by_sev = incidents.get(pid, {})
        open_defects = {s: defects.get(pid, {}).get(s, 0) for s in SEVERITIES}
        result[pid] = {
            "incidents.open_sev1": by_sev.get(1, 0),
            "incidents.open_sev2": by_sev.get(2, 0),
            "incidents.open": sum(by_sev.values()),
            "defects.open_by_severity": open_defects,
            "defects.open_critical": open_defects["critical"],
            "defects.open_high": open_defects["high"],
        }
    return result


@fact_provider(
    FactSpec(
        "tickets.per_week",
        "float",
        "tickets/week",
        f"Support tickets opened per week over the last {LOAD_DAYS} days (unknown without any ticket).",
    ),
    FactSpec(
        "oncall.pages_per_shift",
        "float",
        "pages/shift",
        f"On-call pages per {SHIFT_HOURS}-hour shift over the last {LOAD_DAYS} days; more than 2 is "
        "unsustainable (Google SRE). Unknown for a product with no paging integration and no pages.",
    ),
)
def operating_load(
    product_ids: Sequence[int], now: datetime, context: FactContext | None = None
) -> dict[int, dict[str, Any]]:
    context = context or FactContext(product_ids, now)
    recent_tickets: dict[int, int] = {}
    any_tickets: set[int] = set()
    recent_pages: dict[int, int] = {}
    paged: set[int] = set()
    for kind, pid, _, recent in event_counts(context):
        if kind == "t":
            any_tickets.add(pid)
            recent_tickets[pid] = recent
        elif kind == "p":
            paged.add(pid)
            recent_pages[pid] = recent
    rows = products(context)
    for pid in product_ids:
        integrations = rows[pid].integrations if pid in rows else None
        if any(key.startswith(("pagerduty", "opsgenie")) for key in (integrations or {})):
            paged.add(pid)
    shifts = LOAD_DAYS * 24 / SHIFT_HOURS
    result: dict[int, dict[str, Any]] = {}
    for pid in product_ids:
        values: dict[str, Any] = {}
        if pid in any_tickets:
            values["tickets.per_week"] = round(recent_tickets.get(pid, 0) / (LOAD_DAYS / 7), 3)
        if pid in paged:
            values["oncall.pages_per_shift"] = round(recent_pages.get(pid, 0) / shifts, 3)
        result[pid] = values
    return result
