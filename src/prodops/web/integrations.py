"""The web application's view of the other domain apps.

Each function asks one app's services for what a page shows. The product page and the
dashboard are built from these, so a capability appears on the pages as soon as its app
provides it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q
from django.urls import Resolver404, resolve
from django.utils import timezone

from prodops.catalog import services as catalog
from prodops.catalog.models import DEFAULT_STAGES, Product
from prodops.catalog.schemas import ProductSpec
from prodops.core.errors import Refused
from prodops.events.models import Defect, Deployment, Incident
from prodops.knowledge.models import SupportSignoff, TrainingSession
from prodops.lifecycle.models import Transition
from prodops.metrics import services as metrics
from prodops.readiness import services as readiness
from prodops.readiness.models import EvaluationChange, ProductEvaluation, Standard, Waiver
from prodops.readiness.services import reevaluating
from prodops.warranty.services import ProductWarranty, assess_products, decided_by_text


@dataclass(frozen=True)
class WarrantyEnd:
    product: Product
    ends: date
    decided_by: str

    @property
    def decided_by_text(self) -> str:

        return decided_by_text(self.decided_by)


def warranties_ending(
    products: Any, *, now: datetime, within_days: int = 30, limit: int = 10
) -> list[WarrantyEnd]:
    """Products in warranty whose proposed end falls within ``within_days`` of today.

    The end is the warranty app's, scoped from each product's counted defects and
    incidents (the same date its warranty page shows), not simply go-live + max_days.
    Three queries however many products: the products, then their defects and incidents.
    """

    rows = list(
        products.filter(stage="warranty", go_live__isnull=False)
        .select_related(None)
        .only("id", "slug", "name", "go_live", "warranty")
    )
    last = timezone.localdate(now) + timedelta(days=within_days)
    assessed = assess_products(rows, now=now)
    result = []
    for product in rows:
        w = assessed.get(product.id)
        # A policy the warranty app cannot read has no end to show; its page says why.
        if isinstance(w, ProductWarranty) and w.proposed_end <= last:
            result.append(WarrantyEnd(product=product, ends=w.proposed_end, decided_by=w.decided_by))
    result.sort(key=lambda w: (w.ends, w.product.slug))
    return result[:limit]


@dataclass(frozen=True)
class Readiness:
    """A product's readiness for its next gate."""

    gate: str
    passed: int
    total: int
    ready: bool
    requested: bool = False  # a transition into ``gate`` is pending
    reevaluating: bool = False  # facts changed; the worker has not re-evaluated yet

    @property
    def percent(self) -> int:
        return round(100 * self.passed / self.total) if self.total else 100

    @property
    def blocked(self) -> bool:
        """Shown as blocked: the same rule as the "Blocked gates" panel (``is_blocked``)."""
        return is_blocked(gate=self.gate, ready=self.ready, requested=self.requested)


# Retirement is a decision, not a readiness target: an operating product whose retire
# gate is not open is blocked only once someone asks to retire it.
DECISION_GATES = frozenset({DEFAULT_STAGES[-1]})


def is_blocked(*, gate: str, ready: bool, requested: bool) -> bool:
    """One answer for every page: a gate is blocked when it is not open and it is either
    the product's next stage in the flow or a transition someone requested."""
    return bool(gate) and not ready and (gate not in DECISION_GATES or requested)


def _pending_gates(product_ids: list[int]) -> set[tuple[int, str]]:
    return set(
        Transition.objects.filter(product_id__in=product_ids, status=Transition.Status.PENDING).values_list(
            "product_id", "to_stage"
        )
    )


def readiness_for(products: list[Product]) -> dict[int, Readiness]:
    """Readiness for the next gate of each product, from the stored evaluations (three
    queries), marked while a re-evaluation is queued."""

    ids = [p.pk for p in products]
    rows = ProductEvaluation.objects.filter(product_id__in=ids).values_list(
        "product_id", "next_gate", "ready", "counts"
    )
    pending = _pending_gates(ids)
    queued = reevaluating(ids)
    out = {}
    for pid, gate, ready, stored in rows:
        if not gate:
            continue
        counts = stored or {}
        passed = int(counts.get("pass", 0)) + int(counts.get("waived", 0))
        total = sum(int(v) for v in counts.values())
        out[pid] = Readiness(
            gate=gate,
            passed=passed,
            total=total,
            ready=bool(ready),
            requested=(pid, gate) in pending,
            reevaluating=pid in queued,
        )
    for pid in queued - set(out):
        out[pid] = Readiness(gate="", passed=0, total=0, ready=False, reevaluating=True)
    return out


@dataclass(frozen=True)
class Blocked:
    product: Product
    gate: str
    failing: int


def blocked_gates(products: Any, *, limit: int) -> tuple[int, list[Blocked]]:
    """Products whose next gate is not open (most critical first), and how many there are."""

    # ``ready__lt=True`` rather than ``ready=False``: SQLite cannot use the (ready,
    # next_gate) index for ``NOT ready``, and without it every row's large ``results``
    # column is read.
    # Decision gates (retire) count only when a transition into them is pending: the
    # same rule as ``is_blocked``, which the badges use.
    requested = Transition.objects.filter(status=Transition.Status.PENDING, to_stage__in=DECISION_GATES)
    qs = ProductEvaluation.objects.filter(ready__lt=True, next_gate__gt="").exclude(
        Q(next_gate__in=DECISION_GATES) & ~Q(product_id__in=requested.values("product_id"))
    )
    if products.query.where:
        qs = qs.filter(product__in=products)
    # Pick the products first (small rows, sorted by criticality), then read the large
    # evaluation rows of those few only.
    top = list(
        products.filter(pk__in=qs.values("product_id"))
        .only("id", "slug", "name", "tier")
        .order_by("tier", "slug")[:limit]
    )
    evaluations = {
        pid: (gate, counts or {})
        for pid, gate, counts in ProductEvaluation.objects.filter(
            product_id__in=[p.pk for p in top]
        ).values_list("product_id", "next_gate", "counts")
    }
    items = [
        Blocked(
            product=p,
            gate=evaluations[p.pk][0],
            failing=int(evaluations[p.pk][1].get("fail", 0)) + int(evaluations[p.pk][1].get("unknown", 0)),
        )
        for p in top
        if p.pk in evaluations
    ]
    return qs.count(), items


def expiring_waivers(products: Any, *, now: datetime, within_days: int, limit: int) -> list[Any]:
    """Signed, unrevoked waivers of these products that expire within ``within_days``."""

    return list(
        Waiver.objects.filter(
            product__in=products,
            revoked_at__isnull=True,
            expires_at__gt=now,
            expires_at__lte=now + timedelta(days=within_days),
            build_lead_signed_at__isnull=False,
            run_lead_signed_at__isnull=False,
        )
        .select_related("product")
        .order_by("expires_at", "id")[:limit]
    )


@dataclass(frozen=True)
class StandardView:
    slug: str
    name: str
    version: int
    gates: list[dict[str, Any]]


def standards() -> list[StandardView]:
    """Every standard (the packaged default too, until one named ``default`` is applied)."""

    rows = {s.slug: s for s in Standard.objects.all()}
    slugs = sorted(set(rows) | {readiness.DEFAULT_SLUG})
    out = []
    for slug in slugs:
        compiled = readiness.get_standard(slug)
        gates = []
        for gate in compiled.stages[1:]:
            criteria = [c.criterion for c in compiled.criteria if c.criterion.gate == gate]
            if criteria:
                gates.append({"gate": gate, "criteria": criteria})
        row = rows.get(slug)
        out.append(
            StandardView(
                slug=slug,
                name=row.name if row else "Default standard (packaged)",
                version=compiled.version,
                gates=gates,
            )
        )
    return out


def product_sections(product: Product, user: Any) -> dict[str, Any]:
    """What the domain apps contribute to the product page besides the editable sections."""

    return {
        "deployments": Deployment.objects.filter(product=product).order_by("-deployed_at")[:5],
        "open_incidents": Incident.objects.filter(product=product, resolved_at__isnull=True).order_by(
            "severity", "-opened_at"
        )[:5],
        "open_defects": Defect.objects.filter(product=product, fixed_at__isnull=True).order_by("-found_at")[
            :5
        ],
        "dora": dora_rows(product),
        "handover_formats": ["pdf", "html", "md"]
        if _resolves(f"/products/{product.slug}/handover.pdf")
        else [],
        "warranty_url": (
            f"/products/{product.slug}/warranty/" if _resolves(f"/products/{product.slug}/warranty/") else ""
        ),
        "training": TrainingSession.objects.filter(product=product)
        .select_related("trainer")
        .prefetch_related("attendees")[:10],
        "signoffs": SupportSignoff.objects.filter(product=product).select_related("person"),
    }


FORM_FIELDS = {
    "owners.build_lead": "build_lead",
    "owners.run_lead": "run_lead",
    "teams.build": "build_team",
    "teams.run": "run_team",
}


def save_product(*, actor: Any, product: Product | None, data: dict[str, Any]) -> Product:
    """Create (``product`` None) or update a product through the catalog services. Their
    errors (``prodops.core.errors``, a spec's pydantic error) reach the form through
    ``web.errors.add_service_error`` with ``FORM_FIELDS`` as aliases."""
    changes = {
        "description": data.get("description", ""),
        "tier": data["tier"],
        "tags": data.get("tags", []),
        "owners": {"build_lead": data["build_lead"], "run_lead": data["run_lead"]},
        "teams": {"build": data.get("build_team") or None, "run": data.get("run_team") or None},
    }
    if product is None:
        if Product.objects.filter(slug=data["slug"]).exists():
            raise Refused("A product with this slug already exists.", field="slug")
        spec = ProductSpec.model_validate(changes)
        created, _ = catalog.save_product(actor=actor, slug=data["slug"], name=data["name"], spec=spec)
        return created
    updated, _ = catalog.update_product(
        actor=actor,
        product=product,
        changes={"name": data["name"], **changes},
        expected_version=data.get("version"),
    )
    return updated


def _resolves(path: str) -> bool:
    """Whether another app serves this path (its page appears once the app provides it)."""

    try:
        resolve(path)
    except Resolver404:
        return False
    return True


DORA_METRICS = (
    ("Deployment frequency", "deployment_frequency", "per_week", "per week"),
    ("Lead time for changes", "lead_time_for_changes", "median_hours", "hours (median)"),
    ("Change failure rate", "change_failure_rate", "value", "%"),
    ("Failed-deployment recovery time", "time_to_restore", "median_hours", "hours (median)"),
    ("Rework rate", "rework_rate", "value", "%"),
)


def dora_rows(product: Product, *, window_days: int = 90) -> list[dict[str, Any]]:
    """The product's DORA metrics over the last ``window_days``, each with its band and
    method, or the reason the data cannot support a number."""

    result = metrics.dora_for_products(
        product_ids=[product.pk], end=timezone.now(), window_days=window_days
    ).get(product.pk, {})
    rows = []
    for label, key, field, unit in DORA_METRICS:
        metric = result.get(key) or {}
        value = metric.get(field)
        if value is not None and unit == "%":
            value = round(100 * float(value), 1)
        elif isinstance(value, float):
            value = round(value, 1)
        rows.append(
            {
                "label": label,
                "value": value,
                "unit": unit,
                "band": metric.get("band"),
                "reason": metric.get("reason", ""),
                "method": metric.get("method", ""),
            }
        )
    return rows


def _dora_cells(result: dict[str, Any]) -> list[dict[str, Any]]:
    cells = []
    for _label, key, field, unit in DORA_METRICS:
        metric = result.get(key) or {}
        value = metric.get(field)
        if value is not None and unit == "%":
            value = round(100 * float(value), 1)
        elif isinstance(value, float):
            value = round(value, 1)
        cells.append(
            {"value": value, "unit": unit, "band": metric.get("band"), "reason": metric.get("reason", "")}
        )
    return cells


def dora_portfolio(products: Any, *, window_days: int = 90, limit: int = 50) -> dict[str, Any]:
    """DORA per product (the first ``limit``, most critical first) and for the portfolio
    (its median product, as ``prodops dora`` reports it), over the last ``window_days``."""

    shown = list(products[:limit])
    results = (
        metrics.dora_for_products(
            product_ids=[p.pk for p in shown], end=timezone.now(), window_days=window_days
        )
        if shown
        else {}
    )
    rows = [{"product": p, "cells": _dora_cells(results.get(p.pk, {}))} for p in shown]
    summary = metrics.portfolio(list(results.values()), bands="2023") if results else {}
    return {
        "dora_headers": [label for label, *_ in DORA_METRICS],
        "dora_rows": rows,
        "dora_portfolio": _dora_cells(summary) if summary else [],
        "dora_window": window_days,
    }


def readiness_series(product: Product, *, limit: int = 500) -> list[tuple[datetime, float]]:
    """The share of the product's criteria passing (or waived) over time, rebuilt from
    its stored evaluation and the history of status changes (EvaluationChange), oldest
    first: walking back from today, each change is undone to find the earlier state."""

    evaluation = ProductEvaluation.objects.filter(product=product).first()
    if evaluation is None or not evaluation.results:
        return []
    status = {cid: (r or {}).get("status", "") for cid, r in evaluation.results.items()}

    def share() -> float:
        known = [s for s in status.values() if s]
        return sum(1 for s in known if s in {"pass", "waived"}) / len(known) if known else 0.0

    # Walking back from the newest change: the share just after a change is the state
    # before it is undone. Several criteria change at one evaluation (same time): the
    # first point seen for a time is the state after all of them.
    at_time: dict[datetime, float] = {}
    for change in EvaluationChange.objects.filter(product=product).order_by("-at", "-id")[:limit]:
        at_time.setdefault(change.at, share())
        status[change.criterion] = change.old_status
    merged: list[tuple[datetime, float]] = []
    for when, value in sorted(at_time.items()):
        if not merged or merged[-1][1] != value:
            merged.append((when, value))
    if merged and evaluation.evaluated_at > merged[-1][0]:
        merged.append((evaluation.evaluated_at, merged[-1][1]))
    return merged
