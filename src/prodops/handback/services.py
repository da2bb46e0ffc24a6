"""Handback: the operating load of products from their events, the policy of their
standard, and the handback ProdOps proposes when a product stays over the limits.

* :func:`loads` — ``ops.*`` and ``handback.*`` values for a batch of products
  (definitions in :mod:`prodops.handback.load`).
* :func:`check_all` — the periodic job's body: keeps each watched product's
  ``triggered_since``; once a product has been triggered for ``after_days`` it requests
  a handback transition (as the task actor) that both leads must still approve, or
  reject with a reason (``lifecycle.services``); notifies them. When the load falls
  back under the limits before they decide, the proposal is withdrawn.
* :func:`flagged` — products with a proposal awaiting the leads (the dashboard flag).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import CharField, DateTimeField, F, FloatField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast

from prodops.accounts import policy
from prodops.audit.services import record
from prodops.catalog import facts as catalog_facts
from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.core.facts import FactContext
from prodops.core.prepared import PreparedQuery
from prodops.events.models import Incident, Page, Ticket
from prodops.handback import load as loadmath
from prodops.handback.models import Watch
from prodops.lifecycle import services as lifecycle
from prodops.lifecycle.models import Transition
from prodops.notifications.services import notify
from prodops.readiness.models import Standard
from prodops.readiness.spec import HandbackPolicySpec

ACTOR = Actor.task("handback")
_UNKNOWN: Any = object()


def policies(slugs: Sequence[str]) -> dict[str, HandbackPolicySpec]:
    """The handback policy of each standard (the SRE defaults when it names none)."""
    found = {
        slug: HandbackPolicySpec.model_validate(spec.get("handback") or {})
        for slug, spec in Standard.objects.filter(slug__in=list(set(slugs))).values_list("slug", "spec")
    }
    return {slug: found.get(slug) or HandbackPolicySpec() for slug in set(slugs)}


@dataclass(frozen=True)
class Assessment:
    load: loadmath.Load
    watched: bool
    reasons: list[str]

    @property
    def triggered(self) -> bool:
        return self.watched and bool(self.reasons)


# (standard slug, version, digest) -> its handback policy: a stored version's spec never
# changes, so re-evaluating one product does not read it again.
_policy_by_version: dict[tuple[str, Any, Any], HandbackPolicySpec] = {}


def _rows_from(context: FactContext) -> list[dict[str, Any]]:
    """The columns :func:`assess` needs, from the batch's shared product rows and teams
    (read once for every provider). The rows the evaluation hands over carry their
    standard's stored version and digest, which find the policy without a query."""
    rows = list(catalog_facts.products(context).values())
    by_team = catalog_facts.teams(context).by_id
    heads = {p.pk: (getattr(p, "std_version", _UNKNOWN), getattr(p, "std_digest", None)) for p in rows}
    unknown = {p.standard for p in rows if heads[p.pk][0] is _UNKNOWN}
    unknown |= {
        p.standard
        for p in rows
        if heads[p.pk][0] not in (_UNKNOWN, None) and (p.standard, *heads[p.pk]) not in _policy_by_version
    }
    read = policies(sorted(unknown)) if unknown else {}
    out = []
    for p in rows:
        version, digest = heads[p.pk]
        if version is None:  # no stored standard: the defaults, as the subquery's NULL gave
            policy = HandbackPolicySpec()
        elif version is _UNKNOWN:
            policy = read[p.standard]
        else:
            key = (p.standard, version, digest)
            if key not in _policy_by_version:
                if len(_policy_by_version) > 64:
                    _policy_by_version.clear()
                _policy_by_version[key] = read[p.standard]
            policy = _policy_by_version[key]
        team = by_team.get(p.run_team_id) if p.run_team_id else None
        out.append(
            {
                "pk": p.pk,
                "stage": p.stage,
                "standard": p.standard,
                "capacity": team.capacity_hours_per_week if team else None,
                "policy": policy,
            }
        )
    return out


def _events(p: Any) -> Any:
    """The incidents, pages and tickets of the batch's products started in [``p.since``,
    ``p.now``), in one query (a fixed cost of the product page, which evaluates every
    fact provider): every column is an annotation, so their order is the SELECT's."""
    columns = ("k", "pid", "src", "ext", "start", "end", "minutes")

    def rows(model: Any, kind: str, start: str, end: str, minutes: Any) -> Any:
        return (
            model.objects.filter(
                product_id__in_ids=p.ids, **{f"{start}__gte": p.since, f"{start}__lt": p.now}
            )
            .annotate(
                k=Value(kind, CharField()),
                pid=F("product_id"),
                src=F("source"),
                ext=F("external_id"),
                start=F(start),
                end=F(end),
                minutes=minutes,
            )
            .order_by()
            .values_list(*columns)
        )

    # A typed NULL: PostgreSQL types an untyped NULL in a UNION's first branch as text and
    # then refuses the tickets' double precision column in the same position.
    no_minutes = Cast(Value(None), FloatField())
    return rows(Incident, "i", "opened_at", "resolved_at", no_minutes).union(
        rows(Page, "p", "triggered_at", "resolved_at", no_minutes),
        rows(Ticket, "t", "opened_at", "closed_at", F("handle_minutes")),
        all=True,
    )


# Built and compiled once (core.prepared): re-evaluating one product sends only its SQL.
_EVENTS = PreparedQuery(_events, since=DateTimeField(), now=DateTimeField())


def assess(
    product_ids: Sequence[int], now: datetime, context: FactContext | None = None
) -> dict[int, Assessment]:
    """Load and policy check of every product in the batch (a fixed number of queries).
    With the fact batch's ``context``, the product rows, teams and policies come from it."""
    if context is not None:
        products = _rows_from(context)
    else:
        products = [
            {
                "pk": p["pk"],
                "stage": p["stage"],
                "standard": p["standard"],
                "capacity": p["run_team__capacity_hours_per_week"],
                "policy": HandbackPolicySpec.model_validate(p["handback"] or {}),
            }
            for p in Product.objects.filter(pk__in_ids=list(product_ids))
            .annotate(
                # Only the standard's handback section, not its whole spec (a fixed cost per batch).
                handback=Subquery(
                    Standard.objects.filter(slug=OuterRef("standard")).values("spec__handback")[:1]
                )
            )
            .values("pk", "stage", "standard", "run_team__capacity_hours_per_week", "handback")
        ]
    if not products:
        return {}
    incidents: dict[int, list[loadmath.Interruption]] = defaultdict(list)
    pages: dict[int, list[loadmath.Interruption]] = defaultdict(list)
    tickets: dict[int, list[float | None]] = defaultdict(list)
    ids = [p["pk"] for p in products]
    for kind, pid, source, ext, begun, ended, minutes in _EVENTS.rows(
        ids=ids, since=now - loadmath.WINDOW, now=now
    ):
        if kind == "t":
            tickets[pid].append(minutes)
        else:
            (incidents if kind == "i" else pages)[pid].append(
                loadmath.Interruption((source, ext), begun, ended)
            )
    result = {}
    for p in products:
        pol = p["policy"]
        load = loadmath.compute(
            now=now,
            incidents=incidents[p["pk"]],
            pages=pages[p["pk"]],
            ticket_minutes=tickets[p["pk"]],
            capacity_hours_per_week=p["capacity"],
        )
        reasons = loadmath.assess(
            load, max_pages_per_shift=pol.max_pages_per_shift, max_load_share=pol.max_load_share
        )
        result[p["pk"]] = Assessment(load, p["stage"] in pol.stages, reasons)
    return result


def fact_values(a: Assessment) -> dict[str, Any]:
    values: dict[str, Any] = {
        "ops.pages_per_shift": a.load.pages_per_shift,
        "ops.pages_per_shift_p90": a.load.pages_per_shift_p90,
        "ops.incidents_per_shift_max": a.load.incidents_per_shift_max,
        "ops.interrupt_hours_per_week": a.load.interrupt_hours_per_week,
        "handback.triggered": a.triggered,
        "handback.reasons": a.reasons if a.triggered else [],
    }
    if a.load.load_share is not None:
        values["ops.load_share"] = a.load.load_share
    return values


def _notify_proposal(product: Product, transition: Transition, since: datetime, reasons: list[str]) -> None:

    notify(
        event="handback.proposed",
        product=product,
        actor=ACTOR,
        subject={"since": since.date().isoformat(), "reasons": "; ".join(reasons), "to": transition.to_stage},
        key=f"handback:{transition.pk}",
    )


def check_all(*, now: datetime) -> dict[str, int]:
    """Update every watched product's handback state; returns counts for the job log."""
    policy.require(ACTOR, "handback.check")
    counts = {"triggered": 0, "proposed": 0, "withdrawn": 0}
    standards = Standard.objects.values_list("slug", flat=True)
    pols = policies([*standards, "default"])
    stages = {s for p in pols.values() for s in p.stages}
    watched = list(
        Product.objects.filter(Q(stage__in=stages) | Q(handback_watch__isnull=False)).values_list(
            "pk", flat=True
        )
    )
    assessments = assess(watched, now)
    watches = {
        w.product_id: w for w in Watch.objects.filter(product_id__in_ids=watched).select_related("proposal")
    }
    products = {
        p.pk: p for p in Product.objects.filter(pk__in_ids=watched).select_related("build_lead", "run_lead")
    }
    for pid in watched:
        a = assessments[pid]
        product = products[pid]
        watch = watches.get(pid) or Watch(product=product, checked_at=now)
        pending = (
            watch.proposal if watch.proposal and watch.proposal.status == Transition.Status.PENDING else None
        )
        if watch.proposal is not None and pending is None:
            # The leads decided (approved, rejected) or someone cancelled it: resolved.
            watch.proposal = None
            watch.triggered_since = now if a.triggered else None
        if a.triggered:
            counts["triggered"] += 1
            watch.triggered_since = watch.triggered_since or now
        else:
            watch.triggered_since = None
            if pending is not None:
                lifecycle.cancel_transition(actor=ACTOR, transition=pending, now=now)
                record(
                    actor=ACTOR,
                    action="handback.withdraw",
                    obj=pending,
                    product=product,
                    changes={"reason": [None, "operating load fell back under the limits"]},
                )
                watch.proposal = None
                pending = None
                counts["withdrawn"] += 1
        watch.reasons = a.reasons if a.triggered else []
        watch.checked_at = now
        pol = policies([product.standard])[product.standard]
        due = watch.triggered_since is not None and now - watch.triggered_since >= timedelta(
            days=pol.after_days
        )
        busy = Transition.objects.filter(product=product, status=Transition.Status.PENDING).exists()
        if a.triggered and due and pending is None and not busy and product.stage != pol.to:
            reason = (
                f"ProdOps proposes a handback: over the operating limits since "
                f"{watch.triggered_since:%Y-%m-%d}: " + "; ".join(a.reasons)
            )
            transition = lifecycle.request_transition(
                actor=ACTOR, product=product, to_stage=pol.to, reason=reason, now=now
            )
            watch.proposal = transition
            watch.proposed_at = now
            counts["proposed"] += 1
            record(
                actor=ACTOR,
                action="handback.propose",
                obj=transition,
                product=product,
                changes={"reasons": [None, a.reasons]},
            )
            _notify_proposal(product, transition, watch.triggered_since or now, a.reasons)
        if watch.pk is None and not a.triggered and watch.proposal is None:
            continue  # nothing to remember about a product within its limits
        watch.save()
    return counts


def flagged(product_ids: Sequence[int] | None = None, *, products: Any = None) -> dict[int, Watch]:
    """Products with a handback proposal awaiting both leads (shown flagged); optionally
    only those ids, or those of a product queryset (the dashboard's filtered portfolio)."""
    qs = Watch.objects.filter(proposal__status=Transition.Status.PENDING).select_related(
        "proposal", "product"
    )
    if product_ids is not None:
        qs = qs.filter(product_id__in_ids=list(product_ids))
    if products is not None:
        qs = qs.filter(product__in=products.order_by().values("pk"))
    return {w.product_id: w for w in qs}
